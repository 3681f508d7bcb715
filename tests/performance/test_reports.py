"""Turn-the-curve reports (issue 7, item 4): the services with the real database (a revision for
every save, stale versions refused, the snapshot), and the pages through the test client (who may
edit, 404s, form errors, the stale form that shows the other person's edit)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.cases.models import Programme
from joinedup.performance.models import (
    Area,
    Indicator,
    ReportAction,
    ReportRevision,
    StoryCause,
    TurnTheCurveReport,
    WhatWorksIdea,
)
from joinedup.performance.selectors import reports as selectors
from joinedup.performance.services import reports as services

from ..conftest import actor_for, client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator() -> Indicator:
    return Indicator.objects.create(
        code="report-test-out-of-work-benefits",
        name="Working-age people on out-of-work benefits",
        definition="Residents aged 16 to 64 claiming an out-of-work benefit.",
        polarity=Indicator.Polarity.DOWN_IS_GOOD,
        frequency=Indicator.Frequency.MONTHLY,
    )


@pytest.fixture
def area() -> Area:
    return Area.objects.create(code="E08999001", name="Northvale", level=Area.Level.DISTRICT)


@pytest.fixture
def analyst(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=council, roles=[Role.PERFORMANCE_ANALYST], full_name="Priya Shah"
    )


@pytest.fixture
def report(analyst: User, indicator: Indicator, area: Area) -> TurnTheCurveReport:
    return services.create_report(
        actor=actor_for(analyst),
        indicator=indicator,
        area=area,
        title="Fewer residents on out-of-work benefits",
        population="Working-age residents of the worst performing neighbourhoods",
        outcome="Employment opportunities exist that our population want and can take up",
        what_success_looks_like="Confident, competent, motivated residents",
    )


def add_cause(user: User, report: TurnTheCurveReport, text: str, tag: str = "") -> Any:
    report.refresh_from_db()
    return services.save_report_item(
        actor=actor_for(user),
        report=report,
        expected_version=report.version,
        section="causes",
        values={"text": text, "tag": tag},
    )


# ============================================================================= services


def test_starting_a_report_keeps_version_one_with_a_snapshot(report, indicator) -> None:  # type: ignore[no-untyped-def]
    assert report.version == 1 and report.status == TurnTheCurveReport.Status.DRAFT
    revision = ReportRevision.objects.get(report=report)
    assert revision.version == 1 and revision.summary == "Started the report"
    assert revision.snapshot["title"] == "Fewer residents on out-of-work benefits"
    assert revision.snapshot["indicator"]["name"] == indicator.name
    assert revision.snapshot["causes"] == [] and revision.snapshot["actions"] == []


def test_only_performance_analysts_start_reports(cab_adviser, indicator, area) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        services.create_report(
            actor=actor_for(cab_adviser),
            indicator=indicator,
            area=area,
            title="A report",
            population="Everyone",
            outcome="Better",
        )
    assert not TurnTheCurveReport.objects.exists() and not ReportRevision.objects.exists()


def test_every_save_writes_a_revision_with_the_whole_report(report, analyst, council) -> None:  # type: ignore[no-untyped-def]
    add_cause(analyst, report, "Lack of financial life skills", "debt")
    add_cause(analyst, report, "Ease of access to credit", "debt")
    report.refresh_from_db()
    services.save_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=3,
        section="actions",
        values={
            "action": "Establish a multi-agency debt group",
            "for_whom": "Residents in debt",
            "lead_organisation": council,
            "lead_name": "Economic regeneration officer",
            "due_on": date(2027, 9, 30),
            "status": ReportAction.Status.NOT_STARTED,
            "programme": None,
        },
    )
    report.refresh_from_db()
    assert report.version == 4
    versions = list(
        ReportRevision.objects.filter(report=report)
        .order_by("version")
        .values_list("version", "summary")
    )
    assert versions == [
        (1, "Started the report"),
        (2, "Added cause “Lack of financial life skills”"),
        (3, "Added cause “Ease of access to credit”"),
        (4, "Added action “Establish a multi-agency debt group”"),
    ]
    snapshot = ReportRevision.objects.get(report=report, version=4).snapshot
    assert [c["text"] for c in snapshot["causes"]] == [
        "Lack of financial life skills",
        "Ease of access to credit",
    ]
    assert [c["rank"] for c in snapshot["causes"]] == [1, 2]
    action = snapshot["actions"][0]
    assert action["lead_organisation"] == council.name and action["due_on"] == "2027-09-30"
    assert action["lead_name"] == "Economic regeneration officer"
    # The snapshot is the report as it stands (read back from the database).
    assert snapshot == selectors.report_snapshot(report)


def test_a_stale_version_is_refused_and_nothing_is_written(report, analyst) -> None:  # type: ignore[no-untyped-def]
    add_cause(analyst, report, "Peer pressure")  # version 2
    with pytest.raises(services.StaleReportError) as raised:
        services.save_report_item(
            actor=actor_for(analyst),
            report=report,
            expected_version=1,
            section="causes",
            values={"text": "Materialism", "tag": ""},
        )
    assert "Someone else changed this report" in raised.value.messages[0]
    report.refresh_from_db()
    assert report.version == 2
    assert list(StoryCause.objects.filter(report=report).values_list("text", flat=True)) == [
        "Peer pressure"
    ]
    assert ReportRevision.objects.filter(report=report).count() == 2


def test_bad_input_writes_nothing(report, analyst, council) -> None:  # type: ignore[no-untyped-def]
    services.save_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=1,
        section="partners",
        values={"organisation": council, "name": "", "role": "Leads the debt group"},
    )
    for values, field in (
        ({"organisation": council, "name": "", "role": "Again"}, "organisation"),
        ({"organisation": council, "name": "Credit union", "role": "Both"}, "name"),
        ({"organisation": None, "name": "", "role": "Nobody"}, "organisation"),
        ({"organisation": None, "name": "Credit union", "role": ""}, "role"),
    ):
        with pytest.raises(ValidationError) as raised:
            services.save_report_item(
                actor=actor_for(analyst),
                report=report,
                expected_version=2,
                section="partners",
                values=values,
            )
        assert field in raised.value.message_dict
    report.refresh_from_db()
    assert report.version == 2 and report.partners.count() == 1
    assert ReportRevision.objects.filter(report=report).count() == 2


def test_only_listed_fields_can_be_set(report, analyst) -> None:  # type: ignore[no-untyped-def]
    """SEC-17: a service call cannot set anything the form does not offer."""
    with pytest.raises(ValueError, match="report"):
        services.save_report_item(
            actor=actor_for(analyst),
            report=report,
            expected_version=1,
            section="causes",
            values={"text": "Injected", "report": None},
        )
    assert not StoryCause.objects.exists()


def test_partners_staff_may_edit_and_others_may_not(  # type: ignore[no-untyped-def]
    report, analyst, cab, cab_adviser, jcp_coach
) -> None:
    """The rule: performance analysts, and staff of an organisation listed as a partner."""
    with pytest.raises(PermissionDenied):
        add_cause(cab_adviser, report, "Not yet a partner")
    services.save_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=1,
        section="partners",
        values={"organisation": cab, "name": "", "role": "Free debt advice"},
    )
    add_cause(cab_adviser, report, "Lack of awareness of debt advice")
    with pytest.raises(PermissionDenied):
        add_cause(jcp_coach, report, "Jobcentre is not a partner")
    assert list(StoryCause.objects.values_list("text", flat=True)) == [
        "Lack of awareness of debt advice"
    ]
    latest = ReportRevision.objects.get(report=report, version=3)
    assert latest.created_by == cab_adviser


def test_causes_are_ranked_and_reordered(report, analyst) -> None:  # type: ignore[no-untyped-def]
    for text in ("First", "Second", "Third"):
        add_cause(analyst, report, text)
    third = StoryCause.objects.get(text="Third")
    report.refresh_from_db()
    services.move_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=report.version,
        section="causes",
        item_id=third.pk,
        direction="up",
    )
    assert list(StoryCause.objects.order_by("rank").values_list("text", "rank")) == [
        ("First", 1),
        ("Third", 2),
        ("Second", 3),
    ]
    revision = ReportRevision.objects.filter(report=report).order_by("-version").first()
    assert revision is not None and revision.summary == "Reordered the causes"
    # Moving the first up changes nothing, and writes nothing.
    report.refresh_from_db()
    before = report.version
    services.move_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=before,
        section="causes",
        item_id=StoryCause.objects.get(text="First").pk,
        direction="up",
    )
    report.refresh_from_db()
    assert report.version == before
    # Removing keeps the ranks 1, 2.
    services.remove_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=before,
        section="causes",
        item_id=StoryCause.objects.get(text="First").pk,
    )
    assert list(StoryCause.objects.order_by("rank").values_list("text", "rank")) == [
        ("Third", 1),
        ("Second", 2),
    ]


def test_what_changed_between_versions(report, analyst, council) -> None:  # type: ignore[no-untyped-def]
    actor = actor_for(analyst)
    services.save_report_item(
        actor=actor,
        report=report,
        expected_version=1,
        section="actions",
        values={
            "action": "Map free debt advice",
            "for_whom": "All partners",
            "lead_organisation": council,
            "lead_name": "",
            "due_on": date(2027, 3, 31),
            "status": ReportAction.Status.NOT_STARTED,
            "programme": None,
        },
    )
    action = ReportAction.objects.get()
    services.save_report_item(
        actor=actor,
        report=report,
        expected_version=2,
        section="actions",
        item_id=action.pk,
        values={
            "action": "Map free debt advice",
            "for_whom": "All partners",
            "lead_organisation": council,
            "lead_name": "",
            "due_on": date(2027, 3, 31),
            "status": ReportAction.Status.DONE,
            "programme": None,
        },
    )
    report.refresh_from_db()
    services.change_report(
        actor=actor,
        report=report,
        expected_version=3,
        title=report.title,
        population=report.population,
        outcome=report.outcome,
        what_success_looks_like=report.what_success_looks_like,
        status=TurnTheCurveReport.Status.AGREED,
    )
    three = selectors.report_revision(actor=actor, report=report, version=3)
    assert [(c.text, c.before, c.after) for c in three.changes] == [
        ("Changed the status of action “Map free debt advice”", "Not started", "Done")
    ]
    report.refresh_from_db()
    four = selectors.report_revision(actor=actor, report=report, version=4)
    assert [(c.text, c.before, c.after) for c in four.changes] == [
        ("Changed the status", "Draft", "Agreed")
    ]
    since = selectors.changes_since(actor=actor, report=report, version=2)
    assert [c.text for c in since] == [
        "Changed the status",
        "Changed the status of action “Map free debt advice”",
    ]


def test_a_save_that_changes_nothing_writes_nothing(report, analyst) -> None:  # type: ignore[no-untyped-def]
    services.change_report(
        actor=actor_for(analyst),
        report=report,
        expected_version=1,
        title=report.title,
        population=report.population,
        outcome=report.outcome,
        what_success_looks_like=report.what_success_looks_like,
        status=report.status,
    )
    report.refresh_from_db()
    assert report.version == 1 and ReportRevision.objects.filter(report=report).count() == 1


# ============================================================================= pages


def report_url(report: TurnTheCurveReport, name: str = "performance:report", **kwargs: Any) -> str:
    return reverse(name, kwargs={"report_id": report.pk, **kwargs})


def test_the_list_has_an_empty_state_then_the_reports(analyst, council_worker) -> None:  # type: ignore[no-untyped-def]
    page = client_for(council_worker).get(reverse("performance:reports"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="no-reports"' in html and "Start a report" not in html
    page = client_for(analyst).get(reverse("performance:reports"))
    assert "Start a report" in page.content.decode()


def test_an_analyst_starts_a_report_and_others_cannot(  # type: ignore[no-untyped-def]
    analyst, council_worker, indicator, area
) -> None:
    url = reverse("performance:report_start")
    assert client_for(council_worker).get(url).status_code == 403
    client = client_for(analyst)
    page = client.get(url + f"?indicator={indicator.code}&area={area.code}")
    assert page.status_code == 200
    assert f'value="{indicator.pk}" selected' in page.content.decode()
    errors = client.post(url, {"indicator": str(indicator.pk), "area": str(area.pk)})
    assert errors.status_code == 200
    html = errors.content.decode()
    assert "There is a problem" in html and "Enter a title" in html and "Enter the outcome" in html
    assert not TurnTheCurveReport.objects.exists()
    done = client.post(
        url,
        {
            "indicator": str(indicator.pk),
            "area": str(area.pk),
            "title": "Fewer people on benefits",
            "population": "Working-age residents",
            "outcome": "Good jobs people can take",
            "what_success_looks_like": "",
        },
    )
    report = TurnTheCurveReport.objects.get()
    assert done.status_code == 302 and done["Location"] == report_url(report)
    assert report.created_by == analyst


def test_everyone_reads_only_editors_see_the_edit_links(report, council_worker, analyst) -> None:  # type: ignore[no-untyped-def]
    reader = client_for(council_worker).get(report_url(report))
    assert reader.status_code == 200
    html = reader.content.decode()
    assert report.title in html and "Add a cause" not in html and "You can read this report" in html
    editor = client_for(analyst).get(report_url(report)).content.decode()
    assert "Add a cause" in editor and "Download the report card (PDF)" in editor


def test_unknown_ids_are_404(report, analyst) -> None:  # type: ignore[no-untyped-def]
    client = client_for(analyst)
    missing = "6f1c8f39-2d0e-4d7b-9a57-8d0a4f9b7e11"
    assert client.get(f"/performance/reports/{missing}/").status_code == 404
    assert client.get(f"/performance/reports/{missing}/report-card.pdf").status_code == 404
    assert (
        client.get(report_url(report, "performance:report_revision", version=9)).status_code == 404
    )
    assert (
        client.get(report_url(report, "performance:report_item_add", section="nope")).status_code
        == 404
    )
    assert (
        client.get(
            report_url(report, "performance:report_item_change", section="causes", item_id=missing)
        ).status_code
        == 404
    )


def test_who_may_edit_through_the_pages(report, analyst, cab, cab_adviser, jcp_coach) -> None:  # type: ignore[no-untyped-def]
    add = report_url(report, "performance:report_item_add", section="causes")
    posted = {"version": "1", "text": "Exploitative credit industry", "tag": "debt"}
    assert client_for(cab_adviser).post(add, posted).status_code == 403
    assert not StoryCause.objects.exists()
    services.save_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=1,
        section="partners",
        values={"organisation": cab, "name": "", "role": "Free debt advice"},
    )
    posted["version"] = "2"
    saved = client_for(cab_adviser).post(add, posted)
    assert saved.status_code == 302 and saved["Location"].endswith("#causes")
    assert StoryCause.objects.get().text == "Exploitative credit industry"
    posted["version"] = "3"
    assert client_for(jcp_coach).post(add, posted).status_code == 403
    assert StoryCause.objects.count() == 1


def test_form_errors_are_shown_and_nothing_is_saved(report, analyst) -> None:  # type: ignore[no-untyped-def]
    client = client_for(analyst)
    cause = client.post(
        report_url(report, "performance:report_item_add", section="causes"), {"version": "1"}
    )
    assert cause.status_code == 200 and "Enter the cause" in cause.content.decode()
    action = client.post(
        report_url(report, "performance:report_item_add", section="actions"),
        {
            "version": "1",
            "action": "Hold a meeting",
            "for_whom": "All",
            "due_on_0": "31",
            "due_on_1": "2",
            "due_on_2": "2027",
            "status": "not_started",
        },
    )
    html = action.content.decode()
    assert action.status_code == 200
    assert "By when must be a real date" in html
    assert "Select the organisation that leads it" in html
    report.refresh_from_db()
    assert report.version == 1 and not ReportAction.objects.exists()


def test_a_stale_form_shows_the_other_edit_and_keeps_what_was_typed(  # type: ignore[no-untyped-def]
    report, analyst, council
) -> None:
    """REL-01: two partners edit from the same page; the second gets a clear conflict, sees
    the first one's edit, keeps what they typed, and can then save."""
    other = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST], full_name="Ola Ade")
    url = report_url(report, "performance:report_item_add", section="causes")
    first = client_for(other).post(url, {"version": "1", "text": "Peer pressure", "tag": ""})
    assert first.status_code == 302
    second = client_for(analyst).post(
        url, {"version": "1", "text": "Reluctance to open bank accounts", "tag": "banking"}
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Someone else changed this report" in html
    assert "Ola Ade saved version 2" in html and "Added cause “Peer pressure”" in html
    assert "Reluctance to open bank accounts</textarea>" in html
    assert 'name="version" value="2"' in html
    assert StoryCause.objects.count() == 1
    again = client_for(analyst).post(
        url, {"version": "2", "text": "Reluctance to open bank accounts", "tag": "banking"}
    )
    assert again.status_code == 302
    assert list(StoryCause.objects.order_by("rank").values_list("text", flat=True)) == [
        "Peer pressure",
        "Reluctance to open bank accounts",
    ]


def test_changing_an_item_and_removing_it(report, analyst) -> None:  # type: ignore[no-untyped-def]
    client = client_for(analyst)
    add_cause(analyst, report, "Materialsm", "culture")
    cause = StoryCause.objects.get()
    change = report_url(
        report, "performance:report_item_change", section="causes", item_id=cause.pk
    )
    page = client.get(change)
    assert page.status_code == 200 and "Materialsm</textarea>" in page.content.decode()
    saved = client.post(change, {"version": "2", "text": "Materialism", "tag": "culture"})
    assert saved.status_code == 302
    cause.refresh_from_db()
    assert cause.text == "Materialism"
    remove = report_url(
        report, "performance:report_item_remove", section="causes", item_id=cause.pk
    )
    assert "Remove this cause?" in client.get(remove).content.decode()
    stale = client.post(remove, {"version": "2"})
    assert stale.status_code == 409 and StoryCause.objects.exists()
    assert client.post(remove, {"version": "3"}).status_code == 302
    assert not StoryCause.objects.exists()
    history = client.get(report_url(report, "performance:report_history")).content.decode()
    assert "Removed cause “Materialism”" in history and "Version 4" in history
    revision = client.get(report_url(report, "performance:report_revision", version=3))
    html = revision.content.decode()
    assert revision.status_code == 200
    assert "<del>Materialsm</del>" in html and "<ins>Materialism</ins>" in html
    # Any two versions compare: from the start to the removal, the cause never existed.
    compared = client.get(
        report_url(report, "performance:report_revision", version=4) + "?from=1"
    ).content.decode()
    assert "What changed from version 1" in compared and "No changes" not in compared
    assert "Nothing changed." in compared
    assert (
        "What changed from version 3"
        in client.get(
            report_url(report, "performance:report_revision", version=4) + "?from=oops"
        ).content.decode()
    )


def test_moving_a_cause_from_the_report_page(report, analyst) -> None:  # type: ignore[no-untyped-def]
    add_cause(analyst, report, "One")
    add_cause(analyst, report, "Two")
    two = StoryCause.objects.get(text="Two")
    client = client_for(analyst)
    page = client.get(report_url(report)).content.decode()
    assert 'name="direction" value="up"' in page
    move = report_url(report, "performance:report_item_move", section="causes", item_id=two.pk)
    assert client.get(move).status_code == 405
    moved = client.post(move, {"version": "3", "direction": "up"})
    assert moved.status_code == 302
    assert list(StoryCause.objects.order_by("rank").values_list("text", flat=True)) == [
        "Two",
        "One",
    ]
    stale = client.post(move, {"version": "3", "direction": "down"}, follow=True)
    assert "Someone else changed this report" in stale.content.decode()
    assert list(StoryCause.objects.order_by("rank").values_list("text", flat=True)) == [
        "Two",
        "One",
    ]


def test_the_page_flags_a_plan_without_a_low_cost_idea(report, analyst) -> None:  # type: ignore[no-untyped-def]
    client = client_for(analyst)
    url = report_url(report, "performance:report_item_add", section="ideas")
    client.post(
        url,
        {"version": "1", "text": "A one-stop shop", "evidence": "could", "cost": "higher"},
    )
    html = client.get(report_url(report)).content.decode()
    assert 'data-testid="no-low-cost-idea"' in html and 'data-testid="low-cost-idea"' not in html
    client.post(
        url,
        {
            "version": "2",
            "text": "Clear, simple messages across agencies",
            "evidence": "evidence",
            "cost": "none",
            "source": "Wigan OBA workshop",
        },
    )
    html = client.get(report_url(report)).content.decode()
    assert 'data-testid="no-low-cost-idea"' not in html
    assert html.count('data-testid="low-cost-idea"') == 1
    assert WhatWorksIdea.objects.count() == 2
    version = client.get(report_url(report, "performance:report_revision", version=3))
    assert "Clear, simple messages across agencies (Evidence-based; no cost)" in (
        version.content.decode()
    )


def test_an_action_links_to_a_programme(report, analyst, council, shipped_defaults) -> None:  # type: ignore[no-untyped-def]
    programme = Programme.objects.filter(active=True).first()
    assert programme is not None
    client = client_for(analyst)
    saved = client.post(
        report_url(report, "performance:report_item_add", section="actions"),
        {
            "version": "1",
            "action": "In-work benefit calculations",
            "for_whom": "People starting work",
            "lead_organisation": str(council.pk),
            "lead_name": "Welfare rights team",
            "due_on_0": "30",
            "due_on_1": "9",
            "due_on_2": "2027",
            "status": "in_progress",
            "programme": str(programme.pk),
        },
    )
    assert saved.status_code == 302
    html = client.get(report_url(report)).content.decode()
    assert f"Programme: {programme.name}" in html and "30 Sep 2027" in html
    assert "Welfare rights team" in html


def test_changing_the_report_itself(report, analyst) -> None:  # type: ignore[no-untyped-def]
    client = client_for(analyst)
    url = report_url(report, "performance:report_change")
    page = client.get(url)
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()
    errors = client.post(url, {"version": "1", "title": "", "population": "x", "outcome": "y"})
    assert errors.status_code == 200 and "Enter a title" in errors.content.decode()
    saved = client.post(
        url,
        {
            "version": "1",
            "title": "Turning the curve on debt",
            "population": report.population,
            "outcome": report.outcome,
            "what_success_looks_like": "",
            "status": "agreed",
        },
    )
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.title == "Turning the curve on debt" and report.status == "agreed"


@pytest.mark.django_db(transaction=True)
def test_two_partners_saving_at_the_same_moment_lose_nothing(  # type: ignore[no-untyped-def]
    analyst, indicator, area, council
) -> None:
    """REL-01: two saves from the same version at once: exactly one lands, the other is told."""
    import contextlib
    import threading

    from django.db import connection

    report = services.create_report(
        actor=actor_for(analyst),
        indicator=indicator,
        area=area,
        title="Debt",
        population="Residents",
        outcome="Less debt",
    )
    other = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
    results: list[str] = []
    barrier = threading.Barrier(2)
    # On PostgreSQL the two saves truly race (the row lock queues the second). The test's
    # in-memory SQLite (shared cache) refuses a second writer outright instead of queueing it as
    # the file database's IMMEDIATE transactions do, so there the two saves take turns, in
    # whichever order the threads reach them.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def save(user: User, text: str) -> None:
        try:
            barrier.wait()
            with turns:
                services.save_report_item(
                    actor=actor_for(user),
                    report=report,
                    expected_version=1,
                    section="causes",
                    values={"text": text, "tag": ""},
                )
            results.append(text)
        except services.StaleReportError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(analyst, "Peer pressure")),
        threading.Thread(target=save, args=(other, "Materialism")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("refused") == 1
    winner = next(r for r in results if r != "refused")
    report.refresh_from_db()
    assert report.version == 2
    assert list(StoryCause.objects.values_list("text", flat=True)) == [winner]
    assert list(ReportRevision.objects.order_by("version").values_list("version", flat=True)) == [
        1,
        2,
    ]


def test_changing_an_item_someone_else_removed_keeps_what_was_typed(report, analyst) -> None:  # type: ignore[no-untyped-def]
    add_cause(analyst, report, "Peer pressure")
    cause = StoryCause.objects.get()
    url = report_url(report, "performance:report_item_change", section="causes", item_id=cause.pk)
    services.remove_report_item(
        actor=actor_for(analyst),
        report=report,
        expected_version=2,
        section="causes",
        item_id=cause.pk,
    )
    client = client_for(analyst)
    stale = client.post(url, {"version": "2", "text": "Peer pressure to borrow", "tag": ""})
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Removed cause “Peer pressure”" in html and "Peer pressure to borrow</textarea>" in html
    again = client.post(url, {"version": "3", "text": "Peer pressure to borrow", "tag": ""})
    assert again.status_code == 200
    assert "That cause has been removed from the report by someone else" in again.content.decode()
    assert "Peer pressure to borrow</textarea>" in again.content.decode()
    assert not StoryCause.objects.exists()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("version", [0, 99, 99_999_999_999_999_999_999])
def test_an_unknown_or_impossible_version_is_404(report, council_worker, version) -> None:  # type: ignore[no-untyped-def]
    url = reverse(
        "performance:report_revision", kwargs={"report_id": report.pk, "version": version}
    )
    assert client_for(council_worker).get(url).status_code == 404
