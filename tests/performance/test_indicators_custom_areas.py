"""A custom target area's figures, summed on read from its LSOAs' figures: counts add up, rates
come from the summed numerators and denominators (never an average of rates), and a period
where any LSOA has no figure gets none and the page says so. The summed figures have a
forecast and a target like any other area's."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.performance.forecasting import add_periods
from joinedup.performance.models import Area, DashboardItem, Indicator, IndicatorValue
from joinedup.performance.selectors.indicators import (
    MissingPeriod,
    indicator_areas,
    indicator_series,
)
from joinedup.performance.services.areas import custom_area_update
from joinedup.performance.services.indicators import target_set
from tests.conftest import actor_for, client_for
from tests.factories import UserFactory
from tests.helpers import log_in_verified

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(process="test")
PUBLIC = reverse("performance:public_dashboard")
START = date(2023, 1, 1)
MONTHS = [add_periods(START, frequency="monthly", periods=i) for i in range(12)]


@pytest.fixture
def places() -> dict[str, Area]:
    district = Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)
    ward = Area.objects.create(
        code="E05000001", name="Central", level=Area.Level.WARD, parent=district
    )
    lsoas = {
        f"l{n}": Area.objects.create(
            code=f"E0100000{n}", name=f"Northvale 00{n}", level=Area.Level.LSOA, parent=ward
        )
        for n in (1, 2, 3)
    }
    worst = Area.objects.create(
        code="NV-WORST", name="Worst performing neighbourhoods", level=Area.Level.CUSTOM
    )
    worst.lsoas.set([lsoas["l1"], lsoas["l2"]])
    # A second custom area sharing an LSOA: each area's sum is its own.
    east = Area.objects.create(code="NV-EAST", name="East", level=Area.Level.CUSTOM)
    east.lsoas.set([lsoas["l2"], lsoas["l3"]])
    return {"district": district, "worst": worst, "east": east, **lsoas}


def put(
    indicator: Indicator,
    area: Area,
    period: date,
    value: int | str,
    numerator: int | None = None,
    denominator: int | None = None,
) -> None:
    IndicatorValue.objects.create(
        indicator=indicator,
        area=area,
        period_start=period,
        value=Decimal(value),
        numerator=numerator,
        denominator=denominator,
    )


@pytest.fixture
def counts(places: dict[str, Area]) -> Indicator:
    """Claimant counts for the three LSOAs over twelve months; LSOA 2 has none for May."""
    indicator = Indicator.objects.get(code="claimant-count")
    for i, month in enumerate(MONTHS):
        put(indicator, places["l1"], month, 100 - i)
        if month != date(2023, 5, 1):
            put(indicator, places["l2"], month, 50 - i)
        put(indicator, places["l3"], month, 10)
    return indicator


def test_a_custom_area_count_is_the_sum_of_its_lsoas(places, counts) -> None:  # type: ignore[no-untyped-def]
    series = indicator_series(actor=SYSTEM, indicator=counts, area=places["worst"])
    got = {p.period: p.value for p in series.history}
    assert date(2023, 5, 1) not in got
    assert got[date(2023, 1, 1)] == Decimal(150) and got[date(2023, 12, 1)] == Decimal(128)
    assert len(got) == 11 and all(p.summed_from == 2 for p in series.history)
    assert series.missing == [MissingPeriod(date(2023, 5, 1), missing=1, lsoas=2)]
    # Like any other area: a forecast from the history (with a gap, a straight line).
    assert series.forecast.made and series.forecast.points
    east = indicator_series(actor=SYSTEM, indicator=counts, area=places["east"])
    assert {p.period: p.value for p in east.history}[date(2023, 1, 1)] == Decimal(60)
    assert [m.period for m in east.missing] == [date(2023, 5, 1)]


def test_a_custom_area_rate_comes_from_summed_numerators_and_denominators(places) -> None:  # type: ignore[no-untyped-def]
    rate = Indicator.objects.get(code="claimant-count-rate")
    assert rate.unit == Indicator.Unit.PERCENT
    for month in MONTHS[:4]:
        put(rate, places["l1"], month, "10", numerator=10, denominator=100)
        put(rate, places["l2"], month, "3", numerator=30, denominator=1000)
    # April: one LSOA has its rate but not the numerator and denominator behind it.
    IndicatorValue.objects.filter(area=places["l2"], period_start=MONTHS[3]).update(
        numerator=None, denominator=None
    )
    series = indicator_series(actor=SYSTEM, indicator=rate, area=places["worst"])
    first = series.history[0]
    # 40 of 1,100 is 3.6364%; the average of the two rates (6.5%) would be wrong.
    assert first.value == Decimal("3.6364")
    assert (first.numerator, first.denominator) == (Decimal(40), Decimal(1100))
    assert [p.period for p in series.history] == MONTHS[:3]
    assert series.missing == [MissingPeriod(MONTHS[3], missing=1, lsoas=2)]


def test_a_figure_loaded_for_the_custom_area_itself_stands(places, counts) -> None:  # type: ignore[no-untyped-def]
    put(counts, places["worst"], date(2023, 1, 1), 149)  # published for the area as a whole
    put(counts, places["worst"], date(2023, 5, 1), 140)
    series = indicator_series(actor=SYSTEM, indicator=counts, area=places["worst"])
    by_period = {p.period: p for p in series.history}
    assert by_period[date(2023, 1, 1)].value == Decimal(149)
    assert by_period[date(2023, 1, 1)].summed_from == 0
    assert by_period[date(2023, 5, 1)].value == Decimal(140)
    assert by_period[date(2023, 2, 1)].summed_from == 2 and len(series.history) == 12
    assert series.missing == []


def test_money_is_not_summed(places) -> None:  # type: ignore[no-untyped-def]
    money = Indicator.objects.create(
        code="median-pay",
        name="Median weekly pay",
        definition="Median gross weekly pay.",
        unit=Indicator.Unit.MONEY,
        polarity=Indicator.Polarity.UP_IS_GOOD,
        frequency=Indicator.Frequency.ANNUAL,
    )
    put(money, places["l1"], date(2023, 1, 1), 500)
    put(money, places["l2"], date(2023, 1, 1), 600)
    series = indicator_series(actor=SYSTEM, indicator=money, area=places["worst"])
    assert series.history == [] and series.missing == []


def test_a_target_can_start_from_a_summed_figure(places, counts) -> None:  # type: ignore[no-untyped-def]
    target = target_set(
        actor=SYSTEM,
        indicator=counts,
        area=places["worst"],
        baseline_period=date(2023, 6, 1),
        target_value=Decimal(100),
        target_period=date(2025, 3, 1),
    )
    assert target.baseline_value == Decimal(140)  # 95 + 45
    series = indicator_series(actor=SYSTEM, indicator=counts, area=places["worst"])
    assert series.baseline is not None and series.baseline.period == date(2023, 6, 1)
    assert [c.period for c in series.comparisons][:1] == [date(2023, 7, 1)]


def test_the_custom_area_is_listed_and_charted_with_its_gaps_explained(
    places, counts, organisation
) -> None:  # type: ignore[no-untyped-def]
    rows = {r["area"].code: r for r in indicator_areas(actor=SYSTEM, indicator=counts)}
    assert rows["NV-WORST"]["count"] == 11 and rows["NV-WORST"]["last_value"] == Decimal(128)
    assert rows["NV-EAST"]["last_value"] == Decimal(49)

    client = Client()
    log_in_verified(client, UserFactory(organisation=organisation, roles=[Role.KEY_WORKER]))
    detail = client.get(reverse("performance:indicator_detail", args=[counts.code]))
    assert reverse("performance:indicator_area", args=[counts.code, "NV-WORST"]) in (
        detail.content.decode()
    )
    page = client.get(reverse("performance:indicator_area", args=[counts.code, "NV-WORST"]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-vega-spec="indicator-chart-spec"' in body and "Forecast if nothing changes" in body
    assert 'data-testid="summed"' in body and "2 neighbourhoods (LSOAs)" in body
    assert 'data-testid="missing-periods"' in body
    assert "No figure for May 2023 (1 of 2 neighbourhoods without a figure)" in body
    svg = client.get(reverse("performance:indicator_area_svg", args=[counts.code, "NV-WORST"]))
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<svg")


def test_a_custom_area_with_no_complete_period_says_why(places, organisation) -> None:  # type: ignore[no-untyped-def]
    indicator = Indicator.objects.get(code="claimant-count")
    put(indicator, places["l1"], date(2023, 1, 1), 100)
    client = Client()
    log_in_verified(client, UserFactory(organisation=organisation, roles=[Role.KEY_WORKER]))
    body = client.get(
        reverse("performance:indicator_area", args=[indicator.code, "NV-WORST"])
    ).content.decode()
    assert 'data-testid="empty-state"' in body
    assert "No figure for Jan 2023 (1 of 2 neighbourhoods without a figure)" in body


# ----------------------------------------------------------------------------- on the dashboard


def _indicator_row(html: str, name: str) -> list[str]:
    """The cells of an indicator's row on the staff or the public dashboard."""
    row = re.search(rf"<tr[^>]*>\s*<th[^>]*>(?:<a[^>]*>)?{re.escape(name)}.*?</tr>", html, re.S)
    assert row is not None, f"no row for {name}"
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    ]


