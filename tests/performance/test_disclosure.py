"""Disclosure control: no published table lets a count under the threshold be worked out.

The checker here is written apart from ``disclosure.py``: it puts EVERY member of the table
(cells, row totals, column totals, grand total) into one linear programme, fixes the published
ones by their bounds, and asks for the lowest and highest value of each suppressed small count.
A reader who knows the unrounded published figures (stronger than a real reader, who sees them
rounded) and that suppressed counts are at least 1 still cannot pin any of them down."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from joinedup.performance import disclosure


def _members(cells: list[list[int]], two_way: bool) -> tuple[list[str], dict[str, int], list]:
    """All members as names with their true values, and the equations as coefficient dicts."""
    values: dict[str, int] = {}
    equations: list[dict[str, float]] = []
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            values[f"c{i},{j}"] = value
        values[f"r{i}"] = sum(row)
        equation = {f"r{i}": 1.0}
        equation.update({f"c{i},{j}": -1.0 for j in range(len(row))})
        equations.append(equation)
    if two_way:
        width = len(cells[0])
        for j in range(width):
            values[f"k{j}"] = sum(row[j] for row in cells)
            equation = {f"k{j}": 1.0}
            equation.update({f"c{i},{j}": -1.0 for i in range(len(cells))})
            equations.append(equation)
        values["g"] = sum(map(sum, cells))
        equations.append({"g": 1.0, **{f"r{i}": -1.0 for i in range(len(cells))}})
        equations.append({"g": 1.0, **{f"k{j}": -1.0 for j in range(width)}})
    return list(values), values, equations


def _published_names(table: disclosure.PublishedTable) -> set[str]:
    names = set()
    for i, row in enumerate(table.cells):
        names.update(f"c{i},{j}" for j, value in enumerate(row) if value is not None)
    names.update(f"r{i}" for i, value in enumerate(table.row_totals) if value is not None)
    if table.column_totals is not None:
        names.update(f"k{j}" for j, value in enumerate(table.column_totals) if value is not None)
        if table.grand_total is not None:
            names.add("g")
    return names


def recoverable_small_counts(
    cells: list[list[int]], table: disclosure.PublishedTable, threshold: int
) -> list[tuple[str, int, float, float]]:
    """Every suppressed count under the threshold whose possible range is a single value."""
    names, values, equations = _members(cells, table.column_totals is not None)
    published = _published_names(table)
    suppressed = [name for name in names if name not in published]
    lowest = 0 if any(values[name] == 0 for name in suppressed) else 1
    bounds = [
        (values[name], values[name]) if name in published else (lowest, None) for name in names
    ]
    a_eq = np.array([[equation.get(name, 0.0) for name in names] for equation in equations])
    b_eq = np.zeros(len(equations))
    found = []
    for name in suppressed:
        if not 0 < values[name] < threshold:
            continue
        objective = np.array([1.0 if other == name else 0.0 for other in names])
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, "the true table must be feasible"
        top = float("inf") if high.status == 3 else -high.fun
        if top - low.fun < 0.5:
            found.append((name, values[name], low.fun, top))
    return found


def _publish(cells: list[list[int]], threshold: int = 5, base: int = 5, two_way: bool = True):
    return disclosure.publish_table(
        rows=[f"row {i}" for i in range(len(cells))],
        columns=[f"col {j}" for j in range(len(cells[0]))],
        cells=cells,
        threshold=threshold,
        rounding_base=base,
        column_totals=two_way,
    )


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda width: st.lists(
        st.lists(st.one_of(st.integers(0, 6), st.integers(0, 40)), min_size=width, max_size=width),
        min_size=1,
        max_size=5,
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, threshold=st.sampled_from([3, 5, 10]), two_way=st.booleans())
def test_no_published_table_lets_a_small_count_be_recovered(
    cells: list[list[int]], threshold: int, two_way: bool
) -> None:
    table = _publish(cells, threshold=threshold, two_way=two_way)
    assert recoverable_small_counts(cells, table, threshold) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, threshold=st.sampled_from([3, 5, 10]), base=st.sampled_from([1, 5, 10]))
def test_every_published_count_is_at_least_the_threshold_or_zero_and_rounded(
    cells: list[list[int]], threshold: int, base: int
) -> None:
    table = _publish(cells, threshold=threshold, base=base)
    values = disclosure.table_values(cells)
    shown = {
        disclosure.cell_key(i, j): v for i, row in enumerate(table.cells) for j, v in enumerate(row)
    }
    shown |= {disclosure.row_key(i): v for i, v in enumerate(table.row_totals)}
    assert table.column_totals is not None
    shown |= {disclosure.column_key(j): v for j, v in enumerate(table.column_totals)}
    shown[disclosure.grand_key()] = table.grand_total
    for key, published in shown.items():
        true = values[key]
        if published is None:
            assert true > 0, "zeros are published, never suppressed"
            continue
        assert true == 0 or true >= threshold, f"{key} = {true} was published"
        assert published % max(base, 1) == 0
        assert abs(published - true) <= base / 2


def test_a_lone_small_count_in_a_row_gets_a_partner() -> None:
    table = _publish([[3, 20, 30], [12, 14, 16]])
    assert table.cells[0][0] is None
    # The row total is published, so a second cell in row 0 and in column 0 must go too.
    assert sum(value is None for value in table.cells[0]) >= 2
    assert sum(row[0] is None for row in table.cells) >= 2
    assert table.grand_total == 95


def test_two_ones_that_add_up_to_the_total_are_protected() -> None:
    # 1 + 1 with a published total of 2 would pin both down: suppressing the pair is not enough.
    cells = [[1, 1, 30]]
    table = _publish(cells, two_way=False)
    assert table.cells[0][:2] == (None, None)
    assert recoverable_small_counts(cells, table, 5) == []
    assert table.cells[0][2] is None or table.row_totals[0] is None


def test_a_small_total_is_suppressed_with_its_cells() -> None:
    cells = [[1, 2], [20, 25]]
    table = _publish(cells)
    assert table.row_totals[0] is None
    assert recoverable_small_counts(cells, table, 5) == []


def test_zeros_are_published() -> None:
    table = _publish([[0, 20], [10, 0]])
    assert table.cells == ((0, 20), (10, 0))
    assert table.suppressed_count == 0


def test_rounding_to_the_base() -> None:
    assert [disclosure.round_count(v, 5) for v in (0, 5, 6, 7, 8, 12, 13)] == [
        0,
        5,
        5,
        5,
        10,
        10,
        15,
    ]
    assert disclosure.round_count(7, 1) == 7


def test_percentages_on_suppressed_counts_are_suppressed() -> None:
    assert disclosure.published_percentage(None, 40) is None
    assert disclosure.published_percentage(10, None) is None
    assert disclosure.published_percentage(10, 0) is None
    assert disclosure.published_percentage(10, 40) == Decimal(25)


def test_single_counts() -> None:
    assert disclosure.publish_count(4, threshold=5, rounding_base=5) is None
    assert disclosure.publish_count(0, threshold=5, rounding_base=5) == 0
    assert disclosure.publish_count(13, threshold=5, rounding_base=5) == 15


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="same number of columns"):
        disclosure.suppression_pattern([[1, 2], [3]], threshold=5)
    with pytest.raises(ValueError, match="labels do not match"):
        _publish([[1, 2], [3]])
    with pytest.raises(ValueError, match="whole numbers"):
        _publish([[1, -2]])


def test_the_checker_can_fail() -> None:
    """Suppressing only the small cell leaves it recoverable; the checker must see that."""
    cells = [[3, 20, 30]]
    naive = disclosure.PublishedTable(
        rows=("a",),
        columns=("x", "y", "z"),
        cells=((None, 20, 30),),
        row_totals=(53,),
        column_totals=None,
        grand_total=None,
        threshold=5,
        rounding_base=1,
    )
    assert recoverable_small_counts(cells, naive, 5) == [("c0,0", 3, 3.0, 3.0)]


# ----------------------------------------------------------------------------- a measure by partner
#
# The public dashboard publishes each measure by partner with an all-partners figure that counts
# each person once, and for a percentage both its numerator and denominator, so the people NOT
# counted (denominator minus numerator, the complement) can be worked out by subtraction. The
# checker below is written from what the figures mean, not from the module: a reader knows every
# published count exactly (unrounded, a stronger reader than a real one), that suppressed counts
# are at least 1, and how people-based figures relate:
#
#   complement = denominator - numerator >= 0     (for each partner and for all partners)
#   each partner's count <= all partners <= the partners' sum (a person can work with several)
#   all partners' complement <= the sum of the partners' complements
#
# and asks, by integer programming, whether any count from 1 to threshold - 1 - published or
# not, complements included - has only one possible value.


@dataclass(frozen=True)
class Figures:
    """The true figures of one measure, from people: per partner and all partners."""

    numerators: list[int]
    denominators: list[int]
    numerator_total: int
    denominator_total: int


def _figures(people: list[list[int]], partners: int) -> Figures:
    """Each person is a list of states, one a partner: 0 not helped, 1 helped (counted in the
    denominator), 2 helped and better off (counted in both)."""
    return Figures(
        numerators=[sum(p[j] == 2 for p in people) for j in range(partners)],
        denominators=[sum(p[j] >= 1 for p in people) for j in range(partners)],
        numerator_total=sum(any(s == 2 for s in p) for p in people),
        denominator_total=sum(any(s >= 1 for s in p) for p in people),
    )


def recoverable_measure_counts(
    figures: Figures, published: disclosure.PublishedMeasure, threshold: int, *, share: bool
) -> list[tuple[str, int]]:
    """Every count under the threshold that is not published but has only one possible value."""
    width = len(figures.numerators)
    true: dict[str, int] = {}
    shown: dict[str, int | None] = {}
    for j in range(width):
        true[f"n{j}"] = figures.numerators[j]
        shown[f"n{j}"] = published.numerators[j]
    true["N"] = figures.numerator_total
    shown["N"] = published.numerator_total
    if share:
        assert published.denominators is not None
        for j in range(width):
            true[f"d{j}"] = figures.denominators[j]
            shown[f"d{j}"] = published.denominators[j]
            true[f"c{j}"] = figures.denominators[j] - figures.numerators[j]
        true["D"] = figures.denominator_total
        shown["D"] = published.denominator_total
        true["C"] = figures.denominator_total - figures.numerator_total
    names = list(true)
    rows_eq: list[dict[str, float]] = []
    rows_ub: list[dict[str, float]] = []  # sum(coefficient x member) <= 0
    for j in range(width):
        rows_ub.append({f"n{j}": 1.0, "N": -1.0})
    rows_ub.append({"N": 1.0, **{f"n{j}": -1.0 for j in range(width)}})
    if share:
        for j in range(width):
            rows_eq.append({f"c{j}": 1.0, f"d{j}": -1.0, f"n{j}": 1.0})
            rows_ub.append({f"d{j}": 1.0, "D": -1.0})
        rows_eq.append({"C": 1.0, "D": -1.0, "N": 1.0})
        rows_ub.append({"D": 1.0, **{f"d{j}": -1.0 for j in range(width)}})
        rows_ub.append({"C": 1.0, **{f"c{j}": -1.0 for j in range(width)}})

    def matrix(rows: list[dict[str, float]]) -> tuple[np.ndarray | None, np.ndarray | None]:
        if not rows:
            return None, None
        return (
            np.array([[row.get(name, 0.0) for name in names] for row in rows]),
            np.zeros(len(rows)),
        )

    def lowest(name: str) -> int:
        # Suppressed shown counts are at least 1 (zeros are published); complements are never
        # shown, so the reader knows only that they are not negative.
        return 0 if name.startswith(("c", "C")) else 1

    bounds = [
        (true[name], true[name])
        if shown.get(name) is not None
        else (min(lowest(name), true[name]), None)
        for name in names
    ]
    a_eq, b_eq = matrix(rows_eq)
    a_ub, b_ub = matrix(rows_ub)
    found = []
    for name in names:
        if shown.get(name) is not None or not 0 < true[name] < threshold:
            continue
        objective = np.array([1.0 if other == name else 0.0 for other in names])
        solve = {
            "A_eq": a_eq,
            "b_eq": b_eq,
            "A_ub": a_ub,
            "b_ub": b_ub,
            "bounds": bounds,
            "integrality": np.ones(len(names)),
            "method": "highs",
        }
        low = linprog(objective, **solve)
        high = linprog(-objective, **solve)
        assert low.status == 0, "the true figures must be feasible"
        # An unbounded integer programme is reported as "unbounded or infeasible" (4); it is
        # feasible, since the lowest value was found.
        assert high.status in (0, 3, 4)
        top = -high.fun if high.status == 0 else float("inf")
        if top - low.fun < 0.5:
            found.append((name, true[name]))
    return found


people_by_partner = st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.tuples(
        st.just(width),
        st.lists(
            st.lists(st.sampled_from([0, 0, 1, 2]), min_size=width, max_size=width),
            max_size=30,
        ),
    )
)


def _publish_figures(
    figures: Figures, *, share: bool, threshold: int, base: int
) -> disclosure.PublishedMeasure:
    if share:
        return disclosure.publish_measure(
            numerators=figures.numerators,
            numerator_total=figures.numerator_total,
            denominators=figures.denominators,
            denominator_total=figures.denominator_total,
            share=True,
            threshold=threshold,
            rounding_base=base,
        )
    return disclosure.publish_measure(
        numerators=figures.numerators,
        numerator_total=figures.numerator_total,
        threshold=threshold,
        rounding_base=base,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=people_by_partner,
    threshold=st.sampled_from([3, 5, 10]),
    base=st.sampled_from([1, 2, 5]),
    share=st.booleans(),
)
def test_no_published_measure_lets_a_small_count_or_complement_be_recovered(
    data: tuple[int, list[list[int]]], threshold: int, base: int, share: bool
) -> None:
    """Issue 7, second review: a percentage's numerator and denominator must not give away a
    small complement (d - n), whatever the rounding base; the all-partners figure counts each
    person once and must not give away a partner's small count either."""
    width, people = data
    figures = _figures(people, width)
    published = _publish_figures(figures, share=share, threshold=threshold, base=base)
    assert recoverable_measure_counts(figures, published, threshold, share=share) == []
    # Every published count is 0 or at least the threshold, rounded to the base.
    pairs = list(zip(figures.numerators, published.numerators, strict=True))
    pairs.append((figures.numerator_total, published.numerator_total))
    if share:
        assert published.denominators is not None
        pairs += zip(figures.denominators, published.denominators, strict=True)
        pairs.append((figures.denominator_total, published.denominator_total))
    for true, shown in pairs:
        if shown is None:
            assert true > 0, "zeros are published, never suppressed"
            continue
        assert true == 0 or true >= threshold
        assert shown % base == 0 and abs(shown - true) <= base / 2


