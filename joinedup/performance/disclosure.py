"""Statistical disclosure control for published tables of counts (issue 7, item 7).

Pure functions: no database, no settings. The caller passes the threshold and rounding base
(``DisclosureControl.current()`` holds the partnership's values; the shipped defaults are 5 and 5).

A table is rows x columns of counts of people. Its row totals are always published; its column
totals and grand total are published when ``column_totals`` is true (a two-way table), and not
when the rows are unrelated measures that must not be added up (a one-way table per row).

What is done, in order:

1. **Primary suppression.** Every published count - cell or total - from 1 up to ``threshold - 1``
   is suppressed.
2. **Zeros are published.** A true zero says nobody is in that group, which discloses nothing about
   any person; suppressing zeros as well would hide most of a sparse table. (This is the ONS's
   usual practice for non-structural zeros.) Zeros are never chosen as secondary suppressions, so
   a reader may assume that every suppressed cell is at least 1: the checks below assume the reader
   knows this.
3. **Secondary suppression.** Each row, column and the totals are linear equations
   (``total = sum of parts``). Whenever an equation has exactly one unknown (suppressed) member, it
   could be worked out by subtraction, so another member is suppressed: the smallest non-zero
   published part, or the total when no part is left. This repeats until stable.
4. **Audit.** Subtraction is not the only attack: with the equations together and the knowledge
   that suppressed counts are at least 1, a reader can sometimes pin a count down (two suppressed
   ones in a row that adds up to 2 must both be 1). So each suppressed count under the threshold
   is bounded exactly by linear programming over the published cells and totals (the equations of
   a table with margins form a network matrix, so the bounds of the linear programme are the integer
   bounds). Any small count whose lowest and highest possible values are equal gets one more
   suppression in its row or column (or its totals), and steps 3 and 4 run again. Suppressing
   everything is always safe, so this ends.
5. **Rounding.** Every published count (cells and totals) is rounded to the nearest multiple of
   ``rounding_base`` (halves round up). Rounding happens after the pattern is chosen: the audit
   assumes the reader knows the unrounded published values, a stronger reader than a real one.

Percentages built on a suppressed count are suppressed (``published_percentage``); published
percentages are worked out from the rounded counts, so they cannot undo the rounding.

A measure broken down by partner (``publish_measure``) has an all-partners figure that counts
each person once, so it is not the partners' sum; a percentage's complement (denominator minus
numerator) is a count of people as well. Both are protected there, with an exact check by
integer programming. A percentage or rate on its own (``rate_publishable``) is published only
when the counts behind it are known and none of them is small.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy.optimize import linprog

# A member of a table: ("cell", row, column), ("row", row), ("column", column) or ("grand",).
Key = tuple[object, ...]

SUPPRESSED_MARK = "[c]"
SUPPRESSED_MEANING = "[c] confidential: too few people to publish, or would let one be worked out"


def grand_key() -> Key:
    return ("grand",)


def cell_key(row: int, column: int) -> Key:
    return ("cell", row, column)


def row_key(row: int) -> Key:
    return ("row", row)


def column_key(column: int) -> Key:
    return ("column", column)


@dataclass(frozen=True)
class SuppressionPattern:
    """Which members of a table are suppressed, and why."""

    primary: frozenset[Key]
    secondary: frozenset[Key]

    @property
    def suppressed(self) -> frozenset[Key]:
        return self.primary | self.secondary


@dataclass(frozen=True)
class PublishedTable:
    """A table safe to publish: ``None`` is a suppressed count; every other count is rounded."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...] | None
    grand_total: int | None
    threshold: int
    rounding_base: int

    @property
    def suppressed_count(self) -> int:
        counted = sum(value is None for row in self.cells for value in row)
        counted += sum(value is None for value in self.row_totals)
        if self.column_totals is not None:
            counted += sum(value is None for value in self.column_totals)
            counted += self.grand_total is None
        return counted


# ----------------------------------------------------------------------------- the table's shape


def _check_cells(cells: Sequence[Sequence[int]]) -> None:
    widths = {len(row) for row in cells}
    if len(widths) > 1:
        raise ValueError("Every row of the table must have the same number of columns.")
    for row in cells:
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError("Counts must be whole numbers, zero or more.")


