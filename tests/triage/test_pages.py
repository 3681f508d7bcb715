"""Triage pages through Django's test client: from the inbox to the outcome, as a key worker
would; who may reach each page; bad input."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.accounts.roles import Role
from joinedup.assessments.models import AssessmentScale
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Person
from joinedup.referrals.models import Referral
from joinedup.triage import services
from joinedup.triage.models import Triage

from ..conftest import actor_for, client_for
from ..directory.factories import ServiceFactory
from ..factories import UserFactory
from .conftest import self_referral

pytestmark = pytest.mark.django_db


def assessment_post(scale: AssessmentScale, **scores: int | str) -> dict[str, Any]:
    """The assessment form as a practitioner fills it in: every area 6 unless given."""
    data: dict[str, Any] = {
        "assessed_on_0": "2",
        "assessed_on_1": "11",
        "assessed_on_2": "2026",
        "motivator_tags": [],
    }
    for area in scale.areas.all():
        data[f"score_{area.code}"] = str(scores.get(area.code, 6))
    return data


def test_a_key_worker_triages_a_self_referral_from_the_inbox(
    council, council_worker, scale, cab
) -> None:
    ServiceFactory(organisation=cab, name="Money advice clinic", needs=["money_debt"])
    ServiceFactory(organisation=cab, name="Tenancy rescue", needs=["housing"])
    referral = self_referral(needs=["money_debt"])
    client = client_for(council_worker)

    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert referral.reference in inbox and "not yet matched" in inbox
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Triage this referral" in detail

    start = client.get(reverse("triage:start", args=[referral.pk]))
    assert start["Location"] == reverse("triage:match", args=[referral.pk])
    match = client.get(start["Location"]).content.decode()
    assert "We found no existing record" in match
    response = client.post(start["Location"], {"person": "new"})
    assert response["Location"] == reverse("triage:assess", args=[referral.pk])

    page = client.get(response["Location"]).content.decode()
    assert "I lost my job and I am behind on the rent." in page  # not asked again
    assert 'data-testid="asked-for"' in page
    response = client.post(
        response["Location"],
        assessment_post(scale, money_debt=2, housing=1, work_skills=3, offending=2),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("triage:outcome", args=[referral.pk])

    outcome = client.get(response["Location"]).content.decode()
    assert "Red: 4 complex issues" in outcome
    assert "Money advice clinic" in outcome and "Tenancy rescue" in outcome
    assert 'data-testid="need-money_debt"' in outcome and "Asked for help" in outcome

    response = client.post(
        response["Location"],
        {"outcome": "open_case", "key_worker": str(council_worker.pk), "handoff_note": "Call"},
    )
    assert response.status_code == 302
    summary = client.get(response["Location"]).content.decode()
    assert 'data-testid="triage-outcome"' in summary and "case not opened yet" in summary
    triage = Triage.objects.get()
    assert triage.key_worker == council_worker and triage.person.given_name == "Alex"
    assert Referral.objects.get().status == Referral.Status.CLOSED
    handoffs = client.get(reverse("triage:handoffs")).content.decode()
    assert "Alex O&#x27;Neill" in handoffs
    timeline = client.get(reverse("people:timeline", args=[triage.person_id])).content.decode()
    assert f"Triage of referral {referral.reference}" in timeline


def test_matching_an_existing_record_through_the_page(
    council, council_worker, cab, cab_adviser
) -> None:
    from joinedup.people.services import register_person

    existing = register_person(
        actor=actor_for(cab_adviser),
        values={
            "given_name": "Alex",
            "family_name": "O'Neill",
            "date_of_birth": date(1990, 11, 4),
            "postcode": "NV2 3AB",
        },
    )
    referral = self_referral()
    client = client_for(council_worker)
    url = reverse("triage:match", args=[referral.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="candidate"' in page and "Restricted" in page
    response = client.post(url, {"person": str(existing.pk)})
    assert response.status_code == 200
    assert "Confirm you have checked with the person" in response.content.decode()
    response = client.post(url, {"person": str(existing.pk), "identity_checked": "on"})
    assert response["Location"] == reverse("triage:assess", args=[referral.pk])
    assert Referral.objects.get().person == existing and Person.objects.count() == 1


def test_a_record_not_offered_cannot_be_posted(council, council_worker, person) -> None:
    referral = self_referral(given_name="Zed", family_name="Quorn", postcode="ZZ9 9ZZ")
    client = client_for(council_worker)
    url = reverse("triage:match", args=[referral.pk])
    client.get(url)
    response = client.post(url, {"person": str(person.pk), "identity_checked": "on"})
    assert response.status_code == 200
    assert "Select their record, or select add a new record" in response.content.decode()
    assert Referral.objects.get().person is None


@pytest.fixture
def assessed(council, council_worker, scale) -> Referral:  # type: ignore[no-untyped-def]
    referral = self_referral()
    services.match_referral_to_person(
        actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
    )
    client_for(council_worker).post(
        reverse("triage:assess", args=[referral.pk]), assessment_post(scale, housing=2)
    )
    assert Triage.objects.exists()
    return Referral.objects.get()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "outcome", "Select the outcome of the triage"),
        ({"outcome": "open_case"}, "key_worker", "Select the key worker"),
        ({"outcome": "open_case", "key_worker": "not-a-uuid"}, "key_worker", "active key worker"),
        ({"outcome": "signpost"}, "service", "Select the service"),
        ({"outcome": "no_further_action", "reason": "   "}, "reason", "Enter why"),
        ({"outcome": "no_further_action", "reason": "x" * 5000}, "reason", "2000 characters"),
        ({"outcome": "burn_it"}, "outcome", "Select a valid choice"),
    ],
)
def test_bad_outcome_input_gets_an_error_and_writes_nothing(
    assessed, council_worker, data: dict[str, str], field: str, message: str
) -> None:
    response = client_for(council_worker).post(reverse("triage:outcome", args=[assessed.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html.replace("2,000", "2000")
    assert f'href="#id_{field}' in html
    assert not Triage.objects.get().is_complete
    assert Referral.objects.get().status == Referral.Status.ACCEPTED


def test_a_key_worker_from_another_organisation_cannot_be_posted(
    assessed, council_worker, cab
) -> None:
    elsewhere = UserFactory(organisation=cab, roles=[Role.KEY_WORKER])
    response = client_for(council_worker).post(
        reverse("triage:outcome", args=[assessed.pk]),
        {"outcome": "open_case", "key_worker": str(elsewhere.pk)},
    )
    assert "Select an active key worker in your organisation" in response.content.decode()
    assert not Triage.objects.get().is_complete


def test_bad_assessment_input_keeps_the_referral_untouched(council, council_worker, scale) -> None:
    referral = self_referral()
    services.match_referral_to_person(
        actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
    )
    data = assessment_post(scale)
    data["assessed_on_0"] = "31"
    data["assessed_on_1"] = "2"
    data.pop("score_housing")
    response = client_for(council_worker).post(reverse("triage:assess", args=[referral.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200 and "must be a real date" in html
    assert not Triage.objects.exists()
    assert Referral.objects.get().status == Referral.Status.NEW


def test_who_may_reach_the_triage_pages(assessed, council, council_worker, cab_adviser) -> None:
    urls = [
        reverse(name, args=[assessed.pk])
        for name in ("triage:start", "triage:match", "triage:assess", "triage:outcome")
    ]
    for url in urls:  # another organisation's referral is a 404 (rule 5)
        assert client_for(cab_adviser).get(url).status_code == 404, url
    analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
    for url in urls:
        assert client_for(analyst).get(url).status_code == 403, url
    # Information governance may read the outcome page but not decide it.
    ig = UserFactory(organisation=council, roles=[Role.INFORMATION_GOVERNANCE])
    page = client_for(ig).get(urls[3])
    assert page.status_code == 200 and "Complete the triage" not in page.content.decode()
    assert client_for(ig).get(urls[2]).status_code == 403
    refused = client_for(ig).post(urls[3], {"outcome": "no_further_action", "reason": "x"})
    assert refused["Location"] == urls[3]
    assert not Triage.objects.get().is_complete
    assert Client().get(urls[0]).status_code == 302  # to sign in


def test_the_outcome_page_is_audited_and_filtered_by_category(assessed, council_worker) -> None:
    before = AuditEvent.objects.count()
    client_for(council_worker).get(reverse("triage:outcome", args=[assessed.pk]))
    pages = AuditEvent.objects.filter(pk__gt=0).order_by("sequence")[before:]
    details = [e.detail.get("page") for e in pages]
    assert "triage" in details and "referral" in details


def test_handoffs_show_mine_or_everyone_s(assessed, council, council_worker) -> None:
    colleague = UserFactory(organisation=council, roles=[Role.KEY_WORKER])
    services.complete_triage(
        actor=actor_for(council_worker),
        triage=Triage.objects.get(),
        outcome="open_case",
        key_worker=colleague,
    )
    mine = client_for(council_worker).get(reverse("triage:handoffs")).content.decode()
    assert "No one is waiting." in mine
    everyone = client_for(council_worker).get(reverse("triage:handoffs") + "?show=all")
    html = everyone.content.decode()
    assert colleague.full_name in html and re.search(r"Alex O&#x27;Neill", html)
    theirs = client_for(colleague).get(reverse("triage:handoffs")).content.decode()
    assert "Alex O&#x27;Neill" in theirs


def test_the_referral_page_leads_each_role_to_the_triage_it_may_see(
    assessed, council, council_worker
) -> None:
    url = reverse("referrals:detail", args=[assessed.pk])
    keeper = client_for(council_worker).get(url).content.decode()
    assert "Continue the triage" in keeper
    assert reverse("triage:start", args=[assessed.pk]) in keeper
    ig = UserFactory(organisation=council, roles=[Role.INFORMATION_GOVERNANCE])
    page = client_for(ig).get(url).content.decode()
    assert "See the triage" in page and reverse("triage:outcome", args=[assessed.pk]) in page
    services.complete_triage(
        actor=actor_for(council_worker),
        triage=Triage.objects.get(),
        outcome="no_further_action",
        reason="Moved away.",
    )
    done = client_for(council_worker).get(url).content.decode()
    assert "See the triage" in done and "Close with the outcome" not in done
