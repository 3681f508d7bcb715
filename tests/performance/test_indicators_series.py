"""The series for one indicator in one area: baseline, forecast, target, and "doing better than
the forecast?" judged by the indicator's polarity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from joinedup.core.actor import Actor
from joinedup.performance.forecasting import add_periods
from joinedup.performance.models import Area, Indicator, IndicatorValue, Target
from joinedup.performance.selectors.indicators import indicator_series
from joinedup.performance.services.indicators import target_set

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(process="test")
START = date(2022, 1, 1)


@pytest.fixture
def district() -> Area:
    return Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)


def add_history(indicator: Indicator, area: Area, values: list[float]) -> None:
    for i, v in enumerate(values):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=area,
            period_start=add_periods(START, frequency="monthly", periods=i),
            value=Decimal(str(v)),
        )


def falling(n: int) -> list[float]:
    # About 9,500 falling by 20 a month, with a little noise.
    return [9500 - 20 * i + (7 * i % 5) * 3 for i in range(n)]


def test_without_a_target_the_baseline_is_the_latest_figure(district: Area) -> None:
    indicator = Indicator.objects.get(code="claimant-count")
    add_history(indicator, district, falling(18))
    series = indicator_series(actor=SYSTEM, indicator=indicator, area=district)
    assert series.baseline is not None and series.baseline.period == date(2023, 6, 1)
    assert len(series.forecast.points) == 12 and series.forecast.points[0].period == date(
        2023, 7, 1
    )
    assert series.comparisons == [] and series.better_than_forecast is None
    assert series.verdict_text.startswith("Not known yet")


@pytest.mark.parametrize(
    ("polarity", "shift", "verdict"),
    [
        ("down", -400, "better"),
        ("down", +400, "worse"),
        ("up", +400, "better"),
        ("up", -400, "worse"),
        ("down", 0, "as_forecast"),
    ],
)
def test_actuals_since_the_baseline_are_judged_by_polarity(
    district: Area, polarity: str, shift: int, verdict: str
) -> None:
    indicator = Indicator.objects.get(code="claimant-count")
    indicator.polarity = polarity
    indicator.save()
    history = falling(24)
    for i in range(18, 24):  # after the baseline at month 18, move off the trend by `shift`
        history[i] += shift * (i - 17) / 6
    add_history(indicator, district, history)
    target_set(
        actor=SYSTEM,
        indicator=indicator,
        area=district,
        baseline_period=date(2023, 6, 1),
        target_value=Decimal(8200),
        target_period=date(2028, 3, 1),
    )
    series = indicator_series(actor=SYSTEM, indicator=indicator, area=district)
    assert series.baseline.period == date(2023, 6, 1)
    assert [p.period for p in series.since_baseline] == [
        date(2023, 7, 1),
        date(2023, 8, 1),
        date(2023, 9, 1),
        date(2023, 10, 1),
        date(2023, 11, 1),
        date(2023, 12, 1),
    ]
    assert len(series.comparisons) == 6
    assert series.latest.verdict == verdict
    assert series.better_than_forecast is (verdict == "better")
    # The forecast runs to the target date.
    assert series.forecast.points[-1].period == date(2028, 3, 1)


def test_the_target_path(district: Area) -> None:
    indicator = Indicator.objects.get(code="claimant-count")
    add_history(indicator, district, [9500, 9400, 9300, 9000])
    target = target_set(
        actor=SYSTEM,
        indicator=indicator,
        area=district,
        baseline_period=date(2022, 1, 1),
        target_value=Decimal(8200),
        target_period=date(2022, 11, 1),
        description="Down to 8,200",
    )
    assert target.baseline_value == Decimal("9500")
    series = indicator_series(actor=SYSTEM, indicator=indicator, area=district)
    # The path from 9,500 to 8,200 over ten months stands at 9,110 in April: 9,000 is ahead.
    assert series.target_on_track is True
    target_set(
        actor=SYSTEM,
        indicator=indicator,
        area=district,
        baseline_period=date(2022, 1, 1),
        target_value=Decimal(5000),
        target_period=date(2022, 5, 1),
    )
    assert Target.objects.count() == 1
    assert (
        indicator_series(actor=SYSTEM, indicator=indicator, area=district).target_on_track is False
    )


def test_targets_need_a_held_baseline_and_a_later_date(district: Area) -> None:
    indicator = Indicator.objects.get(code="claimant-count")
    add_history(indicator, district, [9500, 9400, 9300])
    with pytest.raises(ValidationError) as caught:
        target_set(
            actor=SYSTEM,
            indicator=indicator,
            area=district,
            baseline_period=date(2021, 1, 1),
            target_value=Decimal(8200),
            target_period=date(2020, 3, 1),
        )
    assert set(caught.value.message_dict) == {"baseline_period", "target_period"}
    assert Target.objects.count() == 0


def test_short_history_says_no_forecast_can_be_made(district: Area) -> None:
    indicator = Indicator.objects.get(code="claimant-count")
    add_history(indicator, district, [9500, 9400])
    series = indicator_series(actor=SYSTEM, indicator=indicator, area=district)
    assert not series.forecast.made
    assert "not enough history" in series.verdict_text
    empty = indicator_series(
        actor=SYSTEM,
        indicator=indicator,
        area=Area.objects.create(code="E05000001", name="Central", level=Area.Level.WARD),
    )
    assert empty.history == [] and empty.baseline is None and not empty.forecast.made