def table_values(cells: Sequence[Sequence[int]], *, column_totals: bool = True) -> dict[Key, int]:
    """Every member of the table (cells, row totals and, for a two-way table, column totals and
    the grand total) with its true value."""
    _check_cells(cells)
    values: dict[Key, int] = {}
    width = len(cells[0]) if cells else 0
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            values[cell_key(i, j)] = value
        values[row_key(i)] = sum(row)
    if column_totals:
        for j in range(width):
            values[column_key(j)] = sum(row[j] for row in cells)
        values[grand_key()] = sum(sum(row) for row in cells)
    return values


def table_equations(
    rows: int, columns: int, *, column_totals: bool = True
) -> list[tuple[Key, list[Key]]]:
    """The linear equations that hold in the table, each as (total, parts)."""
    equations: list[tuple[Key, list[Key]]] = [
        (row_key(i), [cell_key(i, j) for j in range(columns)]) for i in range(rows)
    ]
    if column_totals:
        equations += [
            (column_key(j), [cell_key(i, j) for i in range(rows)]) for j in range(columns)
        ]
        equations.append((grand_key(), [row_key(i) for i in range(rows)]))
        equations.append((grand_key(), [column_key(j) for j in range(columns)]))
    return equations


# ----------------------------------------------------------------------------- the audit


def feasible_range(
    *,
    values: dict[Key, int],
    equations: Iterable[tuple[Key, list[Key]]],
    suppressed: frozenset[Key] | set[Key],
    target: Key,
) -> tuple[float, float]:
    """The lowest and highest value a reader could give ``target`` (a suppressed member) from the
    published members, the table's equations, and the knowledge that suppressed counts are at
    least 1 (at least 0 if a zero has been suppressed). The highest is ``inf`` when unbounded."""
    unknown = sorted(suppressed, key=repr)
    index = {key: n for n, key in enumerate(unknown)}
    rows_a: list[list[float]] = []
    rows_b: list[float] = []
    for total, parts in equations:
        members = [(total, 1.0)] + [(part, -1.0) for part in parts]
        coefficients = [0.0] * len(unknown)
        constant = 0.0
        involved = False
        for key, sign in members:
            if key in index:
                coefficients[index[key]] += sign
                involved = True
            else:
                constant -= sign * values[key]
        if involved:
            rows_a.append(coefficients)
            rows_b.append(constant)
    lowest = 0 if any(values[key] == 0 for key in unknown) else 1
    bounds = [(lowest, None)] * len(unknown)
    objective = np.zeros(len(unknown))
    objective[index[target]] = 1.0
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(rows_b) if rows_b else None
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if low.status != 0:  # cannot happen for a true table; be safe and call it unbounded
        return (float(lowest), float("inf"))
    top = float("inf") if high.status == 3 else -float(high.fun)
    return (float(low.fun), top)


def pinned_small_counts(
    *,
    values: dict[Key, int],
    equations: list[tuple[Key, list[Key]]],
    suppressed: frozenset[Key] | set[Key],
    threshold: int,
    first_only: bool = False,
) -> list[Key]:
    """The suppressed counts under the threshold that a reader could nevertheless work out
    (only the first found when ``first_only``)."""
    pinned = []
    for key in sorted(suppressed, key=repr):
        if not 0 < values[key] < threshold:
            continue
        low, high = feasible_range(
            values=values, equations=equations, suppressed=suppressed, target=key
        )
        if high - low < 0.5:
            pinned.append(key)
            if first_only:
                break
    return pinned


# ----------------------------------------------------------------------------- suppression


def _smallest_published(
    values: dict[Key, int], keys: Iterable[Key], hidden: set[Key]
) -> Key | None:
    candidates = [key for key in keys if key not in hidden and values[key] > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda key: (values[key], repr(key)))


def _secondary_pass(
    values: dict[Key, int], equations: list[tuple[Key, list[Key]]], hidden: set[Key]
) -> bool:
    """Hide one more member of each equation that has exactly one unknown. True if any changed."""
    changed = False
    for total, parts in equations:
        members = [total, *parts]
        unknown = [key for key in members if key in hidden]
        if len(unknown) != 1:
            continue
        choice = _smallest_published(values, parts, hidden)
        if choice is None and total not in hidden and values[total] > 0:
            choice = total
        if choice is None:
            continue  # every other member is a published zero: the unknown is 0 or the total
        hidden.add(choice)
        changed = True
    return changed


