"""Reads for the shared partnership dashboard (F16) and its anonymised public view (issue 7,
items 6 and 7).

Every figure is computed by JoinedUp from recorded data: indicator values as imported, and
performance measures counted live from case data by ``selectors.measures``. There is no way to
type in a total. Each figure carries its definition's version, with links to how it is counted
and to the change history (``DefinitionVersion``).

The staff dashboard follows the measures page's small-number rule
(``selectors.measure_disclosure``, ``docs/oba-measures.md``): the viewer's own organisation's
contribution is exact; another partner's contribution about fewer than the threshold of people
(or records) is hidden, with the reason; the partnership's figure is shown as the measures page
shows it to the same viewer, hidden when, beside the viewer's own, it would give away a small
group outside the viewer's organisation's work.

The public view applies disclosure control (``performance.disclosure``) to every count: each
measure's breakdown by partner and its all-partners figure (each person counted once) are
suppressed and rounded together, a percentage's complement (denominator minus numerator)
protected like any count; percentages are worked out from the published counts and suppressed
with them; a percentage or rate indicator is published only when its counts can be checked. Only
aggregate counts are read; no person is named.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from joinedup.accounts.models import Organisation

from .. import disclosure
from ..charts import PageChart, format_value, indicator_page_chart
from ..measures import is_money_calculation
from ..models import (
    Area,
    DashboardItem,
    DefinitionVersion,
    DisclosureControl,
    Indicator,
    IndicatorValue,
    MeasureDefinition,
)
from .indicators import IndicatorSeries, custom_area_figures, indicator_series, summable
from .measure_disclosure import hidden_contribution, shown_measures_with_contributions
from .measures import MeasureFilters, MeasureResult, _result, measures_with_contributions

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

#: Units of measure whose parts are counts of people, so they can be published suppressed.
COUNTED_UNITS = (
    MeasureDefinition.Unit.COUNT,
    MeasureDefinition.Unit.PERCENT,
    MeasureDefinition.Unit.RATIO,
)

#: Indicator units that are a share of a population: what the value is "per".
RATE_PER: dict[str, int] = {Indicator.Unit.PERCENT: 100, Indicator.Unit.RATE: 1000}


# ----------------------------------------------------------------------------- the items


def dashboard_items(*, actor: Actor, public_only: bool = False) -> list[DashboardItem]:
    """The dashboard's indicators and measures in their order."""
    items = DashboardItem.objects.select_related("indicator", "measure").order_by(
        "order", "created_on"
    )
    if public_only:
        items = items.filter(public=True)
    return list(items)


def item_choices(*, actor: Actor) -> list[tuple[str, str]]:
    """Indicators and measures not yet on the dashboard, as ``indicator:<code>`` or
    ``measure:<code>`` choices."""
    used = DashboardItem.objects.all()
    used_indicators = set(used.exclude(indicator=None).values_list("indicator_id", flat=True))
    used_measures = set(used.exclude(measure=None).values_list("measure_id", flat=True))
    choices = [
        (f"indicator:{i.code}", f"Indicator: {i.name}")
        for i in Indicator.objects.filter(active=True).order_by("name")
        if i.pk not in used_indicators
    ]
    choices += [
        (f"measure:{m.code}", f"Measure: {m.name}")
        for m in MeasureDefinition.objects.filter(active=True).order_by("question", "order")
        if m.pk not in used_measures
    ]
    return choices


# ----------------------------------------------------------------------------- indicators


#: The order in which areas are chosen for the dashboard: the widest first.
AREA_RANK: dict[str, int] = {
    Area.Level.DISTRICT: 0,
    Area.Level.WARD: 1,
    Area.Level.CUSTOM: 2,
    Area.Level.LSOA: 3,
}