def test_the_dashboard_shows_an_indicator_for_a_custom_area_whose_figures_are_all_summed(
    places, counts, organisation
) -> None:  # type: ignore[no-untyped-def]
    """Issue 7: the dashboard chose an indicator's area from the figures loaded only, so with
    figures loaded for LSOAs alone it showed one LSOA, not the custom area summed from them
    (the wider area, chosen before any LSOA). East (LSOAs 2 and 3) comes first by name."""
    DashboardItem.objects.create(indicator=counts, order=1, public=True)
    client = client_for(UserFactory(organisation=organisation, roles=[Role.KEY_WORKER]))
    row = _indicator_row(client.get(reverse("performance:dashboard")).content.decode(), counts.name)
    assert row[0] == "East"
    assert row[1] == "49 December 2023"  # 39 in LSOA 2 and 10 in LSOA 3
    public = _indicator_row(Client().get(PUBLIC).content.decode(), counts.name)
    assert public[:3] == ["East", "December 2023", "50"]  # rounded to the nearest 5


def test_a_custom_areas_new_lsoas_reach_the_cached_public_dashboard_at_once(
    places, counts, organisation
) -> None:  # type: ignore[no-untyped-def]
    """Issue 7: the public dashboard is kept for five minutes under a fingerprint of what it
    depends on, which left out the LSOAs a custom area is made of, so after an analyst changed
    them the cached page went on showing the old sum. East becomes LSOAs 1 and 2: 89 + 39."""
    DashboardItem.objects.create(indicator=counts, order=1, public=True)
    assert _indicator_row(Client().get(PUBLIC).content.decode(), counts.name)[2] == "50"
    analyst = UserFactory(organisation=organisation, roles=[Role.PERFORMANCE_ANALYST])
    custom_area_update(
        actor=actor_for(analyst),
        area=places["east"],
        name="East",
        lsoa_codes=[places["l1"].code, places["l2"].code],
    )
    row = _indicator_row(Client().get(PUBLIC).content.decode(), counts.name)
    assert row[:3] == ["East", "December 2023", "130"]  # 128, rounded
