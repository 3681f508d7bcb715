"""The demo's cases: every state, plans across partners, handoffs taken or waiting."""

from __future__ import annotations

from collections import Counter

import pytest

from joinedup.cases.models import Action, Case, CaseEvent, Goal, WorkerCapacity
from joinedup.demo.assessments import build_assessments
from joinedup.demo.cases import build_cases
from joinedup.demo.context import DemoContext
from joinedup.demo.directory import build_directory
from joinedup.demo.partnership import build_partnership
from joinedup.demo.people import build_people
from joinedup.demo.referrals import build_referrals
from joinedup.demo.sharing import build_sharing
from joinedup.demo.triage import build_triages
from joinedup.triage.models import Triage

pytestmark = pytest.mark.django_db


def test_the_demo_has_cases_in_every_state_with_plans() -> None:
    ctx = DemoContext(seed=4)
    organisations = build_partnership(ctx)
    build_people(ctx, count=700, organisations=organisations)
    build_sharing(ctx, organisations=organisations)
    build_directory(ctx, organisations=organisations)
    build_referrals(ctx, organisations=organisations)
    build_assessments(ctx, organisations=organisations)
    build_triages(ctx, organisations=organisations)
    build_cases(ctx, organisations=organisations)

    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert set(statuses) == set(Case.Status.values) and sum(statuses.values()) > 100
    assert not Case.objects.filter(goals__isnull=True).exists()
    owners = Action.objects.values("owner_organisation").distinct().count()
    assert owners >= 5  # plans across partners
    for case in Case.objects.filter(status="closed")[:50]:
        assert case.closed_on and case.closed_on >= case.opened_on and case.closure_reason
        assert case.events.filter(kind=CaseEvent.Kind.CLOSED).exists()
    for case in Case.objects.select_related("triage").exclude(triage=None)[:50]:
        assert case.triage.case_opened_on is not None
        assert case.triage.key_worker_id == case.key_worker_id
    assert Goal.objects.exclude(category="").count() == Goal.objects.count()
    assert WorkerCapacity.objects.exists()
    assert not Triage.objects.filter(
        outcome="open_case", case_opened_on__isnull=False, case__isnull=True
    ).exists()
