"""Charts: the Vega-Lite spec for an indicator (history, forecast with its band, target, actual
since the baseline), its SVG for PDFs, and the table alternative."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import altair as alt
import pytest

from joinedup.performance.charts import (
    ChartTable,
    chart_svg,
    format_period,
    format_value,
    indicator_chart,
    indicator_chart_table,
    indicator_page_chart,
    page_chart,
)
from joinedup.performance.forecasting import add_periods, baseline_forecast
from joinedup.performance.models import Area, Indicator, Target
from joinedup.performance.selectors.indicators import (
    Comparison,
    IndicatorSeries,
    SeriesPoint,
    judge,
)


def make_series(
    *, with_target: bool = True, months: int = 30, baseline_at: int = 23
) -> IndicatorSeries:
    indicator = Indicator(
        code="claimant-count",
        name="Claimant count",
        unit="count",
        polarity="down",
        frequency="monthly",
    )
    area = Area(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)
    history = [
        SeriesPoint(
            period=add_periods(date(2022, 1, 1), frequency="monthly", periods=i),
            value=Decimal(9500 - 20 * i + (i % 3) * 5),
        )
        for i in range(months)
    ]
    baseline = history[baseline_at]
    forecast = baseline_forecast(
        history=[(p.period, p.value) for p in history[: baseline_at + 1]],
        frequency="monthly",
        horizon=12,
    )
    comparisons = []
    for point in history[baseline_at + 1 :]:
        expected = forecast.value_for(point.period)
        assert expected is not None
        comparisons.append(
            Comparison(
                point.period,
                point.value,
                expected,
                judge(polarity="down", actual=point.value, point=expected),
            )
        )
    target = (
        Target(
            indicator=indicator,
            area=area,
            baseline_period=baseline.period,
            baseline_value=baseline.value,
            target_value=Decimal(8200),
            target_period=date(2025, 3, 1),
        )
        if with_target
        else None
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


def test_the_spec_has_history_forecast_band_target_and_actuals() -> None:
    spec = indicator_chart(series=make_series())
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert len(spec["layer"]) == 3
    band, lines, target = spec["layer"]
    assert band["mark"]["type"] == "area"
    assert band["encoding"]["y"]["field"] == "lower" and band["encoding"]["y2"]["field"] == "upper"
    assert len(band["data"]["values"]) == 13  # the baseline and twelve forecast months
    names = {row["series"] for row in lines["data"]["values"]}
    assert names == {"Actual", "Actual since baseline", "Forecast if nothing changes", "Target"}
    assert lines["encoding"]["color"]["scale"]["range"] == [
        "#0b0c0c",
        "#1d70b8",
        "#505a5f",
        "#00703c",
    ]
    assert target["data"]["values"] == [{"period": "2025-03-01", "value": 8200.0}]
    assert spec["title"] == "Claimant count: Northvale"
    assert "Target: 8,200 by March 2025" in spec["description"]
    json.dumps(spec)  # plain JSON, ready for json_script


def test_without_a_target_or_actuals_the_layers_drop_out() -> None:
    series = make_series(with_target=False, months=24, baseline_at=23)
    spec = indicator_chart(series=series)
    assert len(spec["layer"]) == 2
    names = {row["series"] for row in spec["layer"][1]["data"]["values"]}
    assert names == {"Actual", "Forecast if nothing changes"}


@pytest.mark.parametrize("with_target", [True, False])
def test_the_spec_validates_against_the_vega_lite_schema(with_target: bool) -> None:
    """Altair builds the spec without validating it on every request (issue 7: the dashboard
    spent 0.1-0.3 s an indicator on it); this checks the spec as built is valid Vega-Lite."""
    spec = indicator_chart(series=make_series(with_target=with_target))
    alt.LayerChart.validate(spec)
    broken = {**spec, "layer": [{**spec["layer"][0], "mark": {"type": "no-such-mark"}}]}
    with pytest.raises(Exception, match="no-such-mark"):
        alt.LayerChart.validate(broken)


def test_a_spec_is_built_once_for_the_same_figures(charts_built: list[int]) -> None:
    """Issue 7: each chart's spec is kept under the figures it draws, as the forecast is."""
    series = make_series()
    first = indicator_chart(series=series)
    again = indicator_chart(series=make_series())  # the same figures, read again
    assert charts_built == [1]
    assert again == first


def test_other_figures_get_a_spec_of_their_own(charts_built: list[int]) -> None:
    """A figure changed, a target moved, an area renamed: each is drawn afresh, never served
    from the cache of the figures before."""
    series = make_series()
    first = indicator_chart(series=series)
    changed = replace(
        series,
        history=[*series.history[:-1], replace(series.history[-1], value=Decimal(7777))],
    )
    target, area = copy.copy(series.target), copy.copy(series.area)
    assert target is not None
    target.target_value = Decimal(8000)
    area.name = "Southvale"
    moved = replace(series, target=target)
    renamed = replace(series, area=area)
    specs = [indicator_chart(series=s) for s in (changed, moved, renamed)]
    assert charts_built == [1, 1, 1, 1]
    values = [row["value"] for row in specs[0]["layer"][1]["data"]["values"]]
    assert 7777.0 in values and 7777.0 not in [
        row["value"] for row in first["layer"][1]["data"]["values"]
    ]
    assert specs[1]["layer"][2]["data"]["values"] == [{"period": "2025-03-01", "value": 8000.0}]
    assert specs[2]["title"] == "Claimant count: Southvale"


def test_chart_svg_draws_offline() -> None:
    svg = chart_svg(indicator_chart(series=make_series()))
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    assert "Claimant count: Northvale" in svg


def test_the_table_alternative_holds_every_figure() -> None:
    series = make_series()
    table = indicator_chart_table(series=series)
    assert table.headers[:3] == ["Period", "Actual", "Forecast if nothing changes"]
    by_period = {row[0]: row for row in table.rows}
    assert by_period["December 2023"][5] == "Baseline"
    assert by_period["December 2023"][1] == "9,050"
    assert by_period["January 2024"][2] != "" and " to " in by_period["January 2024"][3]
    assert by_period["March 2025"][4] == "8,200"
    assert by_period["June 2024"][5] in {"Better", "Worse", "As forecast"}
    # 30 months of history, the 6 forecast months after it (to December 2024), the target month.
    assert len(table.rows) == 30 + 6 + 1


def test_page_chart_ids_are_unique_unless_given() -> None:
    table = ChartTable(caption="c", headers=["a"], rows=[["1"]])
    first = page_chart(title="A", spec={}, table=table)
    second = page_chart(title="B", spec={}, table=table)
    assert first.element_id != second.element_id
    chosen = indicator_page_chart(series=make_series(), element_id="indicator-chart")
    assert chosen.element_id == "indicator-chart" and chosen.script_id == "indicator-chart-spec"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("9500"), "count", "9,500"),
        (12.46, "percent", "12.5%"),
        (3.21, "rate", "3.2 per 1,000"),
        (Decimal("1200.4"), "money", "£1,200"),
        (None, "count", ""),
    ],
)
def test_format_value(value, unit, text) -> None:  # type: ignore[no-untyped-def]
    assert format_value(value, unit) == text


def test_format_period() -> None:
    assert format_period(date(2024, 3, 1), "monthly") == "March 2024"
    assert format_period(date(2024, 4, 1), "quarterly") == "2024 Q2 (Apr to Jun)"
    assert format_period(date(2024, 4, 1), "annual") == "2024/25"
    assert format_period(date(2024, 1, 1), "annual") == "2024"
