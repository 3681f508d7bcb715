"""Outcomes Based Accountability as a new performance lead would try it ("done means" of issue 7):
she signs in with two-factor, imports a Nomis claimant-count download, sets a target for the
district, writes a turn-the-curve report (the story behind the baseline, a partner, a low-cost
idea and an action plan linked to a programme), sees the chart with its table, and downloads the
one-page report card as a PDF. The report's history keeps every save."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from joinedup.accounts.roles import Role
from joinedup.cases.models import Programme
from joinedup.performance.models import (
    Area,
    Indicator,
    IndicatorValue,
    ReportAction,
    ReportRevision,
    Target,
    TurnTheCurveReport,
)

from ..factories import OrganisationFactory, UserFactory
from ..performance.test_reports_card import page_count
from .test_shared_record_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTHS = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def claimant_count_download(path: Path) -> Path:
    """A Nomis "data download" long table for Northvale and one ward: two years of the claimant
    count (and the rate, which the claimant-count indicator leaves aside)."""
    header = (
        "DATE,DATE_NAME,DATE_CODE,GEOGRAPHY,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GENDER_NAME,AGE_NAME,"
        "MEASURE_NAME,MEASURES_NAME,OBS_VALUE,OBS_STATUS,RECORD_OFFSET,RECORD_COUNT"
    )
    rows = [header]
    offset = 0
    for n, month in enumerate(MONTHS):
        name = f"{MONTH_NAMES[int(month[5:]) - 1]} {month[:4]}"
        for geography, code, count in (
            ("Northvale", "E08000099", 9800 - n * 12 + (n % 3) * 25),
            ("Central", "E05000001", 240 - n + (n % 2) * 4),
        ):
            for measure, value in (
                ("Claimant count", str(count)),
                ("Claimants as a proportion of residents aged 16-64", f"{count / 2300:.1f}"),
            ):
                rows.append(
                    f"{month},{name},{month},1,{geography},{code},Total,All categories: Age 16+,"
                    f"{measure},Value,{value},A,{offset},{len(MONTHS) * 4}"
                )
                offset += 1
    path.write_text("\n".join(rows) + "\n")
    return path


def shipped_indicators() -> None:
    """A transactional test's flush removes what data migrations ship: put the indicator
    definitions back with the migration's own function when they are missing."""
    from django.apps import apps

    if not Indicator.objects.filter(code="claimant-count").exists():
        importlib.import_module("joinedup.performance.migrations.0002_shipped_indicators").load(
            apps, None
        )


