"""The baseline forecast "if nothing changes": continuation of a trend, widening intervals, and
what happens with short or gappy history."""

from __future__ import annotations

import itertools
import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.performance.forecasting import (
    HOLT_MINIMUM_HISTORY,
    add_periods,
    baseline_forecast,
    periods_between,
)


def monthly(values: list[float], start: date = date(2022, 1, 1)) -> list[tuple[date, Decimal]]:
    return [
        (add_periods(start, frequency="monthly", periods=i), Decimal(str(v)))
        for i, v in enumerate(values)
    ]


def test_a_straight_line_forecasts_its_own_continuation_by_holt() -> None:
    history = monthly([9500 - 25 * i for i in range(24)])
    forecast = baseline_forecast(history=history, frequency="monthly", horizon=6)
    assert "Holt" in forecast.method
    assert [p.period for p in forecast.points] == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 4, 1),
        date(2024, 5, 1),
        date(2024, 6, 1),
    ]
    for step, point in enumerate(forecast.points, start=24):
        assert point.value == pytest.approx(9500 - 25 * step, abs=0.5)
        assert point.lower <= point.value <= point.upper


def test_a_short_straight_line_forecasts_its_continuation_by_least_squares() -> None:
    history = [
        (date(2019, 1, 1), Decimal(100)),
        (date(2020, 1, 1), Decimal(110)),
        (date(2021, 1, 1), Decimal(120)),
        (date(2022, 1, 1), Decimal(130)),
    ]
    forecast = baseline_forecast(history=history, frequency="annual", horizon=3)
    assert "straight-line" in forecast.method and "short" in forecast.method
    assert [(p.period, round(p.value, 6)) for p in forecast.points] == [
        (date(2023, 1, 1), 140.0),
        (date(2024, 1, 1), 150.0),
        (date(2025, 1, 1), 160.0),
    ]


def test_history_need_not_be_sorted() -> None:
    history = monthly([10, 12, 14, 16, 18])
    shuffled = [history[3], history[0], history[4], history[1], history[2]]
    assert baseline_forecast(history=shuffled, frequency="monthly", horizon=2) == baseline_forecast(
        history=history, frequency="monthly", horizon=2
    )


@pytest.mark.parametrize("length", [6, 30])
def test_intervals_widen_with_the_horizon(length: int) -> None:
    noisy = [1000 + 5 * i + (17 * i % 7) * 6 - 18 + (3 if i % 2 else -3) for i in range(length)]
    forecast = baseline_forecast(history=monthly(noisy), frequency="monthly", horizon=12)
    widths = [p.upper - p.lower for p in forecast.points]
    assert widths[0] > 0
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(widths))
    assert widths[-1] > widths[0]


def test_fewer_than_three_points_make_no_forecast() -> None:
    forecast = baseline_forecast(history=monthly([5, 6]), frequency="monthly", horizon=4)
    assert forecast.points == []
    assert not forecast.made
    assert forecast.method.startswith("No forecast can be made")
    assert "there are 2" in forecast.method
    empty = baseline_forecast(history=[], frequency="annual", horizon=1)
    assert empty.points == [] and "there are 0" in empty.method


def test_three_points_are_enough_for_a_straight_line() -> None:
    forecast = baseline_forecast(history=monthly([30, 20, 10]), frequency="monthly", horizon=1)
    assert forecast.made
    # 30, 20, 10 heads for 0: counts are never forecast below zero.
    assert forecast.points[0].value == pytest.approx(0.0)
    assert forecast.points[0].lower == 0.0


def test_gaps_are_kept_in_the_trend_and_use_the_straight_line() -> None:
    history = monthly([100 + 2 * i for i in range(14)])
    del history[5]
    forecast = baseline_forecast(history=history, frequency="monthly", horizon=1)
    assert "gaps" in forecast.method
    assert forecast.points[0].value == pytest.approx(128.0)


def test_quarterly_periods_step_by_three_months() -> None:
    history = [
        (date(2023, 1, 1), Decimal(10)),
        (date(2023, 4, 1), Decimal(12)),
        (date(2023, 7, 1), Decimal(14)),
    ]
    forecast = baseline_forecast(history=history, frequency="quarterly", horizon=2)
    assert [p.period for p in forecast.points] == [date(2023, 10, 1), date(2024, 1, 1)]
    assert forecast.points[1].value == pytest.approx(18.0)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="frequency"):
        baseline_forecast(history=monthly([1, 2, 3]), frequency="weekly", horizon=1)
    with pytest.raises(ValueError, match="horizon"):
        baseline_forecast(history=monthly([1, 2, 3]), frequency="monthly", horizon=0)


def test_period_arithmetic() -> None:
    assert add_periods(date(2024, 11, 1), frequency="quarterly", periods=1) == date(2025, 2, 1)
    assert add_periods(date(2024, 4, 1), frequency="annual", periods=-1) == date(2023, 4, 1)
    assert periods_between(date(2024, 1, 1), date(2025, 3, 1), frequency="monthly") == 14
    assert periods_between(date(2024, 1, 1), date(2028, 1, 1), frequency="quarterly") == 16


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=0, max_value=100_000, allow_nan=False),
        min_size=3,
        max_size=HOLT_MINIMUM_HISTORY + 6,
    ),
    horizon=st.integers(min_value=1, max_value=8),
)
def test_every_forecast_is_finite_ordered_and_not_negative(
    values: list[float], horizon: int
) -> None:
    forecast = baseline_forecast(
        history=monthly([round(v, 2) for v in values]), frequency="monthly", horizon=horizon
    )
    assert len(forecast.points) == horizon
    for point in forecast.points:
        assert all(math.isfinite(x) for x in (point.value, point.lower, point.upper))
        assert 0 <= point.lower <= point.value <= point.upper
