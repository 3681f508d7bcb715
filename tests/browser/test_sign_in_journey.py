"""Key journeys in a real browser (headless Debian Chromium through Playwright)."""

from __future__ import annotations

import re

import pytest

from joinedup.accounts.roles import Role

from ..factories import PASSWORD, OrganisationFactory, UserFactory
from ..helpers import current_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_key_worker_signs_in_with_two_factor_and_sees_home(live_server, page) -> None:  # type: ignore[no-untyped-def]
    organisation = OrganisationFactory(name="Northvale Borough Council")
    user = UserFactory(
        organisation=organisation, roles=[Role.KEY_WORKER], full_name="Kirsty Walker"
    )

    page.goto(live_server.url + "/")
    assert re.search(r"/sign-in/", page.url)
    assert page.title() == "Sign in – JoinedUp"
    # The GOV.UK stylesheet is served by our own server.
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontWeight") == "700"

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/sign-in/two-factor/"))
    page.get_by_label("Security code").fill(current_code(totp_device(user)))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Welcome, Kirsty")
    assert page.get_by_test_id("signed-in-organisation").inner_text() == "Northvale Borough Council"
    # JavaScript enhancement ran (and the page did not need it).
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in/"))
    page.goto(live_server.url + "/")
    assert "/sign-in/" in page.url


def test_new_member_sets_up_two_factor_from_the_qr_page(live_server, page) -> None:  # type: ignore[no-untyped-def]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(two_factor=False, full_name="Sam Clarke")
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/two-factor/set-up/"))
    assert page.get_by_test_id("qr-code").locator("svg").count() == 1

    page.get_by_role("button", name="Confirm and continue").click()
    assert page.locator(".govuk-error-summary").inner_text().count("Enter the 6-digit code") == 1

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    assert page.get_by_test_id("backup-codes").locator("li").count() == 10
    page.get_by_role("link", name=re.compile("continue")).click()
    page.wait_for_url(live_server.url + "/")
    assert "Welcome, Sam" in page.get_by_role("heading", level=1).inner_text()
