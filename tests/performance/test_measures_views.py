"""The performance measure pages through the test client: the figures under the three questions,
the filters, the people behind a figure (only those the viewer may see, each audited; the rest
counted, not named), the "How we count" page and its changes (analysts only)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from joinedup.audit.models import AuditEvent
from joinedup.performance.models import Area, DefinitionVersion, MeasureDefinition
from joinedup.performance.selectors import measure_disclosure
from joinedup.performance.selectors import measures as selectors
from joinedup.performance.selectors.measures import MeasureFilters
from joinedup.performance.services import dashboard as services

from ..conftest import actor_for, client_for
from . import test_measures_data as data
from .test_measures_data import Partnership, build_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(shipped_defaults: None) -> Partnership:
    return build_partnership()


YEAR_2025 = MeasureFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
TODAY = date(2026, 2, 1)
PERIOD = "date_from_0=1&date_from_1=1&date_from_2=2025&date_to_0=31&date_to_1=12&date_to_2=2025"


def _viewed(measure: str) -> set[str]:
    return {
        str(event.person_id)
        for event in AuditEvent.objects.filter(action="view")
        if event.detail.get("measure") == measure
    }


def _rows(html: str) -> dict[str, str]:
    return {
        row.split('data-code="')[1].split('"')[0]: row
        for row in html.split('data-testid="measure"')[1:]
    }


def _value(row: str) -> str:
    return row.split('data-testid="value">')[1].split("</td>")[0]


def test_the_page_shows_the_three_questions(partnership: Partnership) -> None:
    # The council key worker with the council chosen: all its own work, every figure exact.
    query = f"{PERIOD}&organisation={partnership.council.pk}"
    response = client_for(partnership.council_worker).get(f"/performance/measures/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    for question in ("How much did we do?", "How well did we do it?", "Is anyone better off?"):
        assert question in html
    assert "1 January 2025 to 31 December 2025" in html
    rows = _rows(html)
    assert len(rows) == 15
    assert (
        '<td class="govuk-table__cell govuk-table__cell--numeric" data-testid="value">3</td>'
        in rows["people-engaged"]
    )
    assert "2.0" in rows["caseload-per-worker"]
    assert "£750" in rows["debt-reduced"]
    assert f"/performance/measures/people-engaged/people/?{query}" in rows[
        "people-engaged"
    ].replace("&amp;", "&")
    assert 'data-testid="hidden' not in html
    # Counts are not personal data: no one is named on this page, and nothing is audited.
    assert "Ada" not in html
    assert not AuditEvent.objects.filter(action="view").exists()


def test_bad_filters_are_explained_and_the_defaults_used(partnership: Partnership) -> None:
    query = "date_from_0=1&date_from_1=1&date_from_2=2025&date_to_0=1&date_to_1=1&date_to_2=2024"
    response = client_for(partnership.analyst).get(f"/performance/measures/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in html
    assert "govuk-error-summary" in html
    assert 'data-testid="default-filters"' in html


def test_filter_by_organisation_through_the_page(partnership: Partnership) -> None:
    query = f"{PERIOD}&organisation={partnership.council.pk}"
    html = client_for(partnership.analyst).get(f"/performance/measures/?{query}").content.decode()
    row = html.split('data-code="people-engaged"')[1].split("</tr>")[0]
    assert 'data-testid="value">3<' in row


def test_drill_down_lists_only_people_the_viewer_may_see(partnership: Partnership) -> None:
    url = f"/performance/measures/people-engaged/people/?{PERIOD}"
    # The council key worker: p1, p3 and p6 are on council cases; p4 is held by Citizens Advice.
    response = client_for(partnership.council_worker).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada One" in html and "Cat Three" in html and "Fay Six" in html
    assert "Dan Four" not in html
    # One person held by Citizens Advice alone: too few to count for the council (below).
    assert "more person you do not have access to" not in html
    assert 'data-testid="counts-hidden"' in html
    people = partnership.people
    assert _viewed("people-engaged") == {str(people[k].pk) for k in ("p1", "p3", "p6")}

    # Citizens Advice's key worker: p1 (its own case with her) and p4.
    html = client_for(partnership.cab_worker).get(url).content.decode()
    assert "Ada One" in html and "Dan Four" in html
    assert "Cat Three" not in html and "Fay Six" not in html
    assert "more people you do not have access to" not in html


# ----------------------------------------------------------------------------- small numbers


def _ward_of(lsoa: str) -> Area:
    """A ward holding just the LSOA ``lsoa``."""
    ward = Area.objects.create(code="E05009999", name="Riverside", level=Area.Level.WARD)
    Area.objects.create(code=lsoa, name=f"LSOA {lsoa}", level=Area.Level.LSOA, parent=ward)
    return ward


def test_a_small_group_outside_the_viewers_organisation_is_hidden(
    partnership: Partnership,
) -> None:
    """Issue 7, second review: narrowing the page to an area showed another organisation's
    person's figures (Dan Four's £500 of debt reduced, held by Citizens Advice) to the council.
    In Riverside (p3, a council case, and p4, Citizens Advice's) every figure with someone
    outside the council's work in it is hidden, with the reason."""
    ward = _ward_of("E01000002")
    url = f"/performance/measures/?{PERIOD}&area={ward.pk}"
    html = client_for(partnership.council_worker).get(url).content.decode()
    rows = _rows(html)
    for code in ("people-engaged", "debt-reduced", "complex-needs-improved"):
        assert _value(rows[code]) == (
            '<span data-testid="hidden">Fewer than 5 people: hidden to protect privacy</span>'
        ), code
    assert "£500" not in html
    assert 'data-testid="hidden-note"' in html
    # A true zero says nothing about anyone, so it is shown.
    assert _value(rows["triages-completed"]) == "0"
    # Citizens Advice's own key worker sees its own work in the same area exactly.
    html = client_for(partnership.cab_worker).get(f"{url}&organisation={partnership.cab.pk}")
    rows = _rows(html.content.decode())
    assert _value(rows["people-engaged"]) == "1"
    assert _value(rows["debt-reduced"]) == "£500"


def test_another_partners_small_figures_are_hidden_and_your_own_shown(
    partnership: Partnership,
) -> None:
    """Filtered to a partner, the figures are all its work: hidden from the other partners'
    staff when small, shown exactly to its own."""
    query = f"{PERIOD}&organisation={partnership.cab.pk}"
    html = client_for(partnership.council_worker).get(f"/performance/measures/?{query}")
    rows = _rows(html.content.decode())
    assert 'data-testid="hidden"' in rows["people-engaged"]
    assert 'data-testid="hidden"' in rows["debt-reduced"]
    assert _value(rows["triages-completed"]) == "0"  # a true zero says nothing about anyone
    rows = _rows(
        client_for(partnership.cab_worker).get(f"/performance/measures/?{query}").content.decode()
    )
    assert _value(rows["people-engaged"]) == "2"


def test_a_total_that_would_give_away_a_small_group_is_hidden(partnership: Partnership) -> None:
    """Secondary suppression: with six more council people, 10 people engaged is not a small
    number, but the council's own 9 beside it would give away the 1 held by Citizens Advice
    alone. So the total is hidden for the council; five more there and it is shown."""
    council, worker = partnership.council, partnership.council_worker
    for n in range(6):
        data.case(data.person(council, f"Extra Person{n}"), council, worker, date(2025, 6, 1))
    client = client_for(worker)
    rows = _rows(client.get(f"/performance/measures/?{PERIOD}").content.decode())
    assert 'data-testid="hidden"' in rows["people-engaged"]
    own = f"/performance/measures/?{PERIOD}&organisation={council.pk}"
    assert _value(_rows(client.get(own).content.decode())["people-engaged"]) == "9"
    for n in range(4):
        who = data.person(partnership.cab, f"Cab Person{n}")
        data.case(who, partnership.cab, partnership.cab_worker, date(2025, 6, 1))
    rows = _rows(client.get(f"/performance/measures/?{PERIOD}").content.decode())
    assert _value(rows["people-engaged"]) == "14"  # 5 outside the council's work


def test_a_percentage_is_hidden_when_the_people_not_counted_are_few(
    partnership: Partnership,
) -> None:
    """For a percentage, the numerator, the denominator and the people not counted (denominator
    minus numerator) outside the viewer's organisation are each checked. Eight more people
    engaged by Citizens Advice in 2025, all into work: outside the council's work 9 are engaged
    (p4 and the 8) and 8 into work, so the one not into work (p4) would show: hidden. With three
    more engaged and not into work, 4 are not counted (still hidden); with four, 5 (shown)."""
    cab, worker = partnership.cab, partnership.cab_worker
    for n in range(8):
        on = data.case(data.person(cab, f"Cab Person{n}"), cab, worker, date(2025, 6, 1))
        data.outcome(on, "job_start", date(2025, 7, 1))
    client = client_for(partnership.council_worker)

    def share() -> str:
        return _rows(client.get(f"/performance/measures/?{PERIOD}").content.decode())[
            "people-into-work-percent"
        ]

    assert 'data-testid="hidden"' in share()
    for n in range(3):
        data.case(data.person(cab, f"Cab Waiting{n}"), cab, worker, date(2025, 6, 1))
    assert 'data-testid="hidden"' in share()
    data.case(data.person(cab, "Cab Waiting3"), cab, worker, date(2025, 6, 1))
    row = share()
    assert 'data-testid="hidden"' not in row
    assert "10 of 16" in row  # p1, p6 and the 8, of p1, p3, p4, p6, the 8 and the 4


def test_the_threshold_is_the_partnerships_setting(partnership: Partnership) -> None:
    """The same versioned threshold as the public view: changed to 10, the page says so."""
    services.change_disclosure_control(
        actor=actor_for(partnership.analyst),
        threshold=10,
        rounding_base=5,
        change_reason="Stricter",
        expected_version=1,
    )
    html = client_for(partnership.council_worker).get(f"/performance/measures/?{PERIOD}")
    assert "Fewer than 10 people: hidden to protect privacy" in html.content.decode()


def test_the_drill_down_does_not_count_a_small_group_the_page_hides(
    partnership: Partnership,
) -> None:
    """Issue 7, second review: the people behind a hidden figure are still named where the
    policy allows, but not counted: "1 more person you do not have access to" would say what
    the page hides."""
    ward = _ward_of("E01000002")
    url = f"/performance/measures/people-engaged/people/?{PERIOD}&area={ward.pk}"
    html = client_for(partnership.council_worker).get(url).content.decode()
    assert "Cat Three" in html and "Dan Four" not in html
    assert 'data-testid="counts-hidden"' in html
    assert "fewer than 5 people outside your organisation" in html
    assert 'data-testid="total"' not in html and "you do not have access to." not in html
    # The council's own figure in the same area is counted as before.
    html = (
        client_for(partnership.council_worker)
        .get(f"{url}&organisation={partnership.council.pk}")
        .content.decode()
    )
    assert "1 person is behind this figure" in html


@pytest.mark.parametrize("chosen", ["nothing", "own", "another"])
def test_the_small_number_check_costs_no_query_of_its_own(
    partnership: Partnership, chosen: str
) -> None:
    """Issue 7: the check counted each measure a second time for the viewer's own figure (and
    the people behind each sum of pounds once more), doubling the measures page. The viewer's
    part is now counted in the same query as each figure: the check costs what the figures
    alone cost, plus reading the threshold, and that does not grow with the data."""
    organisation = {"own": partnership.council.pk, "another": partnership.cab.pk}.get(chosen)
    filters = MeasureFilters(
        date_from=YEAR_2025.date_from, date_to=YEAR_2025.date_to, organisation_id=organisation
    )
    actor = actor_for(partnership.council_worker)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as checked:
            measure_disclosure.shown_measure_results(actor=actor, filters=filters, today=TODAY)
        with CaptureQueriesContext(connection) as plain:
            selectors.measure_results(actor=actor, filters=filters, today=TODAY)
        return len(checked), len(plain)

    checked, plain = queries()
    assert checked <= plain + 1
    for n in range(10):
        who = data.person(partnership.cab, f"Extra Person{n}", "E01000001")
        made = data.case(who, partnership.cab, partnership.cab_worker, date(2025, 2, 1 + n))
        data.outcome(made, "job_start", date(2025, 4, 1))
        data.outcome(made, "debt_reduced", date(2025, 4, 1), debt_before=500, debt_after=0)
    assert queries() == (checked, plain)


def test_a_performance_analyst_sees_counts_but_no_one(partnership: Partnership) -> None:
    before = AuditEvent.objects.count()
    html = (
        client_for(partnership.analyst)
        .get(f"/performance/measures/people-into-work/people/?{PERIOD}")
        .content.decode()
    )
    assert "2 people are behind this figure" in html
    assert "2 more people you do not have access to" in html
    assert "Ada One" not in html and "Fay Six" not in html
    assert AuditEvent.objects.count() == before


def test_drill_down_is_paginated(partnership: Partnership, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "PEOPLE_PER_PAGE", 2)
    client: Client = client_for(partnership.council_worker)
    url = f"/performance/measures/people-engaged/people/?{PERIOD}"
    first = client.get(url).content.decode()
    second = client.get(f"{url}&page=2").content.decode()
    assert "Ada One" in first and "Cat Three" in first and "Fay Six" not in first
    assert "Fay Six" in second and "Ada One" not in second
    assert 'aria-label="Pagination"' in first
    # Only the people shown on a page are audited for it.
    assert len(_viewed("people-engaged")) == 3
    assert AuditEvent.objects.filter(action="view").count() == 3


def test_drill_down_of_an_outcome_measure_needs_the_outcomes_category(
    partnership: Partnership,
) -> None:
    html = (
        client_for(partnership.council_worker)
        .get(f"/performance/measures/debt-reduced/people/?{PERIOD}")
        .content.decode()
    )
    # p1's debt outcome is on a council case; p4's is held by Citizens Advice.
    assert "Ada One" in html and "Dan Four" not in html
    event = AuditEvent.objects.get(action="view")
    assert sorted(event.categories) == ["identity_contact", "money_debt"]
    assert event.basis == "own_organisation"


def test_unknown_measure_is_404(partnership: Partnership) -> None:
    client = client_for(partnership.council_worker)
    assert client.get("/performance/measures/no-such-thing/people/").status_code == 404
    assert client.get("/performance/measures/no-such-thing/change/").status_code == 403


def test_signed_out_is_sent_to_sign_in() -> None:
    response = Client().get("/performance/measures/")
    assert response.status_code == 302


# ----------------------------------------------------------------------------- how we count


def test_how_we_count_lists_every_definition_with_its_history(partnership: Partnership) -> None:
    response = client_for(partnership.council_worker).get("/performance/measures/how-we-count/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="definition"') == 15
    assert "Shipped definition." in html
    assert "within 10 working days of the case opening" in html
    assert "/change/" not in html  # only analysts may change definitions


def test_an_analyst_changes_a_definition_and_the_history_shows_it(
    partnership: Partnership,
) -> None:
    client = client_for(partnership.analyst)
    url = "/performance/measures/plan-within-10-working-days/change/"
    assert "/change/" in client.get("/performance/measures/how-we-count/").content.decode()
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.content.decode()
    post = {
        "version": "1",
        "name": "Plans made within 15 working days",
        "question": "how_well",
        "unit": "percent",
        "how_we_count": "Like before, within 15 working days.",
        "calculation": "plan_within_working_days",
        "parameters": '{"working_days": 15}',
        "order": "6",
        "active": "on",
        "change_reason": "The partnership agreed 15 days at the March board.",
    }
    response = client.post(url, post)
    assert response.status_code == 302
    measure = MeasureDefinition.objects.get(code="plan-within-10-working-days")
    assert measure.version == 2
    assert measure.parameters == {"working_days": 15}
    html = client.get("/performance/measures/how-we-count/").content.decode()
    assert "The partnership agreed 15 days at the March board." in html
    assert DefinitionVersion.objects.filter(code=measure.code).count() == 2

    # The same form again is stale: refused, nothing written.
    again = client.post(url, {**post, "name": "Something else"})
    assert again.status_code == 400
    assert "Someone else changed this definition" in again.content.decode()
    assert MeasureDefinition.objects.get(code=measure.code).version == 2


def test_a_change_without_a_reason_or_with_bad_parameters_is_refused(
    partnership: Partnership,
) -> None:
    client = client_for(partnership.analyst)
    url = "/performance/measures/jobs-sustained-13-weeks/change/"
    post = {
        "version": "1",
        "name": "Jobs sustained",
        "question": "better_off",
        "unit": "percent",
        "how_we_count": "Counted.",
        "calculation": "jobs_sustained",
        "parameters": '{"weeks": "thirteen"}',
        "order": "11",
        "active": "on",
        "change_reason": "",
    }
    response = client.post(url, post)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Say why the definition is changing" in html
    response = client.post(url, {**post, "change_reason": "Tidy up"})
    assert response.status_code == 400
    assert "weeks must be a whole number from 1 to 1000" in response.content.decode()
    response = client.post(url, {**post, "parameters": "{not json", "change_reason": "Tidy"})
    assert "Parameters must be JSON" in response.content.decode()
    assert MeasureDefinition.objects.get(code="jobs-sustained-13-weeks").version == 1


def test_only_analysts_may_change_definitions(partnership: Partnership) -> None:
    client = client_for(partnership.council_worker)
    url = "/performance/measures/debt-reduced/change/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": "1", "change_reason": "x"}).status_code == 403
    assert MeasureDefinition.objects.get(code="debt-reduced").version == 1


def test_period_in_the_drill_down_heading(partnership: Partnership) -> None:
    html = (
        client_for(partnership.council_worker)
        .get(f"/performance/measures/people-engaged/people/?{PERIOD}")
        .content.decode()
    )
    assert "1 January 2025 to 31 December 2025" in html