def test_a_performance_lead_turns_the_curve_from_figures_to_report_card(  # type: ignore[no-untyped-def]
    live_server, page, tmp_path, settings
) -> None:
    # ------------------------------------------------------------------ the world
    settings.MEDIA_ROOT = str(tmp_path / "private-files")
    shipped_indicators()
    council = OrganisationFactory(name="Northvale Borough Council")
    OrganisationFactory(name="Citizens Advice Northvale", organisation_type="voluntary")
    lead = UserFactory(
        organisation=council, roles=[Role.PERFORMANCE_ANALYST], full_name="Priya Shah"
    )
    district = Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)
    Area.objects.create(code="E05000001", name="Central", level=Area.Level.WARD, parent=district)
    Programme.objects.get_or_create(name="Employment and skills support")
    download = claimant_count_download(tmp_path / "nomis-claimant-count.csv")
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )

    sign_in(page, live_server, lead)

    # ------------------------------------------------------------------ 1. import the figures
    page.goto(live_server.url + "/performance/indicators/")
    page.get_by_role("link", name="Claimant count", exact=True).click()
    page.get_by_role("link", name="Import figures").first.click()
    page.get_by_label("Nomis claimant count table").check()
    page.get_by_label("Upload a CSV file").set_input_files(str(download))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check what the file will do"
    assert page.get_by_test_id("new").inner_text() == "48"
    page.get_by_role("button", name="Load the figures").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Claimant count"
    claimant_count = Indicator.objects.get(code="claimant-count")
    assert IndicatorValue.objects.filter(indicator=claimant_count).count() == 48

    # ------------------------------------------------------------------ 2. set a target
    page.get_by_role("link", name="Northvale", exact=True).click()
    page.get_by_role("link", name="Set a target").click()
    page.get_by_label("Baseline").select_option(label="June 2025")
    page.get_by_label("Target value").fill("8200")
    page.get_by_label("To be reached by").fill("March 2028")
    page.get_by_label("The target in words (optional)").fill(
        "Claimants in Northvale down to 8,200 by March 2028"
    )
    page.get_by_role("button", name="Save the target").click()
    page.get_by_text("Target saved.").wait_for()
    target = Target.objects.get(indicator=claimant_count, area=district)
    assert target.target_value == 8200

    # ------------------------------------------------------------------ 3. start a report
    page.goto(live_server.url + "/performance/reports/")
    assert page.get_by_test_id("no-reports").is_visible()
    page.get_by_role("link", name="Start a report").click()
    page.get_by_label("Indicator").select_option(label="Claimant count")
    page.get_by_label("Area").select_option(label="Northvale (E08000099)")
    page.get_by_label("Title").fill("Getting people into work and off benefits")
    page.get_by_label("Population").fill("Working-age residents of Northvale")
    page.get_by_label("Outcome").fill(
        "Employment opportunities exist that our population want and are able to take up"
    )
    page.get_by_label("What would success look like?").fill(
        "Residents are confident and motivated, with transferable skills"
    )
    page.get_by_role("button", name="Start the report").click()
    page.get_by_text("Report started.").wait_for()
    assert page.get_by_test_id("report-status").inner_text() == "Draft"
    report = TurnTheCurveReport.objects.get()

    # The chart: history, forecast, target and actual, drawn under the CSP, with its table.
    chart = page.get_by_test_id("chart")
    page.locator("#report-chart[data-vega-drawn='true']").wait_for()
    chart.get_by_text("Show the figures as a table").click()
    assert "8,200" in chart.get_by_test_id("chart-table").inner_text()

    # ------------------------------------------------------------------ 4. the story
    page.get_by_role("link", name="Add a cause").click()
    page.get_by_label("Cause").fill("Lack of financial life skills")
    page.get_by_label("Tag (optional)").fill("debt")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add a cause").click()
    page.get_by_label("Cause").fill("Ease of access to credit")
    page.get_by_role("button", name="Save").click()
    # The second matters more: move it up.
    page.get_by_test_id("causes").get_by_role("button", name="Up").click()
    assert (
        page.get_by_test_id("causes")
        .locator("li")
        .first.inner_text()
        .startswith("Ease of access to credit")
    )

    # ------------------------------------------------------------------ 5. partners and ideas
    page.get_by_role("link", name="Add a partner").click()
    page.get_by_label("JoinedUp organisation").select_option(label="Citizens Advice Northvale")
    page.get_by_label("Their role").fill("Free debt advice, and in-work benefit calculations")
    page.get_by_role("button", name="Save").click()
    assert "Citizens Advice Northvale" in page.get_by_test_id("partners").inner_text()

    assert page.get_by_test_id("no-low-cost-idea").is_visible()
    page.get_by_role("link", name="Add an idea").click()
    page.get_by_label("Idea").fill("Clear, simple messages across all the agencies")
    page.get_by_label("Could work").check()
    page.get_by_label("No cost").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("no-low-cost-idea").count() == 0
    assert page.get_by_test_id("low-cost-idea").count() == 1

    # ------------------------------------------------------------------ 6. the action plan
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action", exact=True).fill("Set up a multi-agency debt group")
    page.get_by_label("For whom").fill("Residents in debt")
    page.get_by_label("Lead organisation").select_option(label="Northvale Borough Council")
    page.get_by_label("Lead person (optional)").fill("Economic regeneration officer")
    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("In progress").check()
    page.get_by_label("JoinedUp programme (optional)").select_option(
        label="Employment and skills support"
    )
    page.get_by_role("button", name="Save").click()
    plan = page.get_by_test_id("actions").inner_text()
    assert "Set up a multi-agency debt group" in plan and "30 Sep 2027" in plan
    assert "Economic regeneration officer" in plan and "Employment and skills support" in plan
    assert ReportAction.objects.get().status == ReportAction.Status.IN_PROGRESS

    # ------------------------------------------------------------------ 7. the report card
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the report card (PDF)").click()
    pdf = Path(downloading.value.path()).read_bytes()
    assert downloading.value.suggested_filename.startswith("report-card-getting-people")
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1

    # ------------------------------------------------------------------ 8. the history
    page.get_by_role("link", name="History of changes").click()
    report.refresh_from_db()
    assert report.version == 7
    assert ReportRevision.objects.filter(report=report).count() == 7
    history = page.get_by_test_id("revisions").inner_text()
    assert "Reordered the causes" in history and "Added action" in history
    assert [p for p in problems if "Content Security Policy" in p] == []
