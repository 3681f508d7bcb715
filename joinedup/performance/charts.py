"""Charts for Outcomes Based Accountability, as Vega-Lite specs built with Altair.

The same spec is drawn on screen by vega-embed (``static/performance/charts.js``, with Vega's
CSP-safe expression interpreter) and turned into SVG by vl-convert for PDFs
(``chart_svg``). Every chart on a page goes with a table alternative: pages build a
``PageChart`` (``page_chart``) and include ``performance/_chart.html``.

    {% include "performance/_chart.html" with chart=chart %}

Building a spec with Altair takes a good part of a tenth of a second (more on a busy machine),
so an indicator's spec is kept in the cache, as its forecast is (``forecasting``), under the
exact figures drawn: every point of every series, the band, the target, the titles and the
summary, with the chart's version and Altair's. The same figures give the same spec without
building it again; a figure loaded, replaced or withdrawn, a new forecast, target or name gives
another key, so nothing drawn before a change is served after it. Altair builds the spec
without validating it against the Vega-Lite schema on every request: the spec's shape is fixed
by this module and only its data changes, and a test validates it
(``tests/performance/test_charts.py``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache as once
from importlib import metadata
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

if TYPE_CHECKING:
    from .selectors.indicators import IndicatorSeries

# GOV.UK Design System colours: black for the history, blue for actual values since the
# baseline, dark grey for the forecast, green for the target.
ACTUAL = "Actual"
SINCE_BASELINE = "Actual since baseline"
FORECAST = "Forecast if nothing changes"
TARGET = "Target"
SERIES_COLOURS = {
    ACTUAL: "#0b0c0c",
    SINCE_BASELINE: "#1d70b8",
    FORECAST: "#505a5f",
    TARGET: "#00703c",
}
SERIES_DASH = {ACTUAL: [1, 0], SINCE_BASELINE: [1, 0], FORECAST: [6, 4], TARGET: [2, 3]}
BAND_COLOUR = "#b1b4b6"
FONT = "Arial, Helvetica, sans-serif"

_ids = itertools.count(1)

#: Part of every cached spec's key: raise it when the charts' look changes in this module, so
#: specs drawn the old way are not served again.
CHART_VERSION = 1
#: How long an unused spec stays in the cache (a key never goes stale, see above).
CHART_CACHE_SECONDS = 7 * 24 * 60 * 60


@dataclass(frozen=True)
class ChartTable:
    """The table alternative for a chart: a caption, column headers and rows of text."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class PageChart:
    """What ``performance/_chart.html`` needs: the spec, a title, a one-sentence summary read
    before the chart, and the table alternative."""

    title: str
    spec: dict[str, Any]
    table: ChartTable
    summary: str = ""
    element_id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def script_id(self) -> str:
        return f"{self.element_id}-spec"


def page_chart(
    *, title: str, spec: dict[str, Any], table: ChartTable, summary: str = "", element_id: str = ""
) -> PageChart:
    """A chart for a page. ``element_id`` must be unique on the page (one is made if not given)."""
    if element_id:
        return PageChart(
            title=title, spec=spec, table=table, summary=summary, element_id=element_id
        )
    return PageChart(title=title, spec=spec, table=table, summary=summary)


def format_value(value: Decimal | float | None, unit: str) -> str:
    """A value as people read it: 9,500; 12.5%; 3.2 per 1,000; £1,200."""
    if value is None:
        return ""
    number = float(value)
    if unit == "percent":
        return f"{number:,.1f}%"
    if unit == "rate":
        return f"{number:,.1f} per 1,000"
    if unit == "money":
        return f"£{number:,.0f}"
    if abs(number - round(number)) < 0.05:
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def format_period(period: date, frequency: str) -> str:
    """A period as people read it: March 2024; 2024 Q1 (Jan to Mar); 2024."""
    if frequency == "quarterly":
        quarter = (period.month - 1) // 3 + 1
        return f"{period.year} Q{quarter} ({period:%b} to {_month_after(period, 2):%b})"
    if frequency == "annual":
        if period.month == 4:
            return f"{period.year}/{(period.year + 1) % 100:02d}"
        return f"{period.year}"
    return f"{period:%B %Y}"


