"""Northvale's cases over three years: every triage that handed someone to a key worker became
a case on the day after, and key workers opened cases directly for some others they had
assessed (the council's hub leads those assessed by a partner with no key workers). Cases
are in every state (open, paused, closed, re-opened), each with a plan of
goals for the person's needs and actions owned by the partners whose services help with
them, due and done over the case's life. Key workers get capacities (some part-time, some
with specialisms). Built with ``bulk_create``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from joinedup.accounts.models import Membership, Organisation
from joinedup.accounts.roles import Role
from joinedup.assessments.models import Assessment, ScaleArea
from joinedup.cases.models import (
    Action,
    Case,
    CaseEvent,
    Contact,
    Goal,
    Programme,
    WorkerCapacity,
)
from joinedup.directory.models import Service, ServiceNeed
from joinedup.directory.needs import NeedArea
from joinedup.referrals.services import REFERENCE_ALPHABET
from joinedup.sharing.categories import IDENTITY
from joinedup.triage.models import Triage

from .context import DemoContext

PROGRAMMES = (
    (
        "Me and My Learning",
        "Confidence, English, maths and digital skills, towards a course or job.",
    ),
    ("Northvale Works", "Intensive key-worker support for people with several complex needs."),
)
#: Of the assessed adults triage did not hand to a key worker, the share a key worker opened
#: a case for directly.
DIRECT_SHARE = 0.8
STATUS_WEIGHTS = (
    (Case.Status.OPEN, 45),
    (Case.Status.PAUSED, 8),
    (Case.Status.CLOSED, 42),
    (Case.Status.REOPENED, 5),
)
GOALS = {
    NeedArea.WORK_SKILLS: "Find a job that fits around my life",
    NeedArea.MONEY_DEBT: "Get my debts under control",
    NeedArea.HOUSING: "Keep a roof over my head",
    NeedArea.PHYSICAL_HEALTH: "Manage my health so I can work",
    NeedArea.MENTAL_WELLBEING: "Feel less anxious day to day",
    NeedArea.DRUGS_ALCOHOL: "Stay in recovery",
    NeedArea.OFFENDING: "Keep out of trouble and disclose convictions well",
    NeedArea.FAMILY_RELATIONSHIPS: "Sort out childcare and family support",
    NeedArea.CONFIDENCE_MOTIVATION: "Feel confident meeting new people",
    NeedArea.BASIC_DIGITAL_SKILLS: "Get online and improve my English and maths",
    NeedArea.PRACTICAL_BARRIERS: "Sort out ID, travel and the things I need for work",
}
ACTIONS = {
    NeedArea.WORK_SKILLS: ("Build a CV", "Apply for three jobs a week", "Mock interview"),
    NeedArea.MONEY_DEBT: (
        "Benefit check",
        "Debt advice appointment",
        "Open a credit union account",
    ),
    NeedArea.HOUSING: ("Rent arrears plan", "Tenancy support visit"),
    NeedArea.PHYSICAL_HEALTH: (
        "GP appointment about fitness for work",
        "Condition management course",
    ),
    NeedArea.MENTAL_WELLBEING: ("Talking therapies assessment", "Wellbeing group"),
    NeedArea.DRUGS_ALCOHOL: ("Recovery group", "Keyworker session at the treatment service"),
    NeedArea.OFFENDING: ("Disclosure workshop", "Meet probation officer"),
    NeedArea.FAMILY_RELATIONSHIPS: ("Childcare place", "Family support visit"),
    NeedArea.CONFIDENCE_MOTIVATION: ("Volunteering taster", "Confidence course"),
    NeedArea.BASIC_DIGITAL_SKILLS: (
        "Digital skills course",
        "English for speakers of other languages",
    ),
    NeedArea.PRACTICAL_BARRIERS: ("Apply for photo ID", "Bus pass for the first month"),
}
CLOSURE_NOTES = {
    Case.ClosureReason.EMPLOYMENT: "Started work and settled in.",
    Case.ClosureReason.GOALS_MET: "Met the goals we agreed.",
    Case.ClosureReason.DISENGAGED: "No contact for three months despite letters and calls.",
    Case.ClosureReason.MOVED_AWAY: "Moved out of Northvale.",
    Case.ClosureReason.TRANSFERRED_OUT: "Another service took over.",
}
CONTACT_NOTES = (
    "Talked through the plan; keen to get started.",
    "Missed the appointment; rang and rebooked for next week.",
    "Went through the budget together and sorted the priority bills.",
    "Practised interview questions; much more confident.",
    "Home visit: the flat is damp, reported it to the landlord together.",
    "Group session on CVs; came along and joined in.",
)
CHUNK = 2000


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _reference(ctx: DemoContext, used: set[str]) -> str:
    while True:
        reference = "C" + "".join(ctx.rng.choice(REFERENCE_ALPHABET) for _ in range(7))
        if reference not in used:
            used.add(reference)
            return reference


def build_cases(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    programmes = [Programme.objects.get(name="Employment and skills support")] + [
        Programme.objects.create(id=ctx.uuid(), name=name, description=text)
        for name, text in PROGRAMMES
    ]
    key_workers: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.filter(role=Role.KEY_WORKER, user__is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
    ):
        key_workers[org_id].append(user_id)
    WorkerCapacity.objects.bulk_create(
        WorkerCapacity(
            id=ctx.uuid(),
            user_id=user_id,
            full_time_points=60,
            fte=ctx.rng.choice(("1.00", "1.00", "1.00", "0.60", "0.80")),
            specialisms=ctx.rng.sample(NeedArea.values, ctx.rng.randint(0, 2)),
        )
        for ids in key_workers.values()
        for user_id in ids
    )
    helpers: dict[str, list[Any]] = defaultdict(list)
    for need, org_id in (
        ServiceNeed.objects.filter(service__status=Service.Status.ACTIVE)
        .order_by("need", "service__name")
        .values_list("need", "service__organisation_id")
    ):
        helpers[need].append(org_id)
    categories = dict(
        ScaleArea.objects.filter(scale__active=True).values_list("need_area", "category")
    )
    staff: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.filter(
            role__in=(Role.KEY_WORKER, Role.PARTNER_PRACTITIONER), user__is_active=True
        )
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
    ):
        staff[org_id].append(user_id)

    starts: list[tuple[Any, Any, Any, date, list[str], Any]] = []
    handed = set()
    for triage_id, person_id, org_id, key_worker_id, completed, needs in (
        Triage.objects.filter(outcome=Triage.Outcome.OPEN_CASE)
        .order_by("completed_on", "id")
        .values_list(
            "id",
            "person_id",
            "organisation_id",
            "key_worker_id",
            "completed_on",
            "identified_needs",
        )
    ):
        handed.add(person_id)
        if (ctx.today - timezone.localdate(completed)).days < 10 and ctx.rng.random() < 0.5:
            continue  # handed over days ago: waiting on the key worker's "my work"
        opened = timezone.localdate(completed) + timedelta(days=1)
        starts.append((person_id, org_id, key_worker_id, min(opened, ctx.today), needs, triage_id))
    for person_id, org_id, assessed_on in (
        Assessment.objects.filter(kind=Assessment.Kind.TRIAGE)
        .exclude(person_id__in=handed)
        .order_by("assessed_on", "id")
        .values_list("person_id", "organisation_id", "assessed_on")
    ):
        if ctx.rng.random() >= DIRECT_SHARE:
            continue
        if not key_workers.get(org_id):
            org_id = organisations["council"].pk  # the hub's key workers lead it
        needs = ctx.rng.sample(NeedArea.values, ctx.rng.randint(1, 4))
        opened = min(assessed_on + timedelta(days=ctx.rng.randint(1, 14)), ctx.today)
        starts.append((person_id, org_id, ctx.rng.choice(key_workers[org_id]), opened, needs, None))

    used: set[str] = set()
    cases: list[Case] = []
    events: list[CaseEvent] = []
    goals: list[Goal] = []
    actions: list[Action] = []
    contacts: list[Contact] = []
    for person_id, org_id, key_worker_id, opened, needs, triage_id in starts:
        age = (ctx.today - opened).days
        status = ctx.rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
        if age < 60 and status in (Case.Status.CLOSED, Case.Status.REOPENED):
            status = Case.Status.OPEN
        case = Case(
            id=ctx.uuid(),
            reference=_reference(ctx, used),
            person_id=person_id,
            programme=ctx.rng.choices(programmes, (60, 15, 25))[0],
            organisation_id=org_id,
            key_worker_id=key_worker_id,
            triage_id=triage_id,
            status=status,
            opened_on=opened,
            created_on=_at(opened),
            created_by_id=key_worker_id,
        )
        events.append(_event(ctx, case, CaseEvent.Kind.OPENED, opened, key_worker_id))
        if status in (Case.Status.CLOSED, Case.Status.REOPENED):
            closed = opened + timedelta(days=ctx.rng.randint(40, max(41, age - 10)))
            reason = ctx.rng.choice(list(CLOSURE_NOTES))
            case.closed_on = closed if status == Case.Status.CLOSED else None
            case.closure_reason = reason
            case.closure_note = CLOSURE_NOTES[reason]
            events.append(
                _event(
                    ctx, case, CaseEvent.Kind.CLOSED, closed, key_worker_id, CLOSURE_NOTES[reason]
                )
            )
            if status == Case.Status.REOPENED:
                again = min(closed + timedelta(days=ctx.rng.randint(5, 60)), ctx.today)
                events.append(
                    _event(
                        ctx,
                        case,
                        CaseEvent.Kind.REOPENED,
                        again,
                        key_worker_id,
                        "Asked for help again.",
                    )
                )
        elif status == Case.Status.PAUSED:
            paused = opened + timedelta(days=ctx.rng.randint(0, max(0, age)))
            events.append(
                _event(
                    ctx,
                    case,
                    CaseEvent.Kind.PAUSED,
                    paused,
                    key_worker_id,
                    "In hospital for a few weeks.",
                )
            )
        cases.append(case)
        end = case.closed_on or ctx.today
        for _ in range(ctx.rng.randint(1, 6)):
            need = ctx.rng.choice([*list(needs)[:3], ""])
            contacts.append(
                Contact(
                    id=ctx.uuid(),
                    case=case,
                    happened_on=opened
                    + timedelta(days=ctx.rng.randint(0, max(0, (end - opened).days))),
                    kind=ctx.rng.choice(Contact.Kind.values),
                    organisation_id=org_id,
                    duration_minutes=ctx.rng.choice((15, 30, 45, 60, None)),
                    note=ctx.rng.choice(CONTACT_NOTES),
                    category=categories.get(need, IDENTITY) if need else IDENTITY,
                    created_on=_at(opened),
                    created_by_id=key_worker_id,
                )
            )
        for need in list(needs)[:3]:
            goal = Goal(
                id=ctx.uuid(),
                case=case,
                need_area=need,
                description=GOALS[NeedArea(need)],
                category=categories.get(need, IDENTITY),
                status=Goal.Status.ACHIEVED
                if case.status == Case.Status.CLOSED and ctx.rng.random() < 0.6
                else Goal.Status.ACTIVE,
                created_on=_at(opened),
                created_by_id=key_worker_id,
            )
            goals.append(goal)
            for text in ctx.rng.sample(ACTIONS[NeedArea(need)], ctx.rng.randint(1, 2)):
                owner_org = ctx.rng.choice(helpers.get(need) or [org_id])
                due = opened + timedelta(days=ctx.rng.randint(7, 90))
                done = due <= end and ctx.rng.random() < 0.75
                open_status = (
                    Action.Status.IN_PROGRESS
                    if ctx.rng.random() < 0.4
                    else Action.Status.NOT_STARTED
                )
                actions.append(
                    Action(
                        id=ctx.uuid(),
                        case=case,
                        goal=goal,
                        description=text,
                        owner_organisation_id=owner_org,
                        owner_id=ctx.rng.choice(staff[owner_org])
                        if staff.get(owner_org) and ctx.rng.random() < 0.5
                        else None,
                        due_on=due,
                        status=Action.Status.DONE
                        if done
                        else (
                            Action.Status.CANCELLED
                            if case.status == Case.Status.CLOSED
                            else open_status
                        ),
                        completed_on=min(due, end) if done else None,
                        category=goal.category,
                        created_on=_at(opened),
                        created_by_id=key_worker_id,
                    )
                )
    Case.objects.bulk_create(cases, batch_size=CHUNK)
    CaseEvent.objects.bulk_create(events, batch_size=CHUNK)
    Goal.objects.bulk_create(goals, batch_size=CHUNK)
    Action.objects.bulk_create(actions, batch_size=CHUNK)
    Contact.objects.bulk_create(contacts, batch_size=CHUNK)
    # Each triage's handoff was taken the day its case opened.
    opened_on = {c.triage_id: c.opened_on for c in cases if c.triage_id}
    taken = list(Triage.objects.filter(pk__in=list(opened_on)))
    for triage in taken:
        triage.case_opened_on = _at(opened_on[triage.pk])
    Triage.objects.bulk_update(taken, ["case_opened_on"], batch_size=CHUNK)


def _event(
    ctx: DemoContext, case: Case, kind: str, day: date, user_id: Any, reason: str = ""
) -> CaseEvent:
    return CaseEvent(
        id=ctx.uuid(),
        case=case,
        kind=kind,
        reason=reason,
        created_on=_at(day),
        created_by_id=user_id,
    )