def test_the_checker_catches_a_complement_worked_out_by_subtraction() -> None:
    """The old public view published 10 of 12 (each count over the threshold); with a rounding
    base under the threshold the 2 people not counted can be worked out. The checker sees it."""
    figures = Figures(numerators=[10], denominators=[12], numerator_total=10, denominator_total=12)
    naive = disclosure.PublishedMeasure(
        numerators=(10,), numerator_total=10, denominators=(12,), denominator_total=12
    )
    assert ("c0", 2) in recoverable_measure_counts(figures, naive, 5, share=True)
    published = _publish_figures(figures, share=True, threshold=5, base=1)
    assert published.numerators == (None,) and published.numerator_total is None
    assert recoverable_measure_counts(figures, published, 5, share=True) == []


def test_the_all_partners_figure_counts_each_person_once() -> None:
    """Issue 7, second review: two people helped by both partners are counted once each."""
    people = [[1, 1], [1, 1]] + [[1, 0]] * 10 + [[0, 1]] * 12
    figures = _figures(people, 2)
    assert figures.denominators == [12, 14] and figures.denominator_total == 24
    published = disclosure.publish_measure(
        numerators=figures.denominators,
        numerator_total=figures.denominator_total,
        threshold=5,
        rounding_base=1,
    )
    assert published.numerators == (12, 14)
    assert published.numerator_total == 24  # not 26, the partners' sum


# ----------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("value", "numerator", "denominator", "per", "publishable"),
    [
        ("66.7", None, None, 100, False),  # no counts: cannot be checked
        ("66.7", "2", "3", 100, False),  # small numerator and denominator
        ("50", "100", "200", 100, True),
        ("98", "98", "100", 100, False),  # 2 people not counted
        ("100", "40", "40", 100, True),  # nobody not counted: a zero
        ("1.5", None, "200", 100, False),  # 3 people, worked out from the denominator
        ("15", None, "200", 100, True),  # 30 people
        ("20", "3", None, 1000, False),  # a rate per 1,000 over 3 people
        ("20", "30", None, 1000, True),  # 30 of 1,500
        ("0", "0", "4", 100, False),  # none of 4: the 4 are a small group
    ],
)
def test_a_rate_is_published_only_when_its_counts_are_known_and_not_small(
    value: str, numerator: str | None, denominator: str | None, per: int, publishable: bool
) -> None:
    """Issue 7, second review: a percentage or rate without a numerator skipped suppression."""

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    assert (
        disclosure.rate_publishable(
            value=Decimal(value),
            numerator=number(numerator),
            denominator=number(denominator),
            per=per,
            threshold=5,
        )
        is publishable
    )
