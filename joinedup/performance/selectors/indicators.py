"""Reading population indicators: the list, one indicator, its values and its series (history,
the baseline forecast "if nothing changes", the target, and whether the actual figures since the
baseline are doing better than the forecast).

Indicators are published aggregate statistics about whole populations: they hold no personal
data, so any signed-in member of staff may read them and the reads are not audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, QuerySet
from django.http import Http404

from joinedup.core.actor import Actor

from ..forecasting import (
    MONTHS_PER_PERIOD,
    Forecast,
    ForecastPoint,
    add_periods,
    baseline_forecast,
    periods_between,
)
from ..models import Area, Indicator, IndicatorImport, IndicatorValue, Target

PAGE_SIZE = 25
DEFAULT_HORIZON = {"monthly": 12, "quarterly": 4, "annual": 3}


@dataclass(frozen=True)
class SeriesPoint:
    """One period's published value."""

    period: date
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class Comparison:
    """An actual value after the baseline set against the forecast for that period."""

    period: date
    actual: Decimal
    forecast: ForecastPoint
    verdict: str  # "better", "worse" or "as_forecast"

    @property
    def difference(self) -> float:
        """Actual minus forecast (negative when the actual is below the forecast)."""
        return float(self.actual) - self.forecast.value


VERDICT_TEXT = {
    "better": "better than the forecast",
    "worse": "worse than the forecast",
    "as_forecast": "in line with the forecast (inside the range expected if nothing changed)",
}


@dataclass(frozen=True)
class IndicatorSeries:
    """Everything a chart, a table or a turn-the-curve report needs about one indicator in one
    area: the history, the baseline the forecast starts from, the forecast "if nothing changes",
    the target, and each actual value since the baseline compared with the forecast."""

    indicator: Indicator
    area: Area
    history: list[SeriesPoint]
    baseline: SeriesPoint | None
    forecast: Forecast
    target: Target | None
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def before_baseline(self) -> list[SeriesPoint]:
        """History up to and including the baseline period (what the forecast is fitted to)."""
        if self.baseline is None:
            return list(self.history)
        return [p for p in self.history if p.period <= self.baseline.period]

    @property
    def since_baseline(self) -> list[SeriesPoint]:
        """Actual values after the baseline period."""
        if self.baseline is None:
            return []
        return [p for p in self.history if p.period > self.baseline.period]

    @property
    def latest(self) -> Comparison | None:
        return self.comparisons[-1] if self.comparisons else None

    @property
    def better_than_forecast(self) -> bool | None:
        """True when the latest actual since the baseline is better than the forecast (beyond
        its interval, judged by the indicator's polarity); None when there is nothing yet to
        compare."""
        latest = self.latest
        return None if latest is None else latest.verdict == "better"

    @property
    def verdict_text(self) -> str:
        latest = self.latest
        if latest is None:
            if not self.forecast.made:
                return "Not known: there is not enough history for a forecast."
            return "Not known yet: there are no figures after the baseline to compare."
        return VERDICT_TEXT[latest.verdict].capitalize() + "."

    @property
    def target_on_track(self) -> bool | None:
        """Whether the latest figure is on the straight path from the baseline to the target
        (or better), judged by polarity; None without a target or figures since the baseline."""
        if self.target is None or not self.since_baseline:
            return None
        latest = self.since_baseline[-1]
        expected = target_path_value(self.target, latest.period, self.indicator.frequency)
        if self.indicator.polarity == Indicator.Polarity.DOWN_IS_GOOD:
            return float(latest.value) <= expected
        return float(latest.value) >= expected


def target_path_value(target: Target, period: date, frequency: str) -> float:
    """Where a straight path from the baseline to the target stands at ``period``."""
    total = periods_between(target.baseline_period, target.target_period, frequency=frequency)
    done = periods_between(target.baseline_period, period, frequency=frequency)
    if total <= 0:
        return float(target.target_value)
    share = min(max(done / total, 0.0), 1.0)
    start = float(target.baseline_value)
    return start + (float(target.target_value) - start) * share


def judge(*, polarity: str, actual: Decimal, point: ForecastPoint) -> str:
    """Better, worse or as forecast: outside the interval on the good side is better."""
    value = float(actual)
    if polarity == Indicator.Polarity.DOWN_IS_GOOD:
        if value < point.lower:
            return "better"
        if value > point.upper:
            return "worse"
        return "as_forecast"
    if value > point.upper:
        return "better"
    if value < point.lower:
        return "worse"
    return "as_forecast"


# ----------------------------------------------------------------------------- lists and lookups


def indicator_list(*, actor: Actor, include_inactive: bool = False) -> QuerySet[Indicator]:
    """Indicators by name, with how many values each holds and the span of their periods."""
    rows = Indicator.objects.all()
    if not include_inactive:
        rows = rows.filter(active=True)
    return rows.annotate(
        value_count=Count("values"),
        first_period=Min("values__period_start"),
        last_period=Max("values__period_start"),
    ).order_by("name")


def indicator_page(
    *, actor: Actor, page: str | int | None, include_inactive: bool = False
) -> Page[Indicator]:
    return Paginator(
        indicator_list(actor=actor, include_inactive=include_inactive), PAGE_SIZE
    ).get_page(page)


