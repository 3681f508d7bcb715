"""The baseline forecast "if nothing changes": continuation of a trend, widening intervals, and
what happens with short or gappy history; the forecast is fitted once for the same figures and
afresh when a figure changes."""

from __future__ import annotations

import itertools
import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.accounts.models import User
from joinedup.core.actor import Actor
from joinedup.performance import forecasting
from joinedup.performance.forecasting import (
    HOLT_MINIMUM_HISTORY,
    Forecast,
    add_periods,
    baseline_forecast,
    periods_between,
)
from joinedup.performance.models import Area, DashboardItem, Indicator, IndicatorValue, Target
from joinedup.performance.services.indicators import indicator_values_import

from ..conftest import client_for

DASHBOARD = reverse("performance:dashboard")


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


# ----------------------------------------------------------------------------- the forecast cache


def _row(html: str, testid: str) -> list[str]:
    row = re.search(rf'<tr[^>]*data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None, f"no row {testid}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the forecasts actually fitted (not taken from the cache)."""
    fitted: list[int] = []
    real_fit = forecasting._fit

    def counting_fit(*args: Any, **kwargs: Any) -> Forecast:
        fitted.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(forecasting, "_fit", counting_fit)
    return fitted


@pytest.fixture
def claimants_on_dashboard(db: None) -> Indicator:
    """A monthly indicator on the dashboard with twelve months of figures from January 2025
    and a target whose baseline is June 2025, so the forecast runs from June."""
    indicator = Indicator.objects.create(
        code="claimants-cached",
        name="Claimants (forecast cache)",
        definition="People claiming.",
        polarity=Indicator.Polarity.DOWN_IS_GOOD,
        frequency=Indicator.Frequency.MONTHLY,
    )
    district = Area.objects.create(code="E08000998", name="Northvale", level=Area.Level.DISTRICT)
    for n in range(12):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=district,
            period_start=date(2025, 1 + n, 1),
            value=Decimal(9500 - 20 * n - (15 if n % 2 else 0)),
        )
    Target.objects.create(
        indicator=indicator,
        area=district,
        baseline_period=date(2025, 6, 1),
        baseline_value=Decimal(9385),
        target_value=Decimal(8200),
        target_period=date(2026, 6, 1),
    )
    DashboardItem.objects.create(indicator=indicator, order=1, public=True)
    return indicator


def _expected_forecast(indicator: Indicator, period: date) -> str:
    """The forecast for ``period`` fitted afresh (no cache) from the figures held now."""
    history = list(
        IndicatorValue.objects.filter(indicator=indicator, period_start__lte=date(2025, 6, 1))
        .order_by("period_start")
        .values_list("period_start", "value")
    )
    latest = IndicatorValue.objects.filter(indicator=indicator).order_by("period_start").last()
    assert latest is not None
    horizon = max(
        12,
        periods_between(date(2025, 6, 1), date(2026, 6, 1), frequency="monthly"),
        periods_between(date(2025, 6, 1), latest.period_start, frequency="monthly"),
    )
    fresh = forecasting._fit(history, frequency="monthly", horizon=horizon)
    point = fresh.value_for(period)
    assert point is not None
    return f"{round(point.value):,}"


def _load(indicator: Indicator, rows: str, *, replace: bool = False) -> None:
    indicator_values_import(
        actor=Actor.system(process="test"),
        indicator=indicator,
        shape="tidy",
        file_name="claimants.csv",
        content=f"area_code,period,value\n{rows}".encode(),
        replace=replace,
    )


def test_the_dashboard_fits_a_forecast_once_and_not_on_every_request(
    claimants_on_dashboard: Indicator, council_worker: User, fits: list[int]
) -> None:
    client = client_for(council_worker)
    first = _row(client.get(DASHBOARD).content.decode(), "indicator-claimants-cached")
    assert fits == [1]
    again = _row(client.get(DASHBOARD).content.decode(), "indicator-claimants-cached")
    assert fits == [1], "the second request fitted the forecast again"
    assert again == first
    assert first[2] == _expected_forecast(claimants_on_dashboard, date(2025, 12, 1))


def test_a_newly_loaded_figure_is_on_the_dashboard_at_once(
    claimants_on_dashboard: Indicator, council_worker: User, fits: list[int]
) -> None:
    client = client_for(council_worker)
    before = _row(client.get(DASHBOARD).content.decode(), "indicator-claimants-cached")
    assert before[1].startswith("9,265") and before[2] != "No forecast"

    # January 2026 is loaded: the latest figure and its forecast show on the next request.
    _load(claimants_on_dashboard, "E08000998,2026-01,9100\n")
    after = _row(client.get(DASHBOARD).content.decode(), "indicator-claimants-cached")
    assert after[1].startswith("9,100")
    assert after[2] == _expected_forecast(claimants_on_dashboard, date(2026, 1, 1))

    # A figure before the baseline is corrected: the forecast is fitted again from it.
    fitted_so_far = len(fits)
    _load(claimants_on_dashboard, "E08000998,2025-03,9800\n", replace=True)
    corrected = _row(client.get(DASHBOARD).content.decode(), "indicator-claimants-cached")
    assert len(fits) == fitted_so_far + 1
    assert corrected[2] == _expected_forecast(claimants_on_dashboard, date(2026, 1, 1))
    assert corrected[2] != after[2]


def test_the_dashboard_builds_each_chart_once_for_the_same_figures(
    claimants_on_dashboard: Indicator, council_worker: User, charts_built: list[int]
) -> None:
    """Issue 7 (dashboard speed): after the forecast, Altair building each chart's spec was
    what was left to do on every request. The spec is kept under the figures it draws: the
    next request builds nothing, and a newly loaded figure is drawn at once."""
    built = charts_built
    client = client_for(council_worker)
    first = client.get(DASHBOARD).content.decode()
    assert built == [1] and 'data-testid="chart"' in first
    again = client.get(DASHBOARD).content.decode()
    assert built == [1], "the second request built the chart again"
    spec = re.search(r'<script id="dashboard-chart-1-spec"[^>]*>(.*?)</script>', again, re.S)
    assert spec is not None and '"value": 9100.0' not in spec.group(1)

    _load(claimants_on_dashboard, "E08000998,2026-01,9100\n")
    after = client.get(DASHBOARD).content.decode()
    assert built == [1, 1]
    spec = re.search(r'<script id="dashboard-chart-1-spec"[^>]*>(.*?)</script>', after, re.S)
    assert spec is not None and '"value": 9100.0' in spec.group(1)
