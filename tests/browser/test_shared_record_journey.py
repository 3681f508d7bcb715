"""Two partners see the same person differently, exactly as consent says; a partner without a
basis gets the restricted view and asks for access; every look shows in "who looked"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.people.services import register_person
from joinedup.sharing.models import InformationCategory
from joinedup.sharing.services import record_consent

from ..conftest import actor_for
from ..factories import PASSWORD, OrganisationFactory, UserFactory
from ..helpers import current_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(current_code(totp_device(user)))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")


def find(page, family_name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    page.get_by_label("Last name").fill(family_name)
    page.get_by_role("button", name="Search").click()


def test_partners_see_one_person_as_consent_says(live_server, page, shipped_defaults) -> None:  # type: ignore[no-untyped-def]
    council = OrganisationFactory(name="Northvale Borough Council")
    cab = OrganisationFactory(name="Citizens Advice Northvale")
    jcp = OrganisationFactory(name="Jobcentre Plus Northvale")
    key_worker = UserFactory(
        organisation=council, roles=[Role.KEY_WORKER], full_name="Kirsty Walker"
    )
    adviser = UserFactory(
        organisation=cab, roles=[Role.PARTNER_PRACTITIONER], full_name="Sam Clarke"
    )
    coach = UserFactory(
        organisation=jcp, roles=[Role.PARTNER_PRACTITIONER], full_name="Daniel Evans"
    )
    person = register_person(
        actor=actor_for(key_worker),
        values={
            "given_name": "Jordan",
            "family_name": "Ellis",
            "date_of_birth": date(1988, 3, 27),
            "ni_number": "QQ123456C",
            "ethnicity": "Secret Ethnicity Value",
        },
    )
    record_consent(
        actor=actor_for(key_worker),
        person=person,
        organisations=[cab],
        categories=list(
            InformationCategory.objects.filter(code__in=["identity_contact", "money_debt"])
        ),
        purpose="To sort out debts",
        how_given="written",
        given_on=timezone.localdate(),
    )

    # Citizens Advice: consent for identity and money, not equality monitoring.
    sign_in(page, live_server, adviser)
    find(page, "Ellis")
    page.get_by_role("link", name="Jordan Ellis").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Jordan Ellis"
    assert page.locator('[data-field="ni_number"]').inner_text() == "QQ 12 34 56 C"
    assert "Secret Ethnicity Value" not in page.content()

    # Jobcentre Plus: no basis, so the restricted view, and a request for access.
    sign_in(page, live_server, coach)
    find(page, "Ellis")
    assert page.get_by_test_id("person-result").get_by_text("Restricted").count() == 1
    page.get_by_role("link", name="Jordan Ellis").click()
    assert page.get_by_test_id("restricted-view").is_visible()
    assert "QQ 12 34 56 C" not in page.content()
    assert "Northvale Borough Council" in page.get_by_test_id("agencies").inner_text()
    page.get_by_role("link", name="Request access").click()
    page.get_by_label("Why do you need access?").fill(
        "Arranging interviews; need their contact details please."
    )
    page.get_by_role("button", name="Send request").click()
    assert "Your request has been sent to Northvale Borough Council" in page.content()

    # The holder sees every look in "who looked".
    sign_in(page, live_server, key_worker)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    page.get_by_role("link", name="Who has looked at this record").click()
    log = page.get_by_test_id("access-log").inner_text()
    assert "Sam Clarke" in log and "Citizens Advice Northvale" in log
    assert "Daniel Evans" in log and "Jobcentre Plus Northvale" in log
    assert re.search(r"Restricted view", log)
