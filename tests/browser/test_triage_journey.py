"""The front door, as a new user would try it: a resident refers themselves on the public form;
a key worker finds the referral in the inbox, triages it, sees the complexity rating with its
explanation and the services suggested for each need, and hands the person to a key worker."""

from __future__ import annotations

import re

import pytest

from joinedup.accounts.roles import Role
from joinedup.assessments.selectors import active_scale
from joinedup.referrals import views as referral_views
from joinedup.referrals.models import Referral
from joinedup.triage.models import Triage

from ..directory.factories import ServiceFactory
from ..factories import OrganisationFactory, UserFactory
from .test_shared_record_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_self_referral_to_triage(
    live_server, page, settings, monkeypatch, shipped_defaults
) -> None:  # type: ignore[no-untyped-def]
    council = OrganisationFactory(name="Northvale Borough Council")
    cab = OrganisationFactory(name="Citizens Advice Northvale", organisation_type="voluntary")
    settings.JOINEDUP_SELF_REFERRAL_ORGANISATION = council.name
    monkeypatch.setattr(referral_views, "MIN_SECONDS_TO_COMPLETE", 0)  # a fast test, not a bot
    key_worker = UserFactory(
        organisation=council, roles=[Role.KEY_WORKER], full_name="Kirsty Walker"
    )
    ServiceFactory(organisation=cab, name="Money advice clinic", needs=["money_debt"])
    ServiceFactory(organisation=cab, name="Tenancy rescue", needs=["housing"])

    # A resident asks for help: one question a page, no sign-in.
    page.goto(live_server.url + "/self-referral/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("First name").fill("Alex")
    page.get_by_label("Last name").fill("O'Neill")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Postcode").fill("nv2 3ab")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number").fill("07700 900982")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Money, benefits and debt").check()
    page.get_by_label("Housing").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Tell us a little about your situation").fill(
        "I lost my job and I am behind on the rent."
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("I agree that the partnership")).check()
    page.get_by_role("button", name="Continue").click()
    assert "Alex O'Neill" in page.locator("main").inner_text()
    page.get_by_role("button", name="Send request").click()
    reference = Referral.objects.get().reference
    assert reference in page.locator("main").inner_text()
    assert "Alex" not in page.url and "nv2" not in page.url.lower()

    # The key worker finds it in the inbox and triages it.
    sign_in(page, live_server, key_worker)
    page.goto(live_server.url + "/referrals/")
    inbox = page.get_by_test_id("inbox")
    assert "not yet matched" in inbox.inner_text()
    inbox.get_by_role("link", name=reference).click()
    page.get_by_role("link", name="Triage this referral").click()
    assert "We found no existing record" in page.locator("main").inner_text()
    page.get_by_role("button", name="Continue").click()

    context = page.get_by_test_id("referral-context").inner_text()
    assert "I lost my job and I am behind on the rent." in context
    scores = {"housing": "2", "money_debt": "1", "work_skills": "3", "mental_wellbeing": "3"}
    for area in active_scale().areas.all():
        value = scores.get(area.code, "7")
        page.locator(f'[data-testid="area-{area.code}"] input[value="{value}"]').check()
    page.get_by_role("button", name="Save and see the rating").click()

    main = page.locator("main")
    assert page.get_by_test_id("rating-label").inner_text() == "Red"
    explanation = page.get_by_test_id("rating-explanation").inner_text()
    assert explanation.startswith("Red: 4 complex issues")
    assert "housing" in explanation.lower() and "money" in explanation.lower()
    money = page.get_by_test_id("need-money_debt")
    assert "Money advice clinic" in money.inner_text() and "Asked for help" in money.inner_text()
    assert "Tenancy rescue" in page.get_by_test_id("need-housing").inner_text()

    chooser = page.get_by_label("Key worker", exact=True)
    assert not chooser.is_visible()  # revealed only with its choice
    page.get_by_label("Open a case with a key worker").check()
    assert chooser.is_visible() and chooser.input_value() == str(key_worker.pk)
    page.get_by_role("button", name="Complete the triage").click()
    assert "The triage is complete" in main.inner_text()
    assert "case not opened yet" in page.get_by_test_id("triage-outcome").inner_text()
    triage = Triage.objects.get()
    assert triage.outcome == "open_case" and triage.key_worker_id == key_worker.pk
    assert Referral.objects.get().status == Referral.Status.CLOSED
