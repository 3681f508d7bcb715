"""Reading population indicators: the list, one indicator, its values and its series (history,
the baseline forecast "if nothing changes", the target, and whether the actual figures since the
baseline are doing better than the forecast).

A custom target area's figures are worked out here, on read, from its LSOAs' figures (see
``custom_area_figures``), so they follow every import and every change to the area's LSOAs.

Indicators are published aggregate statistics about whole populations: they hold no personal
data, so any signed-in member of staff may read them and the reads are not audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
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
from ..models import (
    Area,
    DefinitionVersion,
    Indicator,
    IndicatorImport,
    IndicatorValue,
    Target,
)

PAGE_SIZE = 25
DEFAULT_HORIZON = {"monthly": 12, "quarterly": 4, "annual": 3}


@dataclass(frozen=True)
class SeriesPoint:
    """One period's value: as published and loaded, or (``summed_from`` > 0) the sum of the
    figures of that many LSOAs making up a custom target area."""

    period: date
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    summed_from: int = 0


@dataclass(frozen=True)
class MissingPeriod:
    """A period with figures for some, not all, of a custom area's LSOAs: it gets no figure."""

    period: date
    missing: int  # LSOAs without a figure (or, for a rate, without a numerator and denominator)
    lsoas: int  # LSOAs in the area


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
    missing: list[MissingPeriod] = field(default_factory=list)

    @property
    def summed(self) -> int:
        """How many periods' figures were summed from the custom area's LSOAs."""
        return sum(1 for p in self.history if p.summed_from)

    @property
    def summed_from(self) -> int:
        """How many LSOAs the latest summed figure adds up (0 when none is summed)."""
        return next((p.summed_from for p in reversed(self.history) if p.summed_from), 0)

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
    areas (districts) first. Custom target areas are listed when they have figures of their
    own or figures summed from their LSOAs (``custom_area_figures``)."""
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
    custom = list(Area.objects.filter(level=Area.Level.CUSTOM)) if summable(indicator) else []
    areas = {a.pk: a for a in Area.objects.filter(pk__in=by_area.keys())}
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
            "count": by_area[pk]["count"],
            "last_period": by_area[pk]["last_period"],
            "last_value": latest.get((pk, by_area[pk]["last_period"])),
        }
        for pk, area in areas.items()
        if area.level != Area.Level.CUSTOM or not custom
    ]
    summed = custom_area_figures(actor=actor, indicator=indicator, areas=custom)
    for area in custom:
        loaded = (
            [
                SeriesPoint(period=period, value=value)
                for period, value in IndicatorValue.objects.filter(
                    indicator=indicator, area=area
                ).values_list("period_start", "value")
            ]
            if area.pk in by_area
            else []
        )
        history, _missing = _merged(loaded, summed.get(area.pk, ([], [])))
        if history:
            rows.append(
                {
                    "area": area,
                    "count": len(history),
                    "last_period": history[-1].period,
                    "last_value": history[-1].value,
                }
            )
    rows.sort(key=lambda row: (level_order.get(row["area"].level, 9), row["area"].name))
    return rows


def indicator_imports(*, actor: Actor, indicator: Indicator) -> QuerySet[IndicatorImport]:
    return IndicatorImport.objects.filter(indicator=indicator).order_by("-created_on")


def indicator_definition_history(
    *, actor: Actor, indicator: Indicator
) -> QuerySet[DefinitionVersion]:
    """Every recorded version of the indicator's definition, newest first, with who changed it
    and why, so a reader of a chart can see that the definition changed."""
    return DefinitionVersion.objects.filter(
        kind=DefinitionVersion.Kind.INDICATOR, code=indicator.code
    ).select_related("created_by")


def target_for(*, actor: Actor, indicator: Indicator, area: Area) -> Target | None:
    return Target.objects.filter(indicator=indicator, area=area).first()


# ----------------------------------------------------------------------------- custom areas

#: A rate is its numerator over its denominator times this: a percentage, or per 1,000.
RATE_SCALE: dict[str, Decimal] = {
    Indicator.Unit.PERCENT: Decimal(100),
    Indicator.Unit.RATE: Decimal(1000),
}
FOUR_PLACES = Decimal("0.0001")


def summable(indicator: Indicator) -> bool:
    """Whether a custom area's figure can be worked out from its LSOAs' figures: counts of
    people add up; percentages and rates only through their numerators and denominators."""
    return indicator.unit == Indicator.Unit.COUNT or indicator.unit in RATE_SCALE


def custom_area_figures(
    *, actor: Actor, indicator: Indicator, areas: list[Area]
) -> dict[Any, tuple[list[SeriesPoint], list[MissingPeriod]]]:
    """Each custom area's figures summed from its LSOAs', by the area's primary key: the
    summed figures and the periods left without one.

    A period gets a figure only when every LSOA in the area has one: a count is the sum of
    the LSOAs' counts; a percentage or rate is worked out from the summed numerators and
    denominators (never an average of the LSOAs' rates), so every LSOA needs both. A period
    where some LSOAs have a figure and others have none is listed as missing. Indicators in
    pounds are not summed (an amount may be an average, which does not add up)."""
    custom = [a for a in areas if a.level == Area.Level.CUSTOM]
    if not custom or not summable(indicator):
        return {}
    members = dict(
        Area.objects.filter(pk__in=[a.pk for a in custom])
        .annotate(n=Count("lsoas", filter=Q(lsoas__level=Area.Level.LSOA)))
        .values_list("pk", "n")
    )
    rows = (
        IndicatorValue.objects.filter(
            indicator=indicator,
            area__level=Area.Level.LSOA,
            area__custom_areas__in=[a.pk for a in custom],
        )
        .values("area__custom_areas", "period_start")
        .annotate(
            held=Count("id"),
            pairs=Count("id", filter=Q(numerator__isnull=False, denominator__isnull=False)),
            total=Sum("value"),
            numerator_total=Sum("numerator"),
            denominator_total=Sum("denominator"),
        )
        .order_by("area__custom_areas", "period_start")
    )
    scale = RATE_SCALE.get(indicator.unit)
    found: dict[Any, tuple[list[SeriesPoint], list[MissingPeriod]]] = {
        a.pk: ([], []) for a in custom
    }
    for row in rows:
        area_id, period = row["area__custom_areas"], row["period_start"]
        lsoas = members.get(area_id, 0)
        points, missing = found[area_id]
        have_pairs = row["pairs"] == lsoas
        numerator = Decimal(row["numerator_total"]) if have_pairs else None
        denominator = Decimal(row["denominator_total"]) if have_pairs else None
        if scale is None:
            if row["held"] < lsoas:
                missing.append(MissingPeriod(period, lsoas - row["held"], lsoas))
                continue
            value = Decimal(row["total"]).quantize(FOUR_PLACES)
        else:
            if not have_pairs or not denominator:
                missing.append(MissingPeriod(period, lsoas - row["pairs"], lsoas))
                continue
            assert numerator is not None
            value = (numerator / denominator * scale).quantize(FOUR_PLACES)
        points.append(
            SeriesPoint(
                period=period,
                value=value,
                numerator=numerator,
                denominator=denominator,
                summed_from=lsoas,
            )
        )
    return found


def _merged(
    loaded: list[SeriesPoint], summed: tuple[list[SeriesPoint], list[MissingPeriod]]
) -> tuple[list[SeriesPoint], list[MissingPeriod]]:
    """A figure loaded for the custom area itself stands for its period; the summed figures
    fill the other periods."""
    held = {p.period for p in loaded}
    points, missing = summed
    history = sorted(
        [*loaded, *(p for p in points if p.period not in held)], key=lambda p: p.period
    )
    return history, [m for m in missing if m.period not in held]


def _history_and_missing(
    *, actor: Actor, indicator: Indicator, area: Area
) -> tuple[list[SeriesPoint], list[MissingPeriod]]:
    loaded = [
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
    if area.level != Area.Level.CUSTOM:
        return loaded, []
    summed = custom_area_figures(actor=actor, indicator=indicator, areas=[area])
    return _merged(loaded, summed.get(area.pk, ([], [])))


def indicator_history(*, actor: Actor, indicator: Indicator, area: Area) -> list[SeriesPoint]:
    """The area's figures by period. For a custom target area, the periods with no figure
    loaded for the area itself are summed from its LSOAs' figures (``custom_area_figures``)."""
    history, _missing = _history_and_missing(actor=actor, indicator=indicator, area=area)
    return history


def indicator_value_for(
    *, actor: Actor, indicator: Indicator, area: Area, period: date
) -> SeriesPoint | None:
    """The area's figure for one period (loaded, or summed for a custom area), if any."""
    for point in indicator_history(actor=actor, indicator=indicator, area=area):
        if point.period == period:
            return point
    return None


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
    history, missing = _history_and_missing(actor=actor, indicator=indicator, area=area)
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
            missing=missing,
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
        missing=missing,
    )


def next_period(*, indicator: Indicator, period: date) -> date:
    return add_periods(period, frequency=indicator.frequency, periods=1)