def indicator_for_code(*, actor: Actor, code: str) -> Indicator:
    """The indicator with this code; 404 when there is none."""
    try:
        return Indicator.objects.get(code=code)
    except Indicator.DoesNotExist as exc:
        raise Http404("No such indicator.") from exc


def indicator_areas(*, actor: Actor, indicator: Indicator) -> list[dict[str, Any]]:
    """The areas that hold values for this indicator, with the latest period and value, biggest
    areas (districts) first."""
    level_order = {
        Area.Level.DISTRICT: 0,
        Area.Level.CUSTOM: 1,
        Area.Level.WARD: 2,
        Area.Level.LSOA: 3,
    }
    summary = (
        IndicatorValue.objects.filter(indicator=indicator)
        .values("area_id")
        .annotate(count=Count("id"), last_period=Max("period_start"))
    )
    by_area = {row["area_id"]: row for row in summary}
    areas = Area.objects.filter(pk__in=by_area.keys())
    latest = {
        (v.area_id, v.period_start): v.value
        for v in IndicatorValue.objects.filter(
            indicator=indicator,
            area_id__in=by_area.keys(),
            period_start__in={row["last_period"] for row in by_area.values()},
        )
    }
    rows = [
        {
            "area": area,
            "count": by_area[area.pk]["count"],
            "last_period": by_area[area.pk]["last_period"],
            "last_value": latest.get((area.pk, by_area[area.pk]["last_period"])),
        }
        for area in areas
    ]
    rows.sort(key=lambda row: (level_order.get(row["area"].level, 9), row["area"].name))
    return rows


def indicator_imports(*, actor: Actor, indicator: Indicator) -> QuerySet[IndicatorImport]:
    return IndicatorImport.objects.filter(indicator=indicator).order_by("-created_on")


def target_for(*, actor: Actor, indicator: Indicator, area: Area) -> Target | None:
    return Target.objects.filter(indicator=indicator, area=area).first()


def indicator_history(*, actor: Actor, indicator: Indicator, area: Area) -> list[SeriesPoint]:
    return [
        SeriesPoint(
            period=row.period_start,
            value=row.value,
            numerator=row.numerator,
            denominator=row.denominator,
        )
        for row in IndicatorValue.objects.filter(indicator=indicator, area=area).order_by(
            "period_start"
        )
    ]


# ----------------------------------------------------------------------------- the series


def indicator_series(
    *,
    actor: Actor,
    indicator: Indicator,
    area: Area,
    baseline_period: date | None = None,
    horizon: int | None = None,
) -> IndicatorSeries:
    """History, baseline, forecast, target and comparison for one indicator in one area.

    The baseline is, in order: ``baseline_period`` when given; the target's baseline period when
    a target is set; otherwise the latest period with a value. The forecast is fitted to the
    history up to and including the baseline and runs to the later of the target period, the
    latest actual value and the default horizon (a year of months, four quarters or three
    years). Each actual value after the baseline is judged against the forecast for its period
    by the indicator's polarity: outside the 80% interval on the good side is "better".
    """
    history = indicator_history(actor=actor, indicator=indicator, area=area)
    target = target_for(actor=actor, indicator=indicator, area=area)
    frequency = indicator.frequency
    if frequency not in MONTHS_PER_PERIOD:
        frequency = Indicator.Frequency.MONTHLY

    chosen = baseline_period or (target.baseline_period if target else None)
    baseline: SeriesPoint | None = None
    if history:
        if chosen is None:
            baseline = history[-1]
        else:
            upto = [p for p in history if p.period <= chosen]
            baseline = upto[-1] if upto else None
    if baseline is None:
        return IndicatorSeries(
            indicator=indicator,
            area=area,
            history=history,
            baseline=None,
            forecast=Forecast(
                method="No forecast can be made: there are no values up to the baseline."
            ),
            target=target,
        )

    fitted = [(p.period, p.value) for p in history if p.period <= baseline.period]
    wanted = horizon or DEFAULT_HORIZON[frequency]
    if target is not None:
        wanted = max(
            wanted, periods_between(baseline.period, target.target_period, frequency=frequency)
        )
    if history[-1].period > baseline.period:
        wanted = max(
            wanted, periods_between(baseline.period, history[-1].period, frequency=frequency)
        )
    forecast = baseline_forecast(history=fitted, frequency=frequency, horizon=max(wanted, 1))

    comparisons: list[Comparison] = []
    for point in history:
        if point.period <= baseline.period:
            continue
        expected = forecast.value_for(point.period)
        if expected is None:
            continue
        comparisons.append(
            Comparison(
                period=point.period,
                actual=point.value,
                forecast=expected,
                verdict=judge(polarity=indicator.polarity, actual=point.value, point=expected),
            )
        )
    return IndicatorSeries(
        indicator=indicator,
        area=area,
        history=history,
        baseline=baseline,
        forecast=forecast,
        target=target,
        comparisons=comparisons,
    )


def next_period(*, indicator: Indicator, period: date) -> date:
    return add_periods(period, frequency=indicator.frequency, periods=1)