def _month_after(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _axis_title(unit: str) -> str:
    return {
        "percent": "Percentage",
        "rate": "Rate per 1,000",
        "money": "Pounds",
    }.get(unit, "Number of people")


def indicator_chart(*, series: IndicatorSeries) -> dict[str, Any]:
    """A Vega-Lite spec for one indicator in one area: the history (black), the actual values
    since the baseline (blue), the forecast "if nothing changes" (dashed grey) with its 80%
    interval (grey band), and the target (green diamond, with the straight path to it).

    Kept in the cache under the figures drawn (the module's docstring): built by Altair only
    the first time these figures are drawn."""
    drawn = _chart_data(series)
    key = _chart_key(drawn)
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    spec = _chart_spec(drawn)
    cache.set(key, spec, CHART_CACHE_SECONDS)
    return spec


@once
def _altair_version() -> str:
    try:
        return metadata.version("altair")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return ""


def _chart_key(drawn: dict[str, Any]) -> str:
    """The identity of a chart: its version, Altair's, and everything drawn (plain JSON)."""
    text = json.dumps(
        [CHART_VERSION, _altair_version(), drawn], sort_keys=True, separators=(",", ":")
    )
    return "performance:chart:" + hashlib.sha256(text.encode()).hexdigest()


def _chart_data(series: IndicatorSeries) -> dict[str, Any]:
    """Everything an indicator's chart draws, as plain JSON: the rows of each series, the
    forecast band, the target, the titles and the summary."""
    indicator = series.indicator
    rows: list[dict[str, Any]] = []
    baseline = series.baseline
    for point in series.history:
        after = baseline is not None and point.period > baseline.period
        rows.append(
            {
                "period": point.period.isoformat(),
                "series": SINCE_BASELINE if after else ACTUAL,
                "value": float(point.value),
            }
        )
        if baseline is not None and point.period == baseline.period and series.since_baseline:
            # Join the two lines at the baseline.
            rows.append(
                {
                    "period": point.period.isoformat(),
                    "series": SINCE_BASELINE,
                    "value": float(point.value),
                }
            )
    band: list[dict[str, Any]] = []
    if baseline is not None and series.forecast.made:
        start = {
            "period": baseline.period.isoformat(),
            "value": float(baseline.value),
            "lower": float(baseline.value),
            "upper": float(baseline.value),
        }
        band.append(start)
        rows.append({"period": start["period"], "series": FORECAST, "value": start["value"]})
        for fp in series.forecast.points:
            rows.append({"period": fp.period.isoformat(), "series": FORECAST, "value": fp.value})
            band.append(
                {
                    "period": fp.period.isoformat(),
                    "value": fp.value,
                    "lower": fp.lower,
                    "upper": fp.upper,
                }
            )
    target_rows: list[dict[str, Any]] = []
    target = series.target
    if target is not None:
        rows.append(
            {
                "period": target.baseline_period.isoformat(),
                "series": TARGET,
                "value": float(target.baseline_value),
            }
        )
        rows.append(
            {
                "period": target.target_period.isoformat(),
                "series": TARGET,
                "value": float(target.target_value),
            }
        )
        target_rows.append(
            {"period": target.target_period.isoformat(), "value": float(target.target_value)}
        )

    return {
        "rows": rows,
        "band": band,
        "target": target_rows,
        "title": f"{indicator.name}: {series.area.name}",
        "y_title": _axis_title(indicator.unit),
        "description": indicator_chart_summary(series=series),
    }


def _chart_spec(drawn: dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec for ``_chart_data``, built by Altair (not validated: see the module's
    docstring)."""
    import altair as alt

    rows, band, target_rows = drawn["rows"], drawn["band"], drawn["target"]
    present = [name for name in SERIES_COLOURS if any(r["series"] == name for r in rows)]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=present, range=[SERIES_COLOURS[n] for n in present]),
        legend=alt.Legend(orient="bottom", direction="vertical"),
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=present, range=[SERIES_DASH[n] for n in present]),
        legend=None,
    )
    x = alt.X(
        "period:T",
        title="Period",
        axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap="greedy", labelSeparation=12),
    )
    y_title = drawn["y_title"]
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("period:T", title="Period", format="%B %Y"),
        alt.Tooltip("value:Q", title=y_title, format=",.1f"),
    ]
    layers: list[Any] = []
    if band:
        layers.append(
            alt.Chart(alt.Data(values=band))
            .mark_area(opacity=0.3, color=BAND_COLOUR)
            .encode(
                x=x,
                y=alt.Y("lower:Q", title=y_title),
                y2="upper:Q",
                tooltip=[
                    alt.Tooltip("period:T", title="Period", format="%B %Y"),
                    alt.Tooltip("lower:Q", title="80% range from", format=",.1f"),
                    alt.Tooltip("upper:Q", title="to", format=",.1f"),
                ],
            )
        )
    layers.append(
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=colour,
            strokeDash=dash,
            detail="series:N",
            tooltip=tooltip,
        )
    )
    if target_rows:
        layers.append(
            alt.Chart(alt.Data(values=target_rows))
            .mark_point(shape="diamond", size=160, filled=True, color=SERIES_COLOURS[TARGET])
            .encode(
                x=x,
                y=alt.Y("value:Q", title=y_title),
                tooltip=[
                    alt.Tooltip("period:T", title="Target by", format="%B %Y"),
                    alt.Tooltip("value:Q", title="Target", format=",.1f"),
                ],
            )
        )
    chart = (
        alt.layer(*layers)
        .properties(
            title=drawn["title"],
            width="container",
            height=320,
            description=drawn["description"],
        )
        .configure(font=FONT)
        .configure_axis(labelFontSize=14, titleFontSize=14)
        .configure_legend(labelFontSize=14, labelLimit=400)
        .configure_title(fontSize=16, anchor="start")
    )
    spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec


def indicator_chart_summary(*, series: IndicatorSeries) -> str:
    """One or two sentences saying what the chart shows, for the page and for screen readers."""
    from .selectors.indicators import VERDICT_TEXT

    indicator = series.indicator
    unit = indicator.unit
    frequency = indicator.frequency
    if not series.history:
        return f"There are no figures yet for {indicator.name} in {series.area.name}."
    parts: list[str] = []
    last = series.history[-1]
    parts.append(
        f"Latest figure: {format_value(last.value, unit)} in "
        f"{format_period(last.period, frequency)}."
    )
    if series.baseline is not None:
        parts.append(
            f"Baseline: {format_value(series.baseline.value, unit)} in "
            f"{format_period(series.baseline.period, frequency)}."
        )
    latest = series.latest
    if latest is not None:
        parts.append(
            f"The latest figure is {VERDICT_TEXT[latest.verdict]}: "
            f"the forecast was {format_value(latest.forecast.value, unit)} (80% range "
            f"{format_value(latest.forecast.lower, unit)} to "
            f"{format_value(latest.forecast.upper, unit)})."
        )
    if series.target is not None:
        parts.append(
            f"Target: {format_value(series.target.target_value, unit)} by "
            f"{format_period(series.target.target_period, frequency)}."
        )
    return " ".join(parts)


def indicator_chart_table(*, series: IndicatorSeries) -> ChartTable:
    """The table alternative: every period with its actual value, the forecast and its range,
    and the target, so nothing in the chart is only in the chart."""
    indicator = series.indicator
    unit = indicator.unit
    frequency = indicator.frequency
    periods: dict[date, dict[str, str]] = {}
    for point in series.history:
        periods.setdefault(point.period, {})["actual"] = format_value(point.value, unit)
    for fp in series.forecast.points:
        row = periods.setdefault(fp.period, {})
        row["forecast"] = format_value(fp.value, unit)
        row["range"] = f"{format_value(fp.lower, unit)} to {format_value(fp.upper, unit)}"
    verdicts = {c.period: c.verdict for c in series.comparisons}
    if series.target is not None:
        periods.setdefault(series.target.target_period, {})["target"] = format_value(
            series.target.target_value, unit
        )
    labels = {"better": "Better", "worse": "Worse", "as_forecast": "As forecast"}
    rows = []
    for period in sorted(periods):
        row = periods[period]
        note = ""
        if series.baseline is not None and period == series.baseline.period:
            note = "Baseline"
        elif period in verdicts:
            note = labels[verdicts[period]]
        rows.append(
            [
                format_period(period, frequency),
                row.get("actual", ""),
                row.get("forecast", ""),
                row.get("range", ""),
                row.get("target", ""),
                note,
            ]
        )
    return ChartTable(
        caption=f"{indicator.name} in {series.area.name}, by period",
        headers=[
            "Period",
            "Actual",
            "Forecast if nothing changes",
            "80% range",
            "Target",
            "Compared with the forecast",
        ],
        rows=rows,
    )


def indicator_page_chart(*, series: IndicatorSeries, element_id: str = "") -> PageChart:
    """The chart, its summary and its table, ready for ``performance/_chart.html``."""
    return page_chart(
        title=f"{series.indicator.name}: {series.area.name}",
        spec=indicator_chart(series=series),
        table=indicator_chart_table(series=series),
        summary=indicator_chart_summary(series=series),
        element_id=element_id,
    )


def chart_svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document, drawn offline by vl-convert (for PDFs). A spec that asks
    for the container's width is given a fixed width, as there is no container on paper."""
    import vl_convert as vlc

    printable = dict(spec)
    if printable.get("width") == "container":
        printable["width"] = 640
    svg: str = vlc.vegalite_to_svg(printable)
    return svg