def _protect(
    values: dict[Key, int],
    equations: list[tuple[Key, list[Key]]],
    hidden: set[Key],
    pinned: Key,
) -> None:
    """Hide one more member near a pinned count: the smallest published part of an equation it
    is in, else a published total of one, else (never needed in practice) everything."""
    involving = [(total, parts) for total, parts in equations if pinned in (total, *parts)]
    for _, parts in involving:
        choice = _smallest_published(values, parts, hidden)
        if choice is not None:
            hidden.add(choice)
            return
    for total, _ in involving:
        if total not in hidden and values[total] > 0:
            hidden.add(total)
            return
    for key, value in values.items():
        if key not in hidden and value > 0:
            hidden.add(key)
            return
    hidden.update(values)


def suppression_pattern(
    cells: Sequence[Sequence[int]], *, threshold: int, column_totals: bool = True
) -> SuppressionPattern:
    """Choose the counts to suppress: primary (1 to threshold - 1), then secondary until no count
    under the threshold can be worked out from what is published. See the module's docstring."""
    values = table_values(cells, column_totals=column_totals)
    if not column_totals and len(cells) > 1:
        # Without column totals the rows share no equation: each is its own one-row table.
        primary: set[Key] = set()
        secondary: set[Key] = set()
        for i, row in enumerate(cells):
            alone = suppression_pattern([row], threshold=threshold, column_totals=False)
            primary.update(_move_to_row(key, i) for key in alone.primary)
            secondary.update(_move_to_row(key, i) for key in alone.secondary)
        return SuppressionPattern(primary=frozenset(primary), secondary=frozenset(secondary))
    width = len(cells[0]) if cells else 0
    equations = table_equations(len(cells), width, column_totals=column_totals)
    primary = {key for key, value in values.items() if 0 < value < threshold}
    hidden = set(primary)
    while True:
        while _secondary_pass(values, equations, hidden):
            pass
        pinned = pinned_small_counts(
            values=values,
            equations=equations,
            suppressed=hidden,
            threshold=threshold,
            first_only=True,
        )
        if not pinned:
            break
        _protect(values, equations, hidden, pinned[0])
    return SuppressionPattern(primary=frozenset(primary), secondary=frozenset(hidden - primary))


def _move_to_row(key: Key, row: int) -> Key:
    """A key of a one-row table as the same member of row ``row`` of the whole table."""
    if key[0] == "cell":
        return cell_key(row, int(key[2]))  # type: ignore[call-overload]
    return row_key(row)


def round_count(value: int, base: int) -> int:
    """``value`` to the nearest multiple of ``base`` (halves up); a base of 0 or 1 leaves it."""
    if base <= 1:
        return value
    return int((Decimal(value) / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * base


def publish_table(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[int]],
    threshold: int,
    rounding_base: int,
    column_totals: bool = True,
) -> PublishedTable:
    """The table as it may be published: suppressed counts are ``None``, the rest rounded."""
    if len(rows) != len(cells) or any(len(row) != len(columns) for row in cells):
        raise ValueError("The labels do not match the table's shape.")
    pattern = suppression_pattern(cells, threshold=threshold, column_totals=column_totals)
    values = table_values(cells, column_totals=column_totals)
    hidden = pattern.suppressed

    def shown(key: Key) -> int | None:
        return None if key in hidden else round_count(values[key], rounding_base)

    return PublishedTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(
            tuple(shown(cell_key(i, j)) for j in range(len(columns))) for i in range(len(rows))
        ),
        row_totals=tuple(shown(row_key(i)) for i in range(len(rows))),
        column_totals=(
            tuple(shown(column_key(j)) for j in range(len(columns))) if column_totals else None
        ),
        grand_total=shown(grand_key()) if column_totals else None,
        threshold=threshold,
        rounding_base=rounding_base,
    )


