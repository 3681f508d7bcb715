"""The demo's triages: every triage assessment is the triage of a referral to the organisation
that assessed, each ends in an outcome the service would allow, and the referral is closed
with what the referrer is told."""

from __future__ import annotations

from collections import Counter

import pytest

from joinedup.accounts.roles import Role
from joinedup.assessments.models import Assessment
from joinedup.demo.assessments import build_assessments
from joinedup.demo.context import DemoContext
from joinedup.demo.directory import build_directory
from joinedup.demo.partnership import build_partnership
from joinedup.demo.people import build_people
from joinedup.demo.referrals import build_referrals
from joinedup.demo.sharing import build_sharing
from joinedup.demo.triage import build_triages
from joinedup.referrals.models import Referral
from joinedup.triage.models import Triage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _council_takes_self_referrals() -> None:
    """The demo builds its own council; the package's test council is not wanted here."""


def _build(seed: int, people: int) -> None:
    ctx = DemoContext(seed=seed)
    organisations = build_partnership(ctx)
    build_people(ctx, count=people, organisations=organisations)
    build_sharing(ctx, organisations=organisations)
    build_directory(ctx, organisations=organisations)
    build_referrals(ctx, organisations=organisations)
    build_assessments(ctx, organisations=organisations)
    build_triages(ctx, organisations=organisations)


def test_every_triage_assessment_is_a_triage_of_a_referral() -> None:
    _build(seed=5, people=600)
    triage_assessments = Assessment.objects.filter(kind="triage")
    triages = list(
        Triage.objects.select_related(
            "referral", "assessment", "key_worker", "signposted_service"
        ).prefetch_related("key_worker__memberships", "signposted_service__needs")
    )
    assert len(triages) == triage_assessments.count() > 100
    outcomes = Counter(t.outcome for t in triages)
    assert set(outcomes) == set(Triage.Outcome.values)
    assert min(outcomes.values()) >= 10
    sources = Counter(t.referral.source for t in triages)
    assert len(sources) == len(Referral.Source.values)
    for triage in triages:
        referral = triage.referral
        assert referral.person_id == triage.person_id == triage.assessment.person_id
        assert referral.to_organisation_id == triage.organisation_id
        assert triage.assessment.organisation_id == triage.organisation_id
        assert referral.status == "closed" and referral.outcome.startswith("Triaged on")
        assert referral.received_on.date() <= triage.assessment.assessed_on
        assert triage.is_complete
        if triage.outcome == "open_case":
            assert triage.key_worker.organisation_id == triage.organisation_id
            assert Role.KEY_WORKER in {m.role for m in triage.key_worker.memberships.all()}
        elif triage.outcome == "signpost":
            helps = {n.need for n in triage.signposted_service.needs.all()}
            assert helps & set(triage.identified_needs)
        else:
            assert triage.no_further_action_reason
    # Residents' newest self-referrals wait in the inbox, not yet matched, ready to triage.
    assert Referral.objects.filter(source="self", status="new", person__isnull=True).exists()
