"""A case from start to outcome, as its users work it in the browser ("done means" of the case
management issue): the key worker finds the person triage handed her in "my work" and opens
their case; builds a plan with actions for three partners and refers the person to a partner's
debt service; the partner accepts the referral, sees of the case only what consent allows and
marks its action done; the key worker records a job start, and 13 weeks later "my work" asks
for the job sustainment check; the team manager sees the key worker's load go up."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.assessments.selectors import active_scale
from joinedup.cases.models import Case
from joinedup.referrals.models import Referral
from joinedup.triage import services as triage_services

from ..conftest import actor_for
from ..directory.factories import ServiceFactory
from ..factories import OrganisationFactory, UserFactory
from ..triage.conftest import self_referral
from .test_shared_record_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROGRAMME = "Employment and skills support"


@pytest.fixture
def browser_for(browser, live_server) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """A browser of their own for each member of staff, signed in: each keeps their session,
    so nobody signs in twice within one authenticator code's 30 seconds."""
    contexts = []

    def open_for(user):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server, user)
        return page

    yield open_for
    for context in contexts:
        context.close()


def menu(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()


def load_of(page, live_server, full_name: str) -> int:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/cases/team/")
    row = page.get_by_test_id("worker").filter(has_text=full_name)
    return int(row.get_by_test_id("worker-load").inner_text())


def test_a_case_from_triage_to_a_job_sustained(
    live_server, browser_for, settings, shipped_defaults
) -> None:  # type: ignore[no-untyped-def]
    # ------------------------------------------------------------------ the world
    council = OrganisationFactory(name="Northvale Borough Council")
    cab = OrganisationFactory(name="Citizens Advice Northvale", organisation_type="voluntary")
    OrganisationFactory(name="Jobcentre Plus Northvale")
    OrganisationFactory(name="Northvale College", organisation_type="voluntary")
    settings.JOINEDUP_SELF_REFERRAL_ORGANISATION = council.name
    kirsty = UserFactory(organisation=council, roles=[Role.KEY_WORKER], full_name="Kirsty Walker")
    manager = UserFactory(organisation=council, roles=[Role.TEAM_MANAGER], full_name="Priya Nair")
    sam = UserFactory(organisation=cab, roles=[Role.PARTNER_PRACTITIONER], full_name="Sam Clarke")
    ServiceFactory(organisation=cab, name="Debt advice", needs=["money_debt"])

    # Alex O'Neill referred themselves; the council triaged them (Red) and handed them to
    # Kirsty for a case.
    referral = self_referral()
    actor = actor_for(kirsty)
    triage_services.match_referral_to_person(
        actor=actor, referral=referral, person_id=None, shown=[]
    )
    scale = active_scale()
    scores = {"housing": 2, "money_debt": 1, "work_skills": 3, "mental_wellbeing": 3}
    triage = triage_services.record_triage_assessment(
        actor=actor,
        referral=referral,
        scale=scale,
        assessed_on=timezone.localdate(),
        scores={a.code: (scores.get(a.code, 7), False, "") for a in scale.areas.all()},
    )
    triage_services.complete_triage(
        actor=actor, triage=triage, outcome="open_case", key_worker=kirsty
    )

    # The team manager looks at the team's workload before the case is opened.
    manager_page = browser_for(manager)
    load_before = load_of(manager_page, live_server, "Kirsty Walker")
    assert load_before == 0

    # ------------------------------------------------------------------ 1. open the case
    page = browser_for(kirsty)
    menu(page, "My work")
    handoffs = page.get_by_test_id("handoffs")
    assert "Alex O'Neill" in handoffs.inner_text()
    handoffs.get_by_role("link", name="Alex O'Neill").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Open a case"
    assert referral.reference in page.locator("main").inner_text()
    page.get_by_label("Programme").select_option(label=PROGRAMME)
    assert page.get_by_label("Key worker").input_value() == str(kirsty.pk)
    page.get_by_role("button", name="Open the case").click()
    case = Case.objects.get()
    page.wait_for_url(live_server.url + reverse("cases:detail", args=[case.pk]))
    main = page.locator("main")
    assert f"Case {case.reference} is open" in main.inner_text()
    assert PROGRAMME in main.inner_text() and "No plan yet" in main.inner_text()
    assert page.get_by_test_id("case-rating").inner_text() == "Red"
    assert "Kirsty Walker" in page.get_by_test_id("key-worker").inner_text()

    # ------------------------------------------------------------------ 2. the plan
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("Need area").select_option(label="Money, benefits and debt")
    page.get_by_label("Goal", exact=True).fill("Get my debts under control")
    page.get_by_role("button", name="Save").click()
    assert "Goal added." in main.inner_text()

    partners = [
        (
            "Citizens Advice Northvale",
            "Sam Clarke, Citizens Advice Northvale",
            "Debt advice appointment",
        ),
        ("Jobcentre Plus Northvale", "", "Review Universal Credit deductions with the work coach"),
        ("Northvale College", "", "Enrol on the money management course"),
    ]
    due = timezone.localdate() + timedelta(days=7)
    for organisation, owner, description in partners:
        page.get_by_role("link", name="Add an action").click()
        page.get_by_label("What will be done?").fill(description)
        page.get_by_label("Towards which goal? (optional)").select_option(
            label="Get my debts under control"
        )
        page.get_by_label("Which partner will do it?").select_option(label=organisation)
        if owner:
            page.get_by_label("Named member of staff (optional)").select_option(label=owner)
        page.get_by_label("Day").fill(str(due.day))
        page.get_by_label("Month").fill(str(due.month))
        page.get_by_label("Year").fill(str(due.year))
        page.get_by_role("button", name="Save").click()
        assert f"Action added for {organisation}." in main.inner_text()
    goal = page.get_by_test_id("goal").filter(has_text="Get my debts under control")
    assert goal.get_by_test_id("action").count() == 3

    page.get_by_role("link", name="Refer to a partner service").click()
    page.get_by_label("Refer to which service?").select_option(
        label="Debt advice (Citizens Advice Northvale)"
    )
    page.get_by_label("Money, benefits and debt").check()
    page.get_by_label("What should they know?").fill("Rent arrears of about £2,000.")
    page.get_by_label(re.compile("The person agreed to this referral")).check()
    page.get_by_role("button", name="Save").click()
    cross_referral = Referral.objects.get(to_organisation=cab)
    assert f"Referral {cross_referral.reference} sent to Debt advice" in main.inner_text()
    assert "Debt advice" in page.get_by_test_id("cross-referrals").inner_text()

    # ------------------------------------------------------------------ 3. the partner
    sam_page = browser_for(sam)
    menu(sam_page, "Referrals")
    sam_page.get_by_test_id("inbox").get_by_role("link", name=cross_referral.reference).click()
    sam_page.get_by_role("button", name="Accept without triage").click()
    assert f"Referral {cross_referral.reference} accepted." in sam_page.locator("main").inner_text()
    assert "Accepted" in sam_page.get_by_test_id("referral").inner_text()

    # Nothing a partner can follow links the referral to the case, so Sam goes to it directly.
    sam_page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    sam_main = sam_page.locator("main")
    seen = sam_main.inner_text()
    assert "Alex O'Neill" in seen
    assert "Debt advice appointment" in seen
    # The person agreed to share who they are with Citizens Advice, not their money matters:
    # the goal and the other partners' actions under it stay hidden.
    assert "Get my debts under control" not in seen
    assert "Universal Credit deductions" not in seen
    assert "money management course" not in seen
    assert "2 actions are not shown" in sam_page.get_by_test_id("hidden-actions").inner_text()
    sam_page.get_by_role("link", name="Debt advice appointment").click()
    sam_page.get_by_label("Done").check()
    sam_page.get_by_label("What has happened? (optional)").fill("Debt relief order applied for.")
    sam_page.get_by_role("button", name="Save").click()
    assert "Action updated." in sam_main.inner_text()

    page.reload()
    cab_action = page.get_by_test_id("action").filter(has_text="Debt advice appointment")
    assert "Done" in cab_action.inner_text()
    assert "Debt relief order applied for." in cab_action.inner_text()
    assert "Accepted" in page.get_by_test_id("cross-referrals").inner_text()

    # ------------------------------------------------------------------ 4. a job start
    started = timezone.localdate()
    page.get_by_role("link", name="Record an outcome").click()
    page.get_by_label("Started a job").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Day").fill(str(started.day))
    page.get_by_label("Month").fill(str(started.month))
    page.get_by_label("Year").fill(str(started.year))
    page.get_by_label("Employer", exact=True).fill("Northvale Logistics")
    page.get_by_label("Job title", exact=True).fill("Warehouse operative")
    page.get_by_label("Hours a week", exact=True).fill("30")
    page.get_by_label("Hourly pay (optional)").fill("12.60")
    page.get_by_label("Permanent").check()
    page.get_by_label("Evidence (optional)").fill("Contract seen")
    page.get_by_role("button", name="Save outcome").click()
    assert "The outcome has been recorded: started a job." in main.inner_text()
    outcome = page.get_by_test_id("outcome-job_start").inner_text()
    assert "Warehouse operative at Northvale Logistics" in outcome

    # ------------------------------------------------------------------ 5. 13 weeks on
    with time_machine.travel(
        timezone.localtime().replace(hour=10) + timedelta(weeks=13), tick=False
    ):
        sign_in(page, live_server, kirsty)  # her session has long ended
        menu(page, "My work")
        checks = page.get_by_test_id("sustainment-checks").inner_text()
        assert "Alex O'Neill: 13 weeks in work at Northvale Logistics" in checks

    # ------------------------------------------------------------------ 6. the team's load
    load_after = load_of(manager_page, live_server, "Kirsty Walker")
    assert load_after > 0 and load_after != load_before
    assert load_after == 3  # one Red case
