"""Triages over three years: every triage assessment in the demo is the triage of a referral
to the organisation that assessed. Where the person already had an answered referral to that
organisation from before the assessment, that is the one triaged; otherwise the referral that
brought them in is added (from staff at a partner, the resident, data matching or another
system). Each triage ends as the service would end it: about 60% handed to a key worker for a
case, a quarter signposted to a directory service for one of their needs, the rest no further
action with a reason; and the referral is closed with what happened.

Residents' recent self-referrals that nobody has matched yet are left in the inbox, so the demo
shows a triage from the start. Built with ``bulk_create``."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from joinedup.accounts.models import Membership, Organisation
from joinedup.accounts.roles import Role
from joinedup.assessments.models import AreaScore, Assessment, RagRuleSet
from joinedup.assessments.rag import DEFAULT_RULES
from joinedup.core.working_days import add_working_days
from joinedup.directory.models import Service, ServiceNeed
from joinedup.directory.needs import NeedArea
from joinedup.referrals.models import Referral, ReferralNeed
from joinedup.triage.models import Triage
from joinedup.triage.services import outcome_for_referrer

from .context import DemoContext
from .referrals import REASONS, _reference

OUTCOME_WEIGHTS = (
    (Triage.Outcome.OPEN_CASE, 60),
    (Triage.Outcome.SIGNPOST, 25),
    (Triage.Outcome.NO_FURTHER_ACTION, 15),
)
SOURCE_WEIGHTS = (
    (Referral.Source.STAFF, 60),
    (Referral.Source.SELF, 25),
    (Referral.Source.DATA_MATCHING, 10),
    (Referral.Source.OTHER_SYSTEM, 5),
)
NO_FURTHER_ACTION_REASONS = (
    "Already well supported by the housing team; agreed to come back if things change.",
    "Found work before the triage; wanted no further help.",
    "Moved out of the area.",
    "Did not want support at the moment.",
)
HANDOFF_NOTES = (
    "Prefers phone calls in the morning.",
    "Would like to meet at the library rather than the civic centre.",
    "",
    "",
)
CHUNK = 2000


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _issue_needs(assessment_ids: list[Any]) -> dict[Any, set[str]]:
    rule_set = RagRuleSet.objects.filter(active=True).first()
    rules = rule_set.values() if rule_set is not None else DEFAULT_RULES
    needs: dict[Any, set[str]] = defaultdict(set)
    rows = AreaScore.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "score", "complex_issue", "area__need_area"
    )
    for assessment_id, score, complex_issue, need in rows:
        if need and (complex_issue or (score is not None and score <= rules.complex_score_max)):
            needs[assessment_id].add(need)
    return needs


def build_triages(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    org_ids = [o.pk for o in organisations.values()]
    names = {o.pk: o.name for o in organisations.values()}
    key_workers: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.filter(role=Role.KEY_WORKER, user__is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
    ):
        key_workers[org_id].append(user_id)
    services: dict[str, list[Service]] = defaultdict(list)
    for row in (
        ServiceNeed.objects.filter(
            service__status=Service.Status.ACTIVE, service__archived_on__isnull=True
        )
        .select_related("service__organisation")
        .order_by("need", "service__name")
    ):
        services[row.need].append(row.service)
    assessments = list(
        Assessment.objects.filter(kind=Assessment.Kind.TRIAGE)
        .order_by("assessed_on", "id")
        .values_list("id", "person_id", "organisation_id", "assessor_id", "assessed_on")
    )
    issue_needs = _issue_needs([a[0] for a in assessments])
    answered: dict[tuple[Any, Any], list[Referral]] = defaultdict(list)
    for referral in Referral.objects.filter(
        person__isnull=False, status__in=(Referral.Status.ACCEPTED, Referral.Status.CLOSED)
    ).order_by("received_on", "id"):
        answered[(referral.person_id, referral.to_organisation_id)].append(referral)
    asked: dict[Any, set[str]] = defaultdict(set)
    for referral_id, need in ReferralNeed.objects.values_list("referral_id", "need"):
        asked[referral_id].add(need)

    new_referrals: list[Referral] = []
    new_needs: list[ReferralNeed] = []
    updated: list[Referral] = []
    triages: list[Triage] = []
    used_references = set(Referral.objects.values_list("reference", flat=True))
    for assessment_id, person_id, org_id, assessor_id, assessed_on in assessments:
        found = issue_needs.get(assessment_id, set())
        earlier = [
            r
            for r in answered.get((person_id, org_id), [])
            if timezone.localdate(r.received_on) <= assessed_on
        ]
        if earlier:
            referral = earlier[-1]
            answered[(person_id, org_id)].remove(referral)
            updated.append(referral)
        else:
            referral = _new_referral(ctx, person_id, org_id, org_ids, assessed_on, used_references)
            wanted = sorted(found) or [ctx.rng.choice(NeedArea.values)]
            chosen = ctx.rng.sample(wanted, min(len(wanted), ctx.rng.randint(1, 3)))
            new_needs.extend(ReferralNeed(referral=referral, need=n) for n in chosen)
            asked[referral.pk] = set(chosen)
            new_referrals.append(referral)
        needs = [n for n in NeedArea.values if n in found | asked[referral.pk]]
        completed = _at(assessed_on, ctx.rng.randint(10, 16))
        triage = Triage(
            id=ctx.uuid(),
            referral=referral,
            person_id=person_id,
            organisation_id=org_id,
            triaged_by_id=assessor_id,
            assessment_id=assessment_id,
            identified_needs=needs,
            completed_on=completed,
            created_on=completed,
            created_by_id=assessor_id,
        )
        _decide(ctx, triage, key_workers.get(org_id, []), services, needs)
        referral.status = Referral.Status.CLOSED
        referral.outcome = outcome_for_referrer(
            organisation_name=names[org_id],
            outcome=triage.outcome,
            service=triage.signposted_service,
            day=assessed_on,
        )
        referral.responded_on = referral.responded_on or completed
        referral.responded_by_id = referral.responded_by_id or assessor_id
        triages.append(triage)
    Referral.objects.bulk_create(new_referrals, batch_size=CHUNK)
    ReferralNeed.objects.bulk_create(new_needs, batch_size=CHUNK)
    Referral.objects.bulk_update(
        updated, ["status", "outcome", "responded_on", "responded_by"], batch_size=CHUNK
    )
    Triage.objects.bulk_create(triages, batch_size=CHUNK)


def _new_referral(
    ctx: DemoContext,
    person_id: Any,
    org_id: Any,
    org_ids: list[Any],
    assessed_on: date,
    used: set[str],
) -> Referral:
    source = ctx.rng.choices([s for s, _ in SOURCE_WEIGHTS], [w for _, w in SOURCE_WEIGHTS])[0]
    received_day = assessed_on - timedelta(days=ctx.rng.randint(1, 10))
    reference = _reference(ctx)
    while reference in used:
        reference = _reference(ctx)
    used.add(reference)
    received = _at(received_day, ctx.rng.randint(8, 17))
    from_org = ctx.rng.choice([o for o in org_ids if o != org_id])
    return Referral(
        id=ctx.uuid(),
        reference=reference,
        person_id=person_id,
        source=source,
        referred_by_organisation_id=from_org if source == Referral.Source.STAFF else None,
        to_organisation_id=org_id,
        reason=ctx.rng.choice(REASONS),
        consent_to_share=True,
        status=Referral.Status.CLOSED,
        received_on=received,
        respond_by=add_working_days(received_day, 5),
        created_on=received,
    )


def _decide(
    ctx: DemoContext,
    triage: Triage,
    key_workers: list[uuid.UUID],
    services: dict[str, list[Service]],
    needs: list[str],
) -> None:
    outcomes = [o for o, _ in OUTCOME_WEIGHTS]
    outcome = ctx.rng.choices(outcomes, [w for _, w in OUTCOME_WEIGHTS])[0]
    offered = [s for n in needs for s in services.get(n, [])]
    if outcome == Triage.Outcome.OPEN_CASE and not key_workers:
        outcome = Triage.Outcome.SIGNPOST
    if outcome == Triage.Outcome.SIGNPOST and not offered:
        outcome = Triage.Outcome.NO_FURTHER_ACTION
    triage.outcome = outcome
    if outcome == Triage.Outcome.OPEN_CASE:
        triage.key_worker_id = ctx.rng.choice(key_workers)
        triage.handoff_note = ctx.rng.choice(HANDOFF_NOTES)
    elif outcome == Triage.Outcome.SIGNPOST:
        triage.signposted_service = ctx.rng.choice(offered)
    else:
        triage.no_further_action_reason = ctx.rng.choice(NO_FURTHER_ACTION_REASONS)
