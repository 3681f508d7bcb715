"""Reads for outcomes. Each asks the sharing policy what the actor may see (an outcome by its
category and the organisation holding it) and records what it shows with the audit in the same
transaction before returning it (rules 1 to 4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404

from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.cases.models import Case
from joinedup.cases.selectors import case_for_change
from joinedup.sharing.categories import IDENTITY, WORK_SKILLS
from joinedup.sharing.policy import Basis, access_to_people, access_to_person, works_with_people

from .models import SUSTAINMENT_WEEKS, Outcome, sustainment_due_on

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.sharing.policy import PersonAccess

#: The most exceptional basis first: the one an audit event names when several apply.
_BASIS_ORDER = (Basis.BREAK_GLASS, Basis.LAWFUL_BASIS, Basis.CONSENT, Basis.OWN_ORGANISATION)


@dataclass(frozen=True)
class SustainmentCheck:
    """A job start due (or overdue) its check that the person is still in work."""

    case_reference: str
    case_id: uuid.UUID
    person_name: str
    employer: str
    weeks: int
    due_on: date
    overdue: bool
    job_start_id: uuid.UUID


def _combined_basis(access: PersonAccess, seen: Iterable[tuple[str, uuid.UUID | None]]) -> str:
    """The basis for an audit event covering information of these (category, holder) pairs."""
    bases = {access.decide(category, holder).basis for category, holder in seen}
    for basis in _BASIS_ORDER:
        if basis in bases:
            return basis.value
    return access.audit_basis([IDENTITY])[0]


def case_for_outcomes(*, actor: Actor, case_id: Any) -> Case:
    """A case led by the actor's organisation, to record or verify its outcomes; any other
    case is a 404 (rule 5). Audited as a look at the case."""
    return case_for_change(actor=actor, case_id=case_id, page="case outcomes")


def _visible_outcomes(access: PersonAccess, case: Case, outcomes: list[Outcome]) -> list[Outcome]:
    visible = [o for o in outcomes if access.allows(o.category, o.organisation_id)]
    shown = {o.pk for o in visible}
    for outcome in visible:
        outcome.case = case
        if outcome.job_start_id is not None and outcome.job_start_id not in shown:
            # A job sustained whose job start the actor may not see says only that it was
            # sustained, not where.
            outcome.job_start = None
    return visible


def outcomes_for_case(
    *, actor: Actor, case: Case, access: PersonAccess | None = None
) -> list[Outcome]:
    """The case's outcomes the actor may see (the policy allows the outcome's category held
    by the organisation that recorded it), latest first. One audit event names the
    categories shown. ``access``: the decision the page already made for this actor and
    person, if any."""
    if not works_with_people(actor):
        raise Http404("No such case.")
    if access is None:
        access = access_to_person(actor=actor, person=case.person)
    outcomes = list(
        Outcome.objects.filter(case=case).select_related("organisation", "verified_by", "job_start")
    )
    visible = _visible_outcomes(access, case, outcomes)
    categories = sorted({o.category for o in visible})
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=case.person_id,
            categories=categories or [IDENTITY],
            basis=_combined_basis(access, [(o.category, o.organisation_id) for o in visible]),
            detail={"page": "case outcomes", "case": case.reference, "outcomes": len(visible)},
        )
    return visible


def job_starts_for_case(*, actor: Actor, case: Case) -> list[Outcome]:
    """The case's job starts the actor may see, for recording that a job was sustained.
    Audited as a look at work and skills information."""
    if not works_with_people(actor):
        raise Http404("No such case.")
    access = access_to_person(actor=actor, person=case.person)
    starts = Outcome.objects.filter(case=case, kind=Outcome.Kind.JOB_START).select_related(
        "organisation"
    )
    visible = _visible_outcomes(access, case, list(starts))
    if visible:
        with transaction.atomic():
            record_event(
                actor=actor,
                action="view",
                person_id=case.person_id,
                categories=[WORK_SKILLS],
                basis=_combined_basis(access, [(o.category, o.organisation_id) for o in visible]),
                detail={"page": "job starts", "case": case.reference, "outcomes": len(visible)},
            )
    return visible


def outcome_for_verification(*, actor: Actor, outcome_id: Any) -> Outcome:
    """An outcome of a case led by the actor's organisation that the actor may see; any other
    is a 404 (rule 5). Audited."""
    if not works_with_people(actor):
        raise Http404("No such outcome.")
    outcome = (
        Outcome.objects.select_related(
            "case__person", "case__programme", "organisation", "verified_by", "job_start"
        )
        .filter(pk=outcome_id, case__organisation_id=actor.org)
        .first()
    )
    if outcome is None:
        raise Http404("No such outcome.")
    access = access_to_person(actor=actor, person=outcome.case.person)
    if not access.allows(IDENTITY) or not access.allows(outcome.category, outcome.organisation_id):
        raise Http404("No such outcome.")
    outcome.person = outcome.case.person
    if outcome.job_start is not None and not access.allows(
        outcome.job_start.category, outcome.job_start.organisation_id
    ):
        outcome.job_start = None
    seen = [(IDENTITY, None), (outcome.category, outcome.organisation_id)]
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=outcome.person_id,
            categories=sorted({IDENTITY, outcome.category}),
            basis=_combined_basis(access, seen),
            detail={
                "page": "verify outcome",
                "case": outcome.case.reference,
                "outcome": str(outcome.pk),
            },
        )
    return outcome


def sustainment_checks_due(
    *, actor: Actor, today: date, within_days: int = 14
) -> list[SustainmentCheck]:
    """For the actor's own active cases (they are the key worker), each job start whose 13,
    26 or 52 weeks fall on or before ``today`` + ``within_days`` with no job sustained
    recorded for those weeks yet, soonest due first. Once a later check is recorded, the
    earlier ones are no longer asked for. Only job starts the actor may see are listed.

    A fixed number of queries whatever the caseload; one audit event per person shown."""
    checks, entries = sustainment_checks_to_audit(actor=actor, today=today, within_days=within_days)
    if entries:
        with transaction.atomic():
            record_events(actor=actor, action="view", entries=entries)
    return checks


def sustainment_checks_to_audit(
    *,
    actor: Actor,
    today: date,
    within_days: int = 14,
    known: dict[uuid.UUID, PersonAccess] | None = None,
    page: str = "sustainment checks due",
) -> tuple[list[SustainmentCheck], list[AuditEntry]]:
    """The checks of ``sustainment_checks_due`` and the audit entries for what they show,
    for a page that shows them among other things and records one audit batch for all of it
    (as "my work" does). ``known`` shares the page's access decisions. The caller must record
    the entries before it shows the checks."""
    if not works_with_people(actor):
        return [], []
    horizon = today + timedelta(days=within_days)
    # A job start later than this has no check due within the horizon.
    latest_start = horizon - timedelta(weeks=SUSTAINMENT_WEEKS[0])
    starts = list(
        Outcome.objects.filter(
            kind=Outcome.Kind.JOB_START,
            achieved_on__lte=latest_start,
            case__key_worker_id=actor.user_id,
            case__organisation_id=actor.org,
        )
        # Checks continue after a case closes because the person moved into work.
        .filter(
            Q(case__status__in=Case.ACTIVE_STATUSES)
            | Q(case__status=Case.Status.CLOSED, case__closure_reason=Case.ClosureReason.EMPLOYMENT)
        )
        .select_related("case", "person")
        # Only what the list shows and the policy needs.
        .only(
            "achieved_on",
            "employer",
            "category",
            "organisation",
            "case",
            "person",
            "case__reference",
            "person__given_name",
            "person__middle_names",
            "person__family_name",
            "person__registered_by",
        )
        .order_by("achieved_on", "pk")
    )
    if not starts:
        return [], []
    recorded = set(
        Outcome.objects.filter(
            kind=Outcome.Kind.JOB_SUSTAINED, job_start_id__in=[s.pk for s in starts]
        ).values_list("job_start_id", "weeks")
    )
    access = access_to_people(
        actor=actor, people={s.person_id: s.person for s in starts}.values(), known=known
    )
    checks: list[SustainmentCheck] = []
    seen: dict[uuid.UUID, list[tuple[str, uuid.UUID | None]]] = {}
    cases: dict[uuid.UUID, set[str]] = {}
    for start in starts:
        person_access = access[start.person_id]
        if not person_access.allows(IDENTITY) or not person_access.allows(
            start.category, start.organisation_id
        ):
            continue
        done = max((w for w in SUSTAINMENT_WEEKS if (start.pk, w) in recorded), default=0)
        for weeks in SUSTAINMENT_WEEKS:
            due = sustainment_due_on(start.achieved_on, weeks)
            if weeks <= done or due > horizon:
                continue
            checks.append(
                SustainmentCheck(
                    case_reference=start.case.reference,
                    case_id=start.case_id,
                    person_name=start.person.full_name,
                    employer=start.employer,
                    weeks=weeks,
                    due_on=due,
                    overdue=due < today,
                    job_start_id=start.pk,
                )
            )
            seen.setdefault(start.person_id, [(IDENTITY, None)]).append(
                (start.category, start.organisation_id)
            )
            cases.setdefault(start.person_id, set()).add(start.case.reference)
    checks.sort(key=lambda c: (c.due_on, c.case_reference, c.weeks))
    entries = [
        AuditEntry(
            person_id=person_id,
            categories=[IDENTITY, WORK_SKILLS],
            basis=_combined_basis(access[person_id], pairs),
            detail={"page": page, "cases": sorted(cases[person_id])},
        )
        for person_id, pairs in seen.items()
    ]
    return checks, entries
