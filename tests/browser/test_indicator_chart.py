"""The indicator chart in a real browser: drawn by vega-embed under the strict Content Security
Policy (no eval, no inline script or style), with its table alternative, and still readable with
JavaScript turned off."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest

from joinedup.accounts.roles import Role
from joinedup.performance.forecasting import add_periods
from joinedup.performance.models import Area, Indicator, IndicatorValue, Target

from ..factories import OrganisationFactory, UserFactory
from .test_shared_record_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world() -> None:
    from django.apps import apps

    if not Indicator.objects.filter(code="claimant-count").exists():
        importlib.import_module("joinedup.performance.migrations.0002_shipped_indicators").load(
            apps, None
        )
    indicator = Indicator.objects.get(code="claimant-count")
    district = Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)
    for i in range(30):
        IndicatorValue.objects.create(
            indicator=indicator,
            area=district,
            period_start=add_periods(date(2023, 1, 1), frequency="monthly", periods=i),
            value=Decimal(9500 - 25 * i + (i % 3) * 10),
        )
    Target.objects.create(
        indicator=indicator,
        area=district,
        baseline_period=date(2024, 12, 1),
        baseline_value=Decimal(8940),
        target_value=Decimal(8200),
        target_period=date(2028, 3, 1),
    )


def test_the_chart_draws_under_the_csp_and_has_its_table(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    _world()
    key_worker = UserFactory(
        organisation=OrganisationFactory(name="Northvale Borough Council"), roles=[Role.KEY_WORKER]
    )
    url = live_server.url + "/performance/indicators/claimant-count/areas/E08000099/"

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, key_worker)
    page.goto(url)
    page.locator("#indicator-chart[data-vega-drawn='true'] canvas").wait_for()
    assert page.locator("#indicator-chart").is_visible()
    page.get_by_text("Show the figures as a table").click()
    table = page.get_by_test_id("chart-table").inner_text()
    assert "Baseline" in table and "8,200" in table
    assert errors == []
    cookies = context.cookies()
    context.close()

    # Without JavaScript: no chart area, the table and an SVG image of the chart instead.
    quiet = browser.new_context(locale="en-GB", java_script_enabled=False)
    quiet.add_cookies(cookies)
    page = quiet.new_page()
    page.goto(url)
    assert not page.locator("#indicator-chart").is_visible()
    assert page.get_by_test_id("chart-table").count() == 1
    image = page.locator("noscript img.jp-chart-image")
    assert image.count() == 1
    svg = page.request.get(live_server.url + image.get_attribute("src"))
    assert svg.ok and svg.headers["content-type"] == "image/svg+xml"
    quiet.close()