def dashboard_area(*, actor: Actor, indicator: Indicator) -> Area | None:
    """The area an indicator is shown for: the area of its target when it has one, else the
    widest area (district, then ward, then custom, then LSOA) with a figure. A custom target
    area has figures when some are loaded for it or summed from its LSOAs'
    (``custom_area_figures``), which are looked for only when no district or ward has any."""
    target = indicator.targets.select_related("area").order_by("created_on").first()
    if target is not None:
        return target.area
    area_ids = set(
        IndicatorValue.objects.filter(indicator=indicator).values_list("area_id", flat=True)
    )
    areas = sorted(Area.objects.filter(pk__in=area_ids), key=lambda a: (AREA_RANK[a.level], a.name))
    if areas and AREA_RANK[areas[0].level] < AREA_RANK[Area.Level.CUSTOM]:
        return areas[0]
    if summable(indicator):
        custom = list(Area.objects.filter(level=Area.Level.CUSTOM).exclude(pk__in=area_ids))
        summed = custom_area_figures(actor=actor, indicator=indicator, areas=custom)
        areas += [area for area in custom if summed.get(area.pk, ([], []))[0]]
        areas.sort(key=lambda a: (AREA_RANK[a.level], a.name))
    return areas[0] if areas else None


@dataclass(frozen=True)
class IndicatorFigure:
    """An indicator's latest value against its forecast and target, for the dashboard."""

    item: DashboardItem
    indicator: Indicator
    area: Area | None
    series: IndicatorSeries | None
    chart: PageChart | None = None

    @property
    def latest(self) -> IndicatorValue | None:
        if self.series is None or not self.series.history:
            return None
        point = self.series.history[-1]
        return IndicatorValue(
            indicator=self.indicator,
            period_start=point.period,
            value=point.value,
            numerator=point.numerator,
            denominator=point.denominator,
        )

    @property
    def latest_display(self) -> str:
        latest = self.latest
        return "No data" if latest is None else format_value(latest.value, self.indicator.unit)

    @property
    def forecast_display(self) -> str:
        latest = self.latest
        if latest is None or self.series is None:
            return "No forecast"
        point = self.series.forecast.value_for(latest.period_start)
        if point is None:
            return "No forecast"
        if self.indicator.unit == Indicator.Unit.COUNT:
            return format_value(round(point.value), self.indicator.unit)
        return format_value(point.value, self.indicator.unit)

    @property
    def target_display(self) -> str:
        target = self.series.target if self.series is not None else None
        if target is None:
            return "No target set"
        value = format_value(target.target_value, self.indicator.unit)
        return f"{value} by {target.target_period:%B %Y}"

    @property
    def verdict(self) -> str:
        return "No data" if self.series is None else self.series.verdict_text


def _indicator_figure(
    *, actor: Actor, item: DashboardItem, with_chart: bool, number: int
) -> IndicatorFigure:
    assert item.indicator is not None
    area = dashboard_area(actor=actor, indicator=item.indicator)
    if area is None:
        return IndicatorFigure(item=item, indicator=item.indicator, area=None, series=None)
    series = indicator_series(actor=actor, indicator=item.indicator, area=area)
    chart = None
    if with_chart and series.history:
        chart = indicator_page_chart(series=series, element_id=f"dashboard-chart-{number}")
    return IndicatorFigure(
        item=item, indicator=item.indicator, area=area, series=series, chart=chart
    )


# ----------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Contribution:
    """A partner's contribution to a measure. ``hidden``: about a group of fewer than the
    threshold outside the viewer's organisation's work, so not shown; ``own``: the viewer's
    own organisation's, always exact."""

    organisation: str
    result: MeasureResult
    hidden: bool = False
    own: bool = False


@dataclass(frozen=True)
class MeasureFigure:
    """A measure for the whole partnership, and each partner's contribution. ``hidden``: the
    partnership's figure would give away a small group outside the viewer's organisation's
    work (as on the measures page), so it is not shown."""

    item: DashboardItem
    definition: MeasureDefinition
    result: MeasureResult
    contributions: list[Contribution]
    hidden: bool = False


