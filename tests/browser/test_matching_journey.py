"""Data matching as a new user would try it in the demo ("done means" of issue 6): the data
officer loads three agency extracts (police and health with their saved column mappings, the
Jobcentre's by matching the columns), runs the matching and waits for it, decides uncertain pairs
in the review queue, finds a person known to four agencies under "known to several agencies" and
refers them for triage on a lawful basis; the council's key worker finds the referral in the
inbox.

The data are the demo's own (``joinedup.demo.matching``) at a small size: the partnership, 120
residents, the council tax extract loaded and matched, and the other agencies' files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.core.actor import Actor
from joinedup.demo.context import DemoContext
from joinedup.demo.matching import (
    AGREEMENT_NAME,
    BY_KIND,
    DATA_OFFICER,
    build_matching,
    write_extract_files,
)
from joinedup.demo.partnership import (
    DEMO_PASSWORD,
    account_email,
    build_data_partners,
    build_partnership,
)
from joinedup.demo.people import build_people
from joinedup.matching import selectors
from joinedup.matching.models import (
    CandidatePair,
    Extract,
    InsightReferral,
    LinkageRun,
    PairDecision,
)
from joinedup.referrals.models import Referral

from ..helpers import current_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: A run on a few hundred records takes seconds; leave room for a busy machine.
RUN_TIMEOUT = 120_000


def sign_in(page, live_server, user: User) -> None:  # type: ignore[no-untyped-def]
    """Through the real pages, with the demo's password and the account's authenticator."""
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(current_code(totp_device(user)))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")


def menu(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()


def upload(page, path: Path, organisation: str, kind: str, lawful_basis: str) -> None:  # type: ignore[no-untyped-def]
    """Step 1 of loading an extract: the file and its details."""
    menu(page, "Data matching")
    page.get_by_role("link", name="Extracts", exact=True).click()
    page.get_by_role("link", name="Load an extract").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Upload the extract"
    page.get_by_label("Upload the extract").set_input_files(str(path))
    page.get_by_label("Which organisation sent it?").select_option(label=organisation)
    page.get_by_label(kind, exact=True).check()
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Lawful basis for sharing it").fill(lawful_basis)
    # Another organisation's extract is loaded only under a current agreement naming both.
    page.get_by_label("Information sharing agreement").select_option(label=AGREEMENT_NAME)
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Match the columns"


def loaded(page) -> str:  # type: ignore[no-untyped-def]
    """Step 2's answer: the extracts page with "N rows loaded as X"; returns X."""
    page.wait_for_url(re.compile(r"/matching/extracts/$"))
    found = re.search(r"rows loaded as (\w+)\.", page.locator("main").inner_text())
    assert found, page.locator("main").inner_text()[:500]
    return found.group(1)


