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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