@dataclass(frozen=True)
class Dashboard:
    date_from: date
    date_to: date
    indicators: list[IndicatorFigure] = field(default_factory=list)
    measures: list[MeasureFigure] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    #: The small-number threshold the staff figures were checked against (0: not checked).
    threshold: int = 0

    @property
    def empty(self) -> bool:
        return not self.indicators and not self.measures

    @property
    def any_hidden(self) -> bool:
        return any(
            figure.hidden or any(part.hidden for part in figure.contributions)
            for figure in self.measures
        )


def _organisation_names(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def shared_dashboard(
    *, actor: Actor, today: date | None = None, with_charts: bool = True
) -> Dashboard:
    """The staff dashboard: every item, each partner's contribution, with the measures page's
    small-number rule for the viewer (the module's docstring): the viewer's own organisation's
    figures exact, small groups outside its work hidden. Measures are counted over the last 12
    months to ``today``."""
    return _dashboard(actor=actor, today=today, with_charts=with_charts, checked=True)


def _dashboard(*, actor: Actor, today: date | None, with_charts: bool, checked: bool) -> Dashboard:
    """The dashboard's figures. ``checked``: for a member of staff, with the small-number rule
    (``shared_dashboard``); otherwise every figure exact, for the public view to apply its own
    disclosure control to (``public_dashboard``). Only the measures on the dashboard are
    counted, each by partner in one grouped query, and, for those whose partners' figures do
    not simply add up (people counted once however many partners help them), for the
    partnership in one more (``measures_with_contributions``)."""
    today = today or timezone.localdate()
    filters = MeasureFilters(date_to=today)
    date_from, date_to = filters.period(today)
    items = dashboard_items(actor=actor)
    threshold = DisclosureControl.current().threshold if checked else 0
    dashboard = Dashboard(date_from=date_from, date_to=date_to, threshold=threshold)
    codes = {item.measure.code for item in items if item.measure is not None}
    totals: dict[str, MeasureResult] = {}
    hidden_totals: set[str] = set()
    per_org: dict[uuid.UUID, dict[str, MeasureResult]] = {}
    if codes and checked:
        for measure in shown_measures_with_contributions(
            actor=actor, filters=filters, today=today, codes=codes, threshold=threshold
        ):
            code = measure.shown.code
            totals[code] = measure.shown.result
            if measure.shown.hidden:
                hidden_totals.add(code)
            for org, result in measure.by_organisation.items():
                per_org.setdefault(org, {})[code] = result
    elif codes:
        for counted in measures_with_contributions(
            actor=actor, filters=filters, today=today, codes=codes
        ):
            totals[counted.code] = counted.total
            for org, result in counted.by_organisation.items():
                per_org.setdefault(org, {})[counted.code] = result
    names = _organisation_names(list(per_org))
    order = sorted(per_org, key=lambda org: names.get(org, ""))
    dashboard.organisations.extend(names.get(org, "") for org in order)

    def contribution(org: uuid.UUID, result: MeasureResult) -> Contribution:
        own = checked and org == actor.organisation_id
        hidden = checked and not own and hidden_contribution(result=result, threshold=threshold)
        return Contribution(organisation=names.get(org, ""), result=result, hidden=hidden, own=own)

    for number, item in enumerate(items, start=1):
        if item.indicator is not None:
            dashboard.indicators.append(
                _indicator_figure(actor=actor, item=item, with_chart=with_charts, number=number)
            )
        elif item.measure is not None and item.measure.code in totals:
            code = item.measure.code
            dashboard.measures.append(
                MeasureFigure(
                    item=item,
                    definition=item.measure,
                    result=totals[code],
                    contributions=[
                        # A partner with nothing counted for this measure has a zero.
                        contribution(org, per_org[org].get(code) or _result(item.measure, None))
                        for org in order
                    ],
                    hidden=code in hidden_totals,
                )
            )
    return dashboard


# ----------------------------------------------------------------------------- the public view


@dataclass(frozen=True)
class PublicIndicator:
    name: str
    code: str
    version: int
    area: str
    period: str
    value: str
    forecast: str
    target: str
    verdict: str


@dataclass(frozen=True)
class PublicRow:
    """One published row: a label, the figure for every partner, and the all-partners figure,
    each as text ("[c]" when suppressed)."""

    label: str
    measure: MeasureDefinition
    kind: str  # "count", "numerator", "denominator", "percent", "ratio" or "withheld"
    cells: list[str]
    total: str


@dataclass(frozen=True)
class PublicDashboard:
    date_from: date
    date_to: date
    threshold: int
    rounding_base: int
    control_version: int
    indicators: list[PublicIndicator]
    organisations: list[str]
    rows: list[PublicRow]

    @property
    def empty(self) -> bool:
        return not self.indicators and not self.rows

    def csv_rows(self) -> list[list[object]]:
        """The published tables as CSV rows: the measures table then the indicators."""
        rows: list[list[object]] = [
            [
                f"JoinedUp partnership dashboard, {self.date_from:%d %B %Y} to "
                f"{self.date_to:%d %B %Y}. Counts under {self.threshold} and counts that would "
                f"reveal them are shown as {disclosure.SUPPRESSED_MARK}; other counts are rounded "
                f"to the nearest {self.rounding_base}. All partners counts each person once, so "
                "the partners' figures can add up to more than it."
            ],
            ["Measure", "Figure", *self.organisations, "All partners"],
        ]
        for row in self.rows:
            rows.append([row.measure.name, row.label, *row.cells, row.total])
        rows.append([])
        rows.append(
            ["Indicator", "Area", "Period", "Latest value", "Forecast", "Target", "Compared"]
        )
        for ind in self.indicators:
            rows.append(
                [ind.name, ind.area, ind.period, ind.value, ind.forecast, ind.target, ind.verdict]
            )
        return rows


def _count(value: Decimal | None) -> int:
    return int((value or Decimal(0)).quantize(Decimal(1), ROUND_HALF_UP))


def _ratio_text(numerator: int | None, denominator: int | None) -> str:
    if numerator is None or denominator is None:
        return disclosure.SUPPRESSED_MARK
    if denominator == 0:
        return "No data"
    ratio = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{ratio}"


def _percent_text(numerator: int | None, denominator: int | None) -> str:
    if numerator is not None and denominator == 0:
        return "No data"
    percent = disclosure.published_percentage(numerator, denominator)
    return disclosure.SUPPRESSED_MARK if percent is None else f"{percent}%"


def _public_indicator(
    *, actor: Actor, item: DashboardItem, control: DisclosureControl
) -> PublicIndicator:
    figure = _indicator_figure(actor=actor, item=item, with_chart=False, number=0)
    indicator = figure.indicator
    latest = figure.latest
    value = "No data"
    period = ""
    if latest is not None:
        period = f"{latest.period_start:%B %Y}"
        if indicator.unit == Indicator.Unit.COUNT:
            published = disclosure.publish_count(
                _count(latest.value),
                threshold=control.threshold,
                rounding_base=control.rounding_base,
            )
            value = disclosure.shown(published)
        elif indicator.unit in RATE_PER:
            # A percentage or rate is checked through its counts, given or worked out from the
            # value; one whose counts are not known cannot be checked and is not published.
            publishable = disclosure.rate_publishable(
                value=latest.value,
                numerator=latest.numerator,
                denominator=latest.denominator,
                per=RATE_PER[indicator.unit],
                threshold=control.threshold,
            )
            value = (
                format_value(latest.value, indicator.unit)
                if publishable
                else disclosure.SUPPRESSED_MARK
            )
        elif any(
            count is not None and 0 < count < control.threshold
            for count in (latest.numerator, latest.denominator)
        ):
            value = disclosure.SUPPRESSED_MARK
        else:
            value = format_value(latest.value, indicator.unit)
    hidden = value == disclosure.SUPPRESSED_MARK
    # A suppressed value keeps its forecast, target and verdict back too: "better than a
    # forecast of 3" would bound the hidden count.
    return PublicIndicator(
        name=indicator.name,
        code=indicator.code,
        version=indicator.version,
        area=figure.area.name if figure.area else "",
        period=period,
        value=value,
        forecast=disclosure.SUPPRESSED_MARK if hidden else figure.forecast_display,
        target=disclosure.SUPPRESSED_MARK if hidden else figure.target_display,
        verdict="" if hidden else figure.verdict,
    )


def _public_measure_rows(
    *, figure: MeasureFigure, organisations: list[str], control: DisclosureControl
) -> list[PublicRow]:
    """One measure's published rows: each partner's figure and the all-partners figure (each
    person counted once, as the measure's own calculation counts them), through
    ``disclosure.publish_measure``. A percentage or ratio is worked out from its published
    numerator and denominator and is suppressed when either is."""
    by_org = {c.organisation: c.result for c in figure.contributions}
    unit = figure.definition.unit
    numerators = [_count(by_org[o].numerator) if o in by_org else 0 for o in organisations]
    if unit == MeasureDefinition.Unit.COUNT:
        published = disclosure.publish_measure(
            numerators=numerators,
            numerator_total=_count(figure.result.numerator),
            threshold=control.threshold,
            rounding_base=control.rounding_base,
        )
        return [
            PublicRow(
                label="Number",
                measure=figure.definition,
                kind="count",
                cells=[disclosure.shown(v) for v in published.numerators],
                total=disclosure.shown(published.numerator_total),
            )
        ]
    denominators = [_count(by_org[o].denominator) if o in by_org else 0 for o in organisations]
    published = disclosure.publish_measure(
        numerators=numerators,
        numerator_total=_count(figure.result.numerator),
        denominators=denominators,
        denominator_total=_count(figure.result.denominator),
        share=unit == MeasureDefinition.Unit.PERCENT,
        threshold=control.threshold,
        rounding_base=control.rounding_base,
    )
    assert published.denominators is not None
    as_text, kind, label = _percent_text, "percent", "Percentage"
    if unit == MeasureDefinition.Unit.RATIO:
        as_text, kind, label = _ratio_text, "ratio", "Ratio"
    return [
        PublicRow(
            label=label,
            measure=figure.definition,
            kind=kind,
            cells=[
                as_text(n, d)
                for n, d in zip(published.numerators, published.denominators, strict=True)
            ],
            total=as_text(published.numerator_total, published.denominator_total),
        ),
        PublicRow(
            label="Counted (numerator)",
            measure=figure.definition,
            kind="numerator",
            cells=[disclosure.shown(v) for v in published.numerators],
            total=disclosure.shown(published.numerator_total),
        ),
        PublicRow(
            label="Out of (denominator)",
            measure=figure.definition,
            kind="denominator",
            cells=[disclosure.shown(v) for v in published.denominators],
            total=disclosure.shown(published.denominator_total),
        ),
    ]


def public_dashboard(*, actor: Actor, today: date | None = None) -> PublicDashboard:
    """The anonymised dashboard: public items only, every count suppressed and rounded.

    Each measure is broken down by partner, with an all-partners figure that counts each person
    once (so the partners' figures can add up to more than it), all suppressed together by
    ``disclosure.publish_measure``: a partner's figure cannot be worked out from the others and
    the all-partners figure, and for a percentage neither can the people not counted
    (denominator minus numerator). Money figures are withheld: without the number of people
    behind them, one person's debt or income could show.
    """
    control = DisclosureControl.current()
    staff = _dashboard(actor=actor, today=today, with_charts=False, checked=False)
    public_ids = {item.pk for item in dashboard_items(actor=actor, public_only=True)}
    organisations = staff.organisations
    rows: list[PublicRow] = []
    withheld: list[MeasureFigure] = []
    for figure in staff.measures:
        if figure.item.pk not in public_ids:
            continue
        unit = figure.definition.unit
        if unit not in COUNTED_UNITS or is_money_calculation(figure.definition.calculation):
            withheld.append(figure)
        elif organisations:
            rows += _public_measure_rows(
                figure=figure, organisations=organisations, control=control
            )
    for figure in withheld:
        rows.append(
            PublicRow(
                label="Not published (money)",
                measure=figure.definition,
                kind="withheld",
                cells=["Not published" for _ in organisations],
                total="Not published",
            )
        )
    indicators = [
        _public_indicator(actor=actor, item=figure.item, control=control)
        for figure in staff.indicators
        if figure.item.pk in public_ids
    ]
    return PublicDashboard(
        date_from=staff.date_from,
        date_to=staff.date_to,
        threshold=control.threshold,
        rounding_base=control.rounding_base,
        control_version=control.version,
        indicators=indicators,
        organisations=organisations,
        rows=rows,
    )


def public_dashboard_state(*, actor: Actor) -> str:
    """A fingerprint of what the public dashboard depends on besides the case data (the
    items, the measure and indicator definitions, the indicator figures loaded, the areas and
    the LSOAs each custom target area is made of, the disclosure rules and the day), so a
    cached copy is dropped when any of them changes: a measure switched off, an indicator
    figure withdrawn or a custom area's LSOAs changed (its figures are summed from them on
    read) leaves the public view at once."""
    control = DisclosureControl.current()
    items = DashboardItem.objects.aggregate(n=Count("pk"), changed=Max("modified_on"))
    measures = MeasureDefinition.objects.aggregate(changed=Max("modified_on"))
    indicators = Indicator.objects.aggregate(changed=Max("modified_on"))
    figures = IndicatorValue.objects.aggregate(n=Count("pk"), changed=Max("modified_on"))
    areas = Area.objects.aggregate(n=Count("pk"), changed=Max("modified_on"))
    # Every (custom area, LSOA) pair: a few hundred rows, and any change to them shows.
    members = hashlib.sha256(
        repr(
            list(
                Area.lsoas.through.objects.order_by("from_area_id", "to_area_id").values_list(
                    "from_area_id", "to_area_id"
                )
            )
        ).encode()
    ).hexdigest()
    parts = (
        control.version,
        control.threshold,
        control.rounding_base,
        items["n"],
        items["changed"],
        measures["changed"],
        indicators["changed"],
        figures["n"],
        figures["changed"],
        areas["n"],
        areas["changed"],
        members,
        timezone.localdate(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# ----------------------------------------------------------------------------- definitions


def disclosure_control(*, actor: Actor) -> DisclosureControl:
    return DisclosureControl.current()


def disclosure_history(*, actor: Actor) -> QuerySet[DefinitionVersion]:
    return DefinitionVersion.objects.filter(
        kind=DefinitionVersion.Kind.DISCLOSURE, code="disclosure"
    ).select_related("created_by")


@dataclass(frozen=True)
class DefinitionHistory:
    name: str
    kind: str
    code: str
    current: int
    versions: list[DefinitionVersion]


def dashboard_definition_history(*, actor: Actor) -> list[DefinitionHistory]:
    """For every item on the dashboard (and the disclosure control): its name, kind, current
    version and every version kept, newest first."""
    wanted: list[tuple[str, str, str, int]] = []
    for item in dashboard_items(actor=actor):
        if item.indicator is not None:
            indicator = item.indicator
            wanted.append(
                (
                    indicator.name,
                    DefinitionVersion.Kind.INDICATOR,
                    indicator.code,
                    indicator.version,
                )
            )
        elif item.measure is not None:
            measure = item.measure
            wanted.append(
                (measure.name, DefinitionVersion.Kind.MEASURE, measure.code, measure.version)
            )
    control = DisclosureControl.current()
    wanted.append(
        ("Disclosure control", DefinitionVersion.Kind.DISCLOSURE, "disclosure", control.version)
    )
    versions: dict[tuple[str, str], list[DefinitionVersion]] = {}
    codes = {code for _, _, code, _ in wanted}
    for version in DefinitionVersion.objects.filter(code__in=codes).select_related("created_by"):
        versions.setdefault((version.kind, version.code), []).append(version)
    return [
        DefinitionHistory(
            name=name,
            kind=kind,
            code=code,
            current=current,
            versions=versions.get((kind, code), []),
        )
        for name, kind, code, current in wanted
    ]