def test_a_data_officer_links_three_extracts_and_refers_someone_known_to_four_agencies(
    live_server, page, settings, shipped_defaults, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # ------------------------------------------------------------------ the demo, small
    settings.MEDIA_ROOT = str(tmp_path / "private-files")  # uploads between the two steps
    ctx = DemoContext(seed=3)
    organisations: dict[str, Organisation] = build_partnership(ctx)
    build_people(ctx, count=120, organisations=organisations)
    organisations.update(build_data_partners(ctx))
    assert build_matching(ctx, organisations=organisations) is not None
    folder = write_extract_files(tmp_path / "demo-extracts").folder
    officer = User.objects.get(email=DATA_OFFICER)
    page.set_default_timeout(30_000)
    sign_in(page, live_server, officer)

    # ------------------------------------------------------------------ 1. three extracts
    # The police and the hospital: their column mappings are saved, so step 2 is one click.
    references = []
    for kind in ("police", "health"):
        agency = BY_KIND[kind]
        upload(
            page,
            folder / agency.file_name,
            organisations[agency.partner].name,
            agency.label,
            agency.lawful_basis,
        )
        saved = page.get_by_label(f"Use the saved mapping ‘{agency.mapping_name}’")
        assert saved.is_checked()
        page.get_by_role("button", name="Load the extract").click()
        references.append(loaded(page))

    # The Jobcentre: match the columns by hand (most are guessed from the headers).
    jobcentre = BY_KIND["jobcentre"]
    upload(
        page,
        folder / jobcentre.file_name,
        "Jobcentre Plus Northvale",
        jobcentre.label,
        jobcentre.lawful_basis,
    )
    page.get_by_label("Match the columns myself").check()
    page.get_by_label("Record id").select_option("claimant_ref")
    assert page.get_by_label("First name").input_value() == "forename"
    assert page.get_by_label("National Insurance number").input_value() == "nino"
    page.get_by_label("Months claiming out-of-work benefits").select_option("months_claiming")
    page.get_by_label("Save this mapping as").fill("Jobcentre claimants, by hand")
    page.get_by_role("button", name="Load the extract").click()
    references.append(loaded(page))
    rows = page.get_by_test_id("extracts").inner_text()
    for reference in references:
        assert reference in rows
    assert Extract.objects.count() == 4  # with the council tax extract the demo loaded

    # ------------------------------------------------------------------ 2. run the matching
    menu(page, "Data matching")
    page.get_by_role("link", name="Runs", exact=True).click()
    assert page.get_by_label("Everything (trains the model again)").is_checked()
    with page.expect_navigation(timeout=RUN_TIMEOUT):
        page.get_by_role("button", name="Run matching").click()
    # The run page refreshes itself until the run has finished.
    page.get_by_test_id("review-pairs").wait_for(timeout=RUN_TIMEOUT)
    assert "Finished" in page.locator("main").inner_text()
    run = LinkageRun.objects.order_by("-requested_on")[0]
    assert run.status == LinkageRun.Status.SUCCEEDED, run.error
    assert int(page.get_by_test_id("records").inner_text()) == run.records_loaded > 300

    # ------------------------------------------------------------------ 3. review
    page.get_by_role("link", name="review them").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Review queue"
    waiting = int(page.get_by_test_id("waiting").inner_text())
    # The pairs the council may decide: both records visible to it (its own extracts, those
    # shared under the agreement, and people on the shared record it has a basis for).
    officer_actor = Actor.for_user(officer, process="test")
    assert waiting == selectors.review_queue(actor=officer_actor, page=1).waiting
    assert 0 < waiting <= run.review_pairs
    page.get_by_role("link", name="Start with the first").click()
    for decision in ("Different people", "Same person"):
        assert page.get_by_role("heading", level=1).inner_text() == "Are these the same person?"
        assert len(page.get_by_test_id("side-heading").all()) == 2
        page.get_by_label(decision).check()
        page.get_by_label("Note (optional)").fill(f"{decision}: checked the two records.")
        page.get_by_role("button", name="Save and go to the next pair").click()
        assert "Recorded:" in page.locator("main").inner_text()
        if waiting == 1:
            break
    decided = PairDecision.objects.filter(decided_by=officer)
    assert decided.count() == min(2, waiting)
    assert CandidatePair.objects.filter(
        run=run, decision__isnull=True
    ).count() == run.review_pairs - min(2, waiting)

    # ------------------------------------------------------------------ 4. known to four agencies
    menu(page, "Data matching")
    page.get_by_role("link", name="Known to several agencies").click()
    page.get_by_label("Known to at least").select_option(label="4 agencies")
    page.get_by_role("button", name="Apply filters").click()
    assert re.search(
        r"known to 4 or more agencies", page.get_by_test_id("result-count").inner_text()
    )
    first = page.get_by_test_id("insight-row").first
    reference = first.get_attribute("data-reference")
    assert reference
    first.get_by_role("link", name=reference).click()
    summary = page.get_by_test_id("insight-summary").inner_text()
    for agency in (
        "Northvale Borough Council",
        "Northvale Police",
        "Northvale Hospitals NHS Trust",
        "Jobcentre Plus Northvale",
    ):
        assert agency in summary
    reasons = page.get_by_test_id("reasons").inner_text()
    assert "Known to 4 agencies" in reasons
    assert "police incidents" in reasons and "A&E attendances" in reasons

    # ------------------------------------------------------------------ 5. refer for triage
    page.get_by_test_id("refer").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Refer for triage"
    hub = organisations["council"]
    assert page.get_by_label("Organisation to refer them to").input_value() == str(hub.pk)
    lawful_basis = page.get_by_label("Lawful basis for sharing their details")
    assert "Crime and Disorder Act 1998 s.115" in lawful_basis.input_value()  # from the extracts
    lawful_basis.fill(
        lawful_basis.input_value() + "\nShared with the hub for early help under the ISA."
    )
    assert reference in page.get_by_label("Why they should be triaged").input_value()
    page.get_by_role("button", name="Refer for triage").click()
    page.wait_for_url(re.compile(rf"/matching/insight/people/{reference}/$"))
    made = InsightReferral.objects.select_related("referral").get()
    message = page.locator("main").inner_text()
    assert f"has been referred for triage to {hub.name}: referral {made.referral.reference}" in (
        message
    )
    assert made.linked_person.reference == reference
    assert "early help under the ISA" in made.lawful_basis
    referral = made.referral
    assert (referral.to_organisation, referral.source) == (hub, Referral.Source.DATA_MATCHING)
    assert referral.status == Referral.Status.NEW and not referral.consent_to_share
    assert page.get_by_test_id("referred").is_visible()

    # ------------------------------------------------------------------ 6. the hub's inbox
    key_worker = User.objects.get(email=account_email("keyworker", "council"))
    inbox = page.context.browser.new_context(locale="en-GB").new_page()
    try:
        inbox.set_default_timeout(30_000)
        sign_in(inbox, live_server, key_worker)
        menu(inbox, "Referrals")
        assert referral.reference in inbox.locator("main").inner_text()
    finally:
        inbox.context.close()