def publish_count(value: int, *, threshold: int, rounding_base: int) -> int | None:
    """One count on its own (no table around it): suppressed under the threshold, else rounded."""
    if 0 < value < threshold:
        return None
    return round_count(value, rounding_base)


# ----------------------------------------------------------------------------- a measure by partner


def all_key(row: int) -> Key:
    """The all-partners count of row ``row`` of a measure: each person counted once."""
    return ("all", row)


ALL_DENOMINATOR: Key = ("all", "denominator")


@dataclass(frozen=True)
class PublishedMeasure:
    """One measure broken down by partner, safe to publish: ``None`` is a suppressed count, every
    other count is rounded. The all-partners counts count each person once, so they can be less
    than the sum of the partners' counts."""

    numerators: tuple[int | None, ...]
    numerator_total: int | None
    denominators: tuple[int | None, ...] | None = None
    denominator_total: int | None = None

    @property
    def suppressed_count(self) -> int:
        counts = [*self.numerators, self.numerator_total]
        if self.denominators is not None:
            counts += [*self.denominators, self.denominator_total]
        return sum(value is None for value in counts)


def integer_range(
    *,
    values: Mapping[Key, int],
    known: Collection[Key],
    equalities: Sequence[Mapping[Key, float]],
    inequalities: Sequence[Mapping[Key, float]] = (),
    target: Key,
) -> tuple[float, float]:
    """The lowest and highest whole number a reader could give ``target`` who knows the members
    in ``known`` exactly, that each equality (the sum of coefficient x member) is 0 and each
    inequality is at most 0, and that every other member is a whole number of at least 1 (at
    least 0 where it truly is 0). Solved as an integer programme, so the bounds are exact even
    where the constraints are not a network. The highest is ``inf`` when unbounded. If the
    solver cannot answer, the range is given as a single value, so the caller suppresses more."""
    unknown = sorted((key for key in values if key not in known), key=repr)
    index = {key: n for n, key in enumerate(unknown)}

    def matrix(
        constraints: Sequence[Mapping[Key, float]],
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        rows_a: list[list[float]] = []
        rows_b: list[float] = []
        for constraint in constraints:
            coefficients = [0.0] * len(unknown)
            constant = 0.0
            involved = False
            for key, coefficient in constraint.items():
                if key in index:
                    coefficients[index[key]] += coefficient
                    involved = True
                else:
                    constant -= coefficient * values[key]
            if involved:
                rows_a.append(coefficients)
                rows_b.append(constant)
        if not rows_a:
            return None, None
        return np.array(rows_a), np.array(rows_b)

    a_eq, b_eq = matrix(equalities)
    a_ub, b_ub = matrix(inequalities)
    bounds = [(min(1, values[key]), None) for key in unknown]
    objective = np.zeros(len(unknown))
    objective[index[target]] = 1.0
    solve = {
        "A_eq": a_eq,
        "b_eq": b_eq,
        "A_ub": a_ub,
        "b_ub": b_ub,
        "bounds": bounds,
        "integrality": np.ones(len(unknown)),
        "method": "highs",
    }
    low = linprog(objective, **solve)
    high = linprog(-objective, **solve)
    if low.status != 0:  # cannot happen for true figures: call it pinned, to suppress more
        return (float(values[target]), float(values[target]))
    if high.status == 0:
        return (float(low.fun), -float(high.fun))
    # HiGHS answers "unbounded or infeasible" for an unbounded integer programme; the problem
    # is feasible (the lowest was found), so ask the relaxation whether it is unbounded.
    relaxed = linprog(-objective, **{**solve, "integrality": None})
    if relaxed.status == 3:
        return (float(low.fun), float("inf"))
    return (float(low.fun), float(low.fun))  # not sure: call it pinned, to suppress more


def _is_share(
    numerators: Sequence[int],
    denominators: Sequence[int] | None,
    numerator_total: int,
    denominator_total: int | None,
) -> bool:
    """Whether each numerator counts some of the people its denominator counts (a percentage),
    so that the complement (denominator minus numerator) is itself a count of people."""
    if denominators is None or denominator_total is None:
        return False
    pairs = zip(numerators, denominators, strict=True)
    return numerator_total <= denominator_total and all(n <= d for n, d in pairs)


def publish_measure(
    *,
    numerators: Sequence[int],
    numerator_total: int,
    denominators: Sequence[int] | None = None,
    denominator_total: int | None = None,
    share: bool = False,
    threshold: int,
    rounding_base: int,
) -> PublishedMeasure:
    """A measure by partner, as it may be published.

    ``numerators`` (and ``denominators``, for a percentage or ratio) are the partners' counts;
    ``numerator_total`` and ``denominator_total`` are the all-partners counts, each person
    counted once: at least every partner's count and at most their sum. ``share`` says the
    numerator is part of the denominator (a percentage), so ``denominator - numerator`` is a
    count of people too, for each partner and for all partners.

    1. **The partners' counts** are suppressed as a table that adds up (``suppression_pattern``)
       as if the partners' sum were published, which it is not: a count that stands alone, a
       numerator, and for a percentage its complement (a table of two rows, numerator and
       complement, whose column totals are the denominators). So a small complement is
       protected like any small count, and no partner's count can be worked out from the others.
    2. **The all-partners counts** are suppressed on their own from 1 to ``threshold - 1``; for
       a percentage the all-partners numerator, complement and denominator are a table of their
       own (the complement is never shown, but could be worked out from the other two).
    3. **Audit.** The all-partners count is not the partners' sum, but a reader knows it is at
       least each partner's count and at most their sum. Each suppressed small count (shown or
       only derivable, like a complement) is bounded exactly by integer programming over
       everything published and those relations; if any could be worked out, the all-partners
       counts of the measure are suppressed too (without them, step 1 already protects the rest).
    4. **Rounding** of every published count to ``rounding_base``.

    Totals that break the relations above (which true figures cannot) are suppressed."""
    width = len(numerators)
    if denominators is not None and len(denominators) != width:
        raise ValueError("Every partner needs a numerator and a denominator.")
    is_share = share and _is_share(numerators, denominators, numerator_total, denominator_total)
    values: dict[Key, int]
    equalities: list[dict[Key, float]] = []
    inequalities: list[dict[Key, float]] = []
    shown_keys: list[Key]
    if is_share:
        assert denominators is not None and denominator_total is not None
        complements = [d - n for n, d in zip(numerators, denominators, strict=True)]
        cells = [list(numerators), complements]
        pattern = suppression_pattern(cells, threshold=threshold, column_totals=True)
        values = table_values(cells, column_totals=True)
        shown_keys = [cell_key(0, j) for j in range(width)]
        shown_keys += [column_key(j) for j in range(width)]
        shown_keys += [all_key(0), ALL_DENOMINATOR]  # the complement is never shown
        totals = [all_key(0), all_key(1), ALL_DENOMINATOR]
        values[all_key(0)] = numerator_total
        values[all_key(1)] = denominator_total - numerator_total
        values[ALL_DENOMINATOR] = denominator_total
        alone = suppression_pattern(
            [[numerator_total, denominator_total - numerator_total]],
            threshold=threshold,
            column_totals=False,
        ).suppressed
        hidden = set(pattern.suppressed)
        hidden |= {
            {cell_key(0, 0): all_key(0), cell_key(0, 1): all_key(1)}.get(key, ALL_DENOMINATOR)
            for key in alone
        }
        equalities = [
            {total: 1.0, **dict.fromkeys(parts, -1.0)}
            for total, parts in table_equations(2, width, column_totals=True)
        ]
        equalities.append({ALL_DENOMINATOR: 1.0, all_key(0): -1.0, all_key(1): -1.0})
        # Each person once: at least each partner's count, at most the partners' sum.
        for j in range(width):
            inequalities.append({cell_key(0, j): 1.0, all_key(0): -1.0})
            inequalities.append({column_key(j): 1.0, ALL_DENOMINATOR: -1.0})
        inequalities.append({all_key(0): 1.0, row_key(0): -1.0})
        inequalities.append({ALL_DENOMINATOR: 1.0, grand_key(): -1.0})
        # Everyone in the all-partners complement is in some partner's complement.
        inequalities.append({all_key(1): 1.0, row_key(1): -1.0})
        consistent = (
            all(numerators[j] <= numerator_total for j in range(width))
            and numerator_total <= sum(numerators)
            and all(denominators[j] <= denominator_total for j in range(width))
            and denominator_total <= sum(denominators)
            and denominator_total - numerator_total <= sum(complements)
        )
    else:
        rows = [list(numerators)]
        row_totals = [numerator_total]
        if denominators is not None:
            if denominator_total is None:
                raise ValueError("A measure with denominators needs the all-partners one.")
            rows.append(list(denominators))
            row_totals.append(denominator_total)
        pattern = suppression_pattern(rows, threshold=threshold, column_totals=False)
        values = table_values(rows, column_totals=False)
        totals = [all_key(i) for i in range(len(rows))]
        shown_keys = [cell_key(i, j) for i in range(len(rows)) for j in range(width)] + totals
        hidden = set(pattern.suppressed)
        consistent = True
        for i, (row, total) in enumerate(zip(rows, row_totals, strict=True)):
            values[all_key(i)] = total
            if 0 < total < threshold:
                hidden.add(all_key(i))
            for j in range(width):
                inequalities.append({cell_key(i, j): 1.0, all_key(i): -1.0})
            inequalities.append({all_key(i): 1.0, row_key(i): -1.0})
            consistent = consistent and max(row, default=0) <= total <= sum(row)
        equalities = [
            {total: 1.0, **dict.fromkeys(parts, -1.0)}
            for total, parts in table_equations(len(rows), width, column_totals=False)
        ]
    # Zeros stay published (a reader may assume every suppressed count is at least 1).
    if not consistent:
        hidden.update(total for total in totals if values[total] > 0)
    elif any(total in shown_keys and total not in hidden for total in totals):
        known = {key for key in shown_keys if key not in hidden}
        for key in sorted(values, key=repr):
            if key in known or not 0 < values[key] < threshold:
                continue
            low, high = integer_range(
                values=values,
                known=known,
                equalities=equalities,
                inequalities=inequalities,
                target=key,
            )
            if high - low < 0.5:
                hidden.update(total for total in totals if values[total] > 0)
                break

    def shown(key: Key) -> int | None:
        return None if key in hidden else round_count(values[key], rounding_base)

    if is_share:
        return PublishedMeasure(
            numerators=tuple(shown(cell_key(0, j)) for j in range(width)),
            numerator_total=shown(all_key(0)),
            denominators=tuple(shown(column_key(j)) for j in range(width)),
            denominator_total=shown(ALL_DENOMINATOR),
        )
    return PublishedMeasure(
        numerators=tuple(shown(cell_key(0, j)) for j in range(width)),
        numerator_total=shown(all_key(0)),
        denominators=(
            tuple(shown(cell_key(1, j)) for j in range(width)) if denominators is not None else None
        ),
        denominator_total=shown(all_key(1)) if denominators is not None else None,
    )


# ----------------------------------------------------------------------------- rates


def rate_publishable(
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    per: int,
    threshold: int,
) -> bool:
    """Whether a percentage (``per`` 100) or rate (``per`` 1,000) may be published on its own.

    Only when the counts it is worked out from are known - given, or one of them worked out from
    the value and the other - and neither of them, nor the people not counted (denominator minus
    numerator), is from 1 to ``threshold - 1``. A rate whose counts are not known cannot be
    checked, so it is not published: without them, a rate over a small area could stand for one
    or two people."""
    if value is not None and numerator is None and denominator is not None:
        numerator = value * denominator / per
    if value is not None and denominator is None and numerator is not None and value > 0:
        denominator = numerator * per / value
    if numerator is None or denominator is None:
        return False
    complement = denominator - numerator
    counts = [numerator, denominator] + ([complement] if complement >= 0 else [])
    return not any(0 < count < threshold for count in counts)


def published_percentage(
    numerator: int | None, denominator: int | None, *, places: int = 0
) -> Decimal | None:
    """A percentage from two PUBLISHED (already suppressed and rounded) counts. Suppressed when
    either count is suppressed, and not given when the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    exponent = Decimal(1).scaleb(-places)
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        exponent, rounding=ROUND_HALF_UP
    )


def shown(value: int | Decimal | None) -> str:
    """A published figure as text: the mark for a suppressed one."""
    if value is None:
        return SUPPRESSED_MARK
    return f"{value:,}"
