"""The demo's cases: every state, plans across partners, handoffs taken or waiting."""

from __future__ import annotations

from collections import Counter

import pytest

from joinedup.cases.models import Action, Case, CaseEvent, Contact, Goal, WorkerCapacity
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
    assert Contact.objects.count() >= Case.objects.count()
    assert not Triage.objects.filter(
        outcome="open_case", case_opened_on__isnull=False, case__isnull=True
    ).exists()


def test_the_demo_shows_the_shape_the_seeds_report() -> None:
    """Hundreds of job starts and of training activities or qualifications at the default
    size (2,000 residents), each job start checked at 13 weeks where the time has come."""
    from datetime import timedelta

    from joinedup.demo.builder import build_demo
    from joinedup.outcomes.models import Outcome

    build_demo(seed=7, people=2000)
    kinds = Counter(Outcome.objects.values_list("kind", flat=True))
    assert kinds["job_start"] >= 100
    assert kinds["training_started"] + kinds["qualification"] >= 100
    assert kinds["job_sustained"] > 0.5 * kinds["job_start"]
    for sustained in Outcome.objects.filter(kind="job_sustained").select_related("job_start")[:100]:
        assert sustained.achieved_on >= sustained.job_start.achieved_on + timedelta(
            weeks=sustained.weeks
        )
    for outcome in Outcome.objects.select_related("case")[:300]:
        assert outcome.achieved_on >= outcome.case.opened_on
        assert outcome.category == Outcome.KIND_CATEGORIES[outcome.kind]
