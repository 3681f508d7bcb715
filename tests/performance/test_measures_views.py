"""The performance measure pages through the test client: the figures under the three questions,
the filters, the people behind a figure (only those the viewer may see, each audited; the rest
counted, not named), the "How we count" page and its changes (analysts only)."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.audit.models import AuditEvent
from joinedup.performance.models import DefinitionVersion, MeasureDefinition
from joinedup.performance.selectors import measures as selectors

from ..conftest import client_for
from .test_measures_data import Partnership, build_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(shipped_defaults: None) -> Partnership:
    return build_partnership()


PERIOD = "date_from_0=1&date_from_1=1&date_from_2=2025&date_to_0=31&date_to_1=12&date_to_2=2025"


def _viewed(measure: str) -> set[str]:
    return {
        str(event.person_id)
        for event in AuditEvent.objects.filter(action="view")
        if event.detail.get("measure") == measure
    }


def test_the_page_shows_the_three_questions(partnership: Partnership) -> None:
    response = client_for(partnership.council_worker).get(f"/performance/measures/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    for question in ("How much did we do?", "How well did we do it?", "Is anyone better off?"):
        assert question in html
    assert "1 January 2025 to 31 December 2025" in html
    rows = {
        row.split('data-code="')[1].split('"')[0]: row
        for row in html.split('data-testid="measure"')[1:]
    }
    assert len(rows) == 15
    assert (
        '<td class="govuk-table__cell govuk-table__cell--numeric" data-testid="value">4</td>'
        in rows["people-engaged"]
    )
    assert "2.0" in rows["caseload-per-worker"]
    assert "£1,250" in rows["debt-reduced"]
    assert f"/performance/measures/people-engaged/people/?{PERIOD}" in rows[
        "people-engaged"
    ].replace("&amp;", "&")
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
    assert "4 people are behind this figure" in html
    assert "1 more person you do not have access to" in html
    people = partnership.people
    assert _viewed("people-engaged") == {str(people[k].pk) for k in ("p1", "p3", "p6")}

    # Citizens Advice's key worker: p1 (its own case with her) and p4.
    html = client_for(partnership.cab_worker).get(url).content.decode()
    assert "Ada One" in html and "Dan Four" in html
    assert "Cat Three" not in html and "Fay Six" not in html
    assert "2 more people you do not have access to" in html


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
