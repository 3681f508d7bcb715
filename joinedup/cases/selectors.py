"""Reads for cases: one case with its plan (filtered by category), a key worker's caseload,
the team's workload weighted by complexity, and "my work". Each read of personal data asks the
access policy and is audited; lists load in a fixed number of queries whatever their size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.assessments.models import AreaScore, Assessment, ComplexityRating
from joinedup.assessments.rag import AMBER, RATING_LABELS
from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.referrals.models import Referral
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import Consent
from joinedup.sharing.policy import access_to_people, access_to_person, works_with_people
from joinedup.triage.models import Triage

from .models import (
    Action,
    Attachment,
    Case,
    CaseEvent,
    ComplexityWeight,
    Contact,
    Goal,
    WorkerCapacity,
)

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.sharing.policy import PersonAccess

TAG_CLASSES = {"R": "govuk-tag--red", "A": "govuk-tag--orange", "G": "govuk-tag--green"}
#: A case counts as Amber for workload until it has a rating.
UNRATED = AMBER
DEFAULT_CAPACITY_POINTS = 60
#: The newest contacts shown on the case page.
CONTACTS_SHOWN = 50


def held_basis(access: PersonAccess, category: str, holder: Any) -> str:
    """For the audit record: the basis on which the actor sees ``category`` of a record held by
    ``holder`` (the case's lead organisation, a contact's or an attachment's organisation)."""
    return access.decide(category, holder).basis.value


def _require_people_work(actor: Actor) -> None:
    if not works_with_people(actor):
        raise Http404


@dataclass
class CaseView:
    case: Case
    access: PersonAccess
    goals: list[Goal]
    actions: list[Action]
    #: Actions not shown: their category is not one the viewer may see.
    hidden_actions: int
    events: list[CaseEvent]
    rating: str | None
    is_lead: bool
    cross_referrals: list[Referral] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    hidden_contacts: int = 0

    @property
    def rating_label(self) -> str:
        return RATING_LABELS.get(self.rating or "", "Not rated")

    @property
    def rating_tag(self) -> str:
        return TAG_CLASSES.get(self.rating or "", "govuk-tag--grey")

    @property
    def plan(self) -> list[tuple[Goal, list[Action]]]:
        """Each goal the viewer may see with its actions they may see."""
        return [(g, [a for a in self.actions if a.goal_id == g.pk]) for g in self.goals]

    @property
    def actions_without_goal(self) -> list[Action]:
        """Actions with no goal, or whose goal the viewer may not see."""
        shown = {g.pk for g in self.goals}
        return [a for a in self.actions if a.goal_id not in shown]


def _current_ratings(person_ids: list[Any]) -> dict[Any, str]:
    """Each person's current complexity rating (the newest), in one query."""
    newest = ComplexityRating.objects.filter(person_id=OuterRef("person_id")).order_by(
        "-created_on"
    )
    rows = (
        ComplexityRating.objects.filter(person_id__in=person_ids)
        .filter(pk=Subquery(newest.values("pk")[:1]))
        .values_list("person_id", "rating")
    )
    return dict(rows)


def _load_case(case_id: Any) -> Case:
    try:
        return Case.objects.select_related("person", "programme", "organisation", "key_worker").get(
            pk=case_id
        )
    except (Case.DoesNotExist, ValueError) as exc:
        raise Http404("No such case.") from exc


def case_detail(*, actor: Actor, case_id: Any) -> CaseView:
    """The case for anyone whose organisation may see who the person is (the lead
    organisation's own record, or consent, a lawful basis or break-glass); the plan's goals and
    actions filtered by category, except that an organisation always sees the actions it owns.
    Audited with the categories shown."""
    _require_people_work(actor)
    case = _load_case(case_id)
    access = access_to_person(actor=actor, person=case.person)
    holder = case.organisation_id
    if not access.allows(IDENTITY, holder):
        raise Http404("No such case.")
    goals = [g for g in case.goals.all() if access.allows(g.category, holder)]
    all_actions = list(
        case.actions.select_related("owner_organisation", "owner", "goal").order_by(
            "due_on", "created_on"
        )
    )
    actions = [
        a
        for a in all_actions
        if a.owner_organisation_id == actor.organisation_id or access.allows(a.category, holder)
    ]
    events = list(case.events.select_related("created_by").order_by("created_on"))
    lead = case.organisation_id == actor.organisation_id
    cross_referrals = [
        link.referral
        for link in case.cross_referrals.select_related(
            "referral__to_organisation", "referral__to_service"
        )
        if lead or link.referral.to_organisation_id == actor.organisation_id
    ]
    ratings = _current_ratings([case.person_id])
    all_contacts = list(
        case.contacts.select_related("organisation", "created_by")
        .prefetch_related("attachments")
        .order_by("-happened_on", "-created_on")[:CONTACTS_SHOWN]
    )
    contacts = [
        c
        for c in all_contacts
        if c.organisation_id == actor.organisation_id
        or access.allows(c.category, c.organisation_id)
    ]
    shown = (
        {IDENTITY}
        | {g.category for g in goals}
        | {a.category for a in actions}
        | {c.category for c in contacts}
    )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=case.person_id,
            categories=sorted(shown),
            basis=held_basis(access, IDENTITY, holder),
            detail={"page": "case", "case": case.reference},
        )
    return CaseView(
        case=case,
        access=access,
        goals=goals,
        actions=actions,
        hidden_actions=len(all_actions) - len(actions),
        events=events,
        rating=ratings.get(case.person_id),
        is_lead=lead,
        cross_referrals=cross_referrals,
        contacts=contacts,
        hidden_contacts=len(all_contacts) - len(contacts),
    )


def case_for_change(*, actor: Actor, case_id: Any, page: str = "case change") -> Case:
    """The case for its lead organisation's pages that change it (audited as a look at
    ``page``); any other organisation gets a 404 (rule 5)."""
    _require_people_work(actor)
    case = _load_case(case_id)
    if case.organisation_id != actor.organisation_id:
        raise Http404("No such case.")
    access = access_to_person(actor=actor, person=case.person)
    if not access.allows(IDENTITY):
        raise Http404("No such case.")
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=case.person_id,
            categories=[IDENTITY],
            basis=held_basis(access, IDENTITY, case.organisation_id),
            detail={"page": page, "case": case.reference},
        )
    return case


def action_for_update(*, actor: Actor, action_id: Any) -> Action:
    """An action, for the lead organisation or the owning organisation (audited)."""
    _require_people_work(actor)
    try:
        action = Action.objects.select_related(
            "case__person", "case__organisation", "owner_organisation", "owner", "goal"
        ).get(pk=action_id)
    except (Action.DoesNotExist, ValueError) as exc:
        raise Http404("No such action.") from exc
    if actor.organisation_id not in (action.owner_organisation_id, action.case.organisation_id):
        raise Http404("No such action.")
    access = access_to_person(actor=actor, person=action.case.person)
    if not access.allows(IDENTITY):
        raise Http404("No such action.")  # an owner with no basis for the person sees nothing
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=action.case.person_id,
            categories=sorted({IDENTITY, action.category}),
            basis=held_basis(access, action.category, action.owner_organisation_id)
            if action.owner_organisation_id == actor.organisation_id
            else held_basis(access, action.category, action.case.organisation_id),
            detail={"page": "action", "case": action.case.reference, "action": str(action.pk)},
        )
    return action


# ----------------------------------------------------------------------------- workload


def complexity_weights() -> dict[str, int]:
    weights = {"R": 3, "A": 2, "G": 1}
    weights.update(dict(ComplexityWeight.objects.values_list("rating", "weight")))
    return weights


@dataclass
class CaseloadRow:
    case: Case
    rating: str | None
    weight: int

    @property
    def rating_label(self) -> str:
        return RATING_LABELS.get(self.rating or "", "Not rated")

    @property
    def rating_tag(self) -> str:
        return TAG_CLASSES.get(self.rating or "", "govuk-tag--grey")


def caseload(*, actor: Actor, key_worker_id: Any = None) -> list[CaseloadRow]:
    """A key worker's active cases (by default the actor's own), with each person's current
    rating and the case's weight. Another worker's caseload is for their organisation's staff.
    Three queries and one audit write, whatever the caseload."""
    _require_people_work(actor)
    worker_id = key_worker_id or actor.user_id
    cases = list(
        Case.objects.filter(
            key_worker_id=worker_id,
            organisation_id=actor.org,
            status__in=Case.ACTIVE_STATUSES,
        )
        .select_related("person", "programme")
        .order_by("opened_on", "reference")
    )
    ratings = _current_ratings([c.person_id for c in cases])
    weights = complexity_weights()
    rows = [
        CaseloadRow(
            case=c,
            rating=ratings.get(c.person_id),
            weight=weights.get(ratings.get(c.person_id) or UNRATED, 2),
        )
        for c in cases
    ]
    with transaction.atomic():
        record_events(
            actor=actor,
            action="view",
            entries=[
                AuditEntry(
                    person_id=c.person_id,
                    categories=[IDENTITY],
                    basis="own_organisation",
                    detail={"page": "caseload", "case": c.reference},
                )
                for c in cases
            ],
        )
    return rows


@dataclass
class WorkerLoad:
    worker: User
    counts: dict[str, int]
    load: int
    capacity: int
    specialisms: list[str]

    @property
    def ratio(self) -> float:
        return self.load / self.capacity if self.capacity else float("inf")

    @property
    def percent(self) -> int:
        return round(self.ratio * 100) if self.capacity else 999

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity

    @property
    def cases(self) -> int:
        return sum(self.counts.values())

    @property
    def unrated(self) -> int:
        return self.counts.get("", 0)


@dataclass
class TeamWorkload:
    workers: list[WorkerLoad]
    weights: dict[str, int]
    suggested: WorkerLoad | None = None
    need: str = ""


def team_workload(*, actor: Actor, need: str = "") -> TeamWorkload:
    """The load of every active key worker in the actor's organisation: their active cases by
    rating, weighted (Red 3, Amber 2, Green 1 by default; a case not yet rated counts as
    Amber), against their capacity (pro rata for part-time). Suggests who should take a new
    case: the lowest load relative to capacity, preferring a specialist in ``need``. Counts
    only, no one's details: not audited as a look at any record."""
    _require_people_work(actor)
    workers = list(
        User.objects.filter(
            organisation_id=actor.org,
            is_active=True,
            memberships__role=Role.KEY_WORKER,
        )
        .distinct()
        .order_by("full_name")
    )
    capacities = {
        c.user_id: c for c in WorkerCapacity.objects.filter(user__in=[w.pk for w in workers])
    }
    # Counted in the database: at most four rows a key worker, whatever the caseloads
    # (bench/case_pages.py: 13,262 cases, 480 ms to 120 ms).
    newest = ComplexityRating.objects.filter(person_id=OuterRef("person_id")).order_by(
        "-created_on"
    )
    rows = (
        Case.objects.filter(key_worker__in=[w.pk for w in workers], status__in=Case.ACTIVE_STATUSES)
        .annotate(rating=Subquery(newest.values("rating")[:1]))
        .values_list("key_worker_id", "rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    weights = complexity_weights()
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: {"R": 0, "A": 0, "G": 0, "": 0})
    for worker_id, rating, n in rows:
        counts[worker_id][rating or ""] += n
    loads = []
    for worker in workers:
        capacity = capacities.get(worker.pk)
        worker_counts = counts[worker.pk]
        load = sum(n * weights.get(rating or UNRATED, 2) for rating, n in worker_counts.items())
        loads.append(
            WorkerLoad(
                worker=worker,
                counts=worker_counts,
                load=load,
                capacity=capacity.points if capacity else DEFAULT_CAPACITY_POINTS,
                specialisms=list(capacity.specialisms) if capacity else [],
            )
        )
    result = TeamWorkload(workers=loads, weights=weights, need=need)
    candidates = [w for w in loads if w.capacity > 0 and w.load < w.capacity]
    if candidates:
        result.suggested = min(
            candidates, key=lambda w: (need not in w.specialisms if need else False, w.ratio)
        )
    return result


# ----------------------------------------------------------------------------- my work


@dataclass
class MyWork:
    today: date
    actions_overdue: list[Action] = field(default_factory=list)
    actions_due: list[Action] = field(default_factory=list)
    referrals_waiting: int = 0
    referrals_overdue: int = 0
    handoffs: list[Triage] = field(default_factory=list)
    reviews_due: list[tuple[Case, date | None]] = field(default_factory=list)
    reviews_due_total: int = 0
    consents_expiring: list[tuple[Case, date]] = field(default_factory=list)
    sustainment_checks: list[Any] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.actions_overdue
            or self.actions_due
            or self.referrals_waiting
            or self.handoffs
            or self.reviews_due
            or self.consents_expiring
            or self.sustainment_checks
        )


#: How far ahead "my work" looks for actions, consents and checks falling due.
LOOK_AHEAD_DAYS = 14
#: A case's assessment is due a review this long after the last one.
REVIEW_AFTER_DAYS = 84
#: The most actions of each kind (the actor's own; their organisation's with no one named)
#: shown on "my work".
ACTIONS_SHOWN = 25
#: The most reviews due shown (the longest waiting first); the rest are counted.
REVIEWS_SHOWN = 25
#: Unassigned actions of the organisation overdue by more than this are left to the
#: organisation's lists, not everyone's "my work".
OVERDUE_SHOWN_DAYS = 90


def _person_columns(prefix: str) -> list[str]:
    """The person's columns the lists on "my work" show and the policy needs, reached through
    ``prefix`` (for ``only``): loading whole rows for a few hundred people was most of the
    page's time."""
    return [
        prefix,
        *(f"{prefix}__{name}" for name in ("given_name", "family_name", "registered_by")),
    ]


def my_work(*, actor: Actor, today: date, sustainment: Any = None) -> MyWork:
    """Everything waiting for the actor, in a fixed number of queries: actions they own (or
    their organisation owns with no one named) due within two weeks or overdue, referrals
    awaiting their organisation's answer, people triage handed to them, their cases due a
    review, consents on their cases expiring, and (``sustainment``, a callable from outcomes
    returning the checks and their audit entries) job sustainment checks falling due.

    Access is decided once for everyone on the page, and each person shown is audited in one
    batch, written before anything is returned."""
    _require_people_work(actor)
    work = MyWork(today=today)
    known: dict[Any, PersonAccess] = {}
    horizon = today + timedelta(days=LOOK_AHEAD_DAYS)
    # Two queries, each read in due order from its own index (one OR made PostgreSQL walk
    # every open action by date), and each list capped so that one organisation's backlog
    # of old unassigned actions cannot crowd out the actor's own or those due soon.
    open_due = (
        Action.objects.filter(status__in=Action.OPEN_STATUSES, due_on__lte=horizon)
        .filter(case__status__in=Case.ACTIVE_STATUSES)
        .select_related("case__person")
        .only("description", "due_on", "created_on", "case", *_person_columns("case__person"))
    )
    own = list(open_due.filter(owner_id=actor.user_id).order_by("due_on")[:ACTIONS_SHOWN])
    unassigned = list(
        open_due.filter(owner__isnull=True, owner_organisation_id=actor.organisation_id)
        .filter(due_on__gte=today - timedelta(days=OVERDUE_SHOWN_DAYS))
        .order_by("due_on")[:ACTIONS_SHOWN]
    )
    actions = sorted(own + unassigned, key=lambda a: (a.due_on, a.created_on))
    access = access_to_people(actor=actor, people=[a.case.person for a in actions], known=known)
    actions = [a for a in actions if access[a.case.person_id].allows(IDENTITY)]
    work.actions_overdue = [a for a in actions if a.due_on and a.due_on < today]
    work.actions_due = [a for a in actions if a.due_on and a.due_on >= today]

    # Counts only: the inbox shows the referrals themselves.
    waiting = Referral.objects.filter(
        to_organisation_id=actor.organisation_id, status__in=Referral.OPEN_STATUSES
    )
    work.referrals_waiting = waiting.count()
    work.referrals_overdue = waiting.filter(respond_by__lt=today).count()
    work.handoffs = list(
        Triage.objects.filter(
            key_worker_id=actor.user_id,
            outcome=Triage.Outcome.OPEN_CASE,
            case_opened_on__isnull=True,
        )
        .select_related("person")
        .only("completed_on", *_person_columns("person"))
        .order_by("completed_on")
    )
    cases = list(
        Case.objects.filter(key_worker_id=actor.user_id, status__in=Case.ACTIVE_STATUSES)
        .select_related("person")
        .only("reference", "opened_on", *_person_columns("person"))
    )
    last_assessed = dict(
        Assessment.objects.filter(person_id__in=[c.person_id for c in cases])
        .values("person_id")
        .annotate(last=Max("assessed_on"))
        .values_list("person_id", "last")
    )
    due: list[tuple[date, Case, date | None]] = []
    for case in cases:
        last = last_assessed.get(case.person_id)
        since = last if last and last >= case.opened_on else case.opened_on
        if since + timedelta(days=REVIEW_AFTER_DAYS) <= horizon:
            due.append((since, case, last))
    due.sort(key=lambda row: (row[0], row[1].reference))
    work.reviews_due = [(case, last) for _, case, last in due[:REVIEWS_SHOWN]]
    work.reviews_due_total = len(due)
    expiring = (
        Consent.objects.filter(
            person_id__in=[c.person_id for c in cases],
            organisations=actor.organisation_id,
            withdrawn_on__isnull=True,
            given_on__lte=today,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=settings.JOINEDUP_CONSENT_WARNING_DAYS),
        )
        .values("person_id")
        .annotate(first=Min("expires_on"))
    )
    by_person = {c.person_id: c for c in cases}
    work.consents_expiring = [(by_person[row["person_id"]], row["first"]) for row in expiring]
    entries: list[AuditEntry] = []
    if sustainment is not None:
        work.sustainment_checks, entries = sustainment(
            actor=actor, today=today, known=known, page="my work"
        )

    shown = {a.case.person_id: a.case.person for a in actions}
    shown.update({t.person_id: t.person for t in work.handoffs})
    shown.update({c.person_id: c.person for c, _ in work.reviews_due})
    shown.update({c.person_id: c.person for c, _ in work.consents_expiring})
    # Those among the sustainment checks are audited with their work and skills category.
    for entry in entries:
        if entry.person_id is not None:
            shown.pop(entry.person_id, None)
    bases = access_to_people(actor=actor, people=list(shown.values()), known=known)
    entries += [
        AuditEntry(
            person_id=person_id,
            categories=[IDENTITY],
            basis=bases[person_id].audit_basis([IDENTITY])[0],
            detail={"page": "my work"},
        )
        for person_id in sorted(shown, key=str)
    ]
    with transaction.atomic():
        record_events(actor=actor, action="view", entries=entries)
    return work


def handoff_for(*, actor: Actor, person: Any, triage_id: Any) -> Triage | None:
    """The triage handoff a case is being opened from: the actor's organisation's, for this
    person, ending in "open a case" and not yet taken. None when no triage is given; a 404 for
    anything else."""
    if not triage_id:
        return None
    try:
        return Triage.objects.select_related("key_worker").get(
            pk=triage_id,
            person=person,
            organisation_id=actor.org,
            outcome=Triage.Outcome.OPEN_CASE,
            case_opened_on__isnull=True,
        )
    except (Triage.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such handoff.") from exc


def case_outcomes(*, actor: Actor, case: Case, access: PersonAccess | None = None) -> list[Any]:
    """The case's outcomes the actor may see (the outcomes app decides and audits)."""
    from joinedup.outcomes.selectors import outcomes_for_case  # outcomes depends on cases

    return list(outcomes_for_case(actor=actor, case=case, access=access))


def case_for_contact(*, actor: Actor, case_id: Any) -> Case:
    """The case, for recording a contact: the lead organisation or a partner that may see who
    the person is (audited as a look)."""
    from .services import may_record_contact

    _require_people_work(actor)
    case = _load_case(case_id)
    if not may_record_contact(actor, case):
        raise Http404("No such case.")
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=case.person_id,
            categories=[IDENTITY],
            basis=access_to_person(actor=actor, person=case.person).audit_basis([IDENTITY])[0],
            detail={"page": "record a contact", "case": case.reference},
        )
    return case


def attachment_for_download(*, actor: Actor, attachment_id: Any) -> Attachment:
    """An attachment, only for those who may see its contact (its organisation, or a basis for
    its category); audited as a look at that category. Anyone else gets a 404."""
    _require_people_work(actor)
    try:
        attachment = Attachment.objects.select_related("contact__case__person").get(
            pk=attachment_id
        )
    except (Attachment.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such file.") from exc
    contact = attachment.contact
    access = access_to_person(actor=actor, person=contact.case.person)
    if not access.allows(IDENTITY, contact.case.organisation_id) or not (
        contact.organisation_id == actor.organisation_id
        or access.allows(contact.category, contact.organisation_id)
    ):
        raise Http404("No such file.")  # the same check as the case page and the contact
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=contact.case.person_id,
            categories=[contact.category],
            basis=held_basis(access, contact.category, contact.organisation_id),
            detail={"page": "attachment", "attachment": str(attachment.pk)},
        )
    return attachment


@dataclass
class ResidentPlan:
    """The plan as the person is given it: plain English, everything in it (it is theirs)."""

    case: Case
    goals: list[tuple[Goal, list[Action]]]
    other_actions: list[Action]
    generated_on: date


def plan_for_resident(*, actor: Actor, case_id: Any, export_format: str) -> ResidentPlan:
    """The person's own copy of their plan, made by the lead organisation (which holds all of
    it). Audited as an export in ``export_format`` (html or pdf)."""
    _require_people_work(actor)
    case = _load_case(case_id)
    if case.organisation_id != actor.organisation_id:
        raise Http404("No such case.")
    access = access_to_person(actor=actor, person=case.person)
    if not access.allows(IDENTITY):
        raise Http404("No such case.")
    goals = [g for g in case.goals.all() if g.status != Goal.Status.DROPPED]
    actions = [
        a
        for a in case.actions.select_related("owner_organisation", "owner").order_by(
            "due_on", "created_on"
        )
        if a.status != Action.Status.CANCELLED
    ]
    with transaction.atomic():
        record_event(
            actor=actor,
            action="export",
            person_id=case.person_id,
            categories=sorted(
                {IDENTITY} | {g.category for g in goals} | {a.category for a in actions}
            ),
            basis=access.audit_basis([IDENTITY])[0],
            detail={
                "page": "plan for the resident",
                "case": case.reference,
                "format": export_format,
            },
        )
    goal_ids = {g.pk for g in goals}
    return ResidentPlan(
        case=case,
        goals=[(g, [a for a in actions if a.goal_id == g.pk]) for g in goals],
        other_actions=[a for a in actions if a.goal_id not in goal_ids],
        generated_on=timezone.localdate(),
    )


# ----------------------------------------------------------------------------- distance travelled


@dataclass(frozen=True)
class AreaChange:
    name: str
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class DistanceTravelled:
    baseline_on: date | None
    latest_on: date | None
    areas: list[AreaChange]
    hidden_areas: int

    @property
    def chart(self) -> list[tuple[AreaChange, int, int, int]]:
        """For the bar chart: each area with its bar's x, y and width on a 400-wide axis that
        runs from -9 (x=0) through no change (x=200) to +9 (x=400), 20 units a row."""
        rows = []
        for index, area in enumerate(self.areas):
            change = area.change or 0
            width = abs(change) * 200 // 9
            x = 200 - width if change < 0 else 200
            rows.append((area, x, index * 20 + 4, width))
        return rows

    @property
    def chart_height(self) -> int:
        return len(self.areas) * 20 + 8

    @property
    def overall(self) -> float | None:
        """The mean change over the areas scored both times (positive is better)."""
        changes = [a.change for a in self.areas if a.change is not None]
        return round(sum(changes) / len(changes), 1) if changes else None


def _scores_by_assessment(assessment_ids: list[Any]) -> dict[Any, dict[str, tuple[str, str, int]]]:
    rows = AreaScore.objects.filter(
        assessment_id__in=assessment_ids, score__isnull=False
    ).values_list("assessment_id", "area__code", "area__name", "category", "score", "area__order")
    found: dict[Any, dict[str, tuple[str, str, int]]] = defaultdict(dict)
    for assessment_id, code, name, category, score, _order in rows:
        found[assessment_id][code] = (name, category, int(score or 0))
    return found


def _baseline_and_latest(
    assessments: list[tuple[Any, Any, date, Any]], case: Case
) -> tuple[tuple[Any, Any, date, Any] | None, tuple[Any, Any, date, Any] | None]:
    """The case's baseline (its triage's assessment, else the last before it opened, else the
    first after) and the newest assessment after that. ``assessments`` are (id, person,
    date, holder) oldest first."""
    if not assessments:
        return None, None
    triage_assessment = case.triage.assessment_id if case.triage_id and case.triage else None
    baseline = next((a for a in assessments if a[0] == triage_assessment), None)
    if baseline is None:
        before = [a for a in assessments if a[2] < case.opened_on]
        baseline = before[-1] if before else assessments[0]
    later = [a for a in assessments if (a[2], str(a[0])) > (baseline[2], str(baseline[0]))]
    return baseline, (later[-1] if later else None)


def distance_travelled(
    *, actor: Actor, case: Case, access: PersonAccess | None = None
) -> DistanceTravelled:
    """The change in each area between the case's baseline assessment and the latest, for the
    areas the actor may see (by category and holder). Audited with the categories shown.
    ``access``: the decision the page already made for this actor and person, if any."""
    if access is None:
        access = access_to_person(actor=actor, person=case.person)
    assessments = list(
        Assessment.objects.filter(person_id=case.person_id)
        .order_by("assessed_on", "created_on")
        .values_list("id", "person_id", "assessed_on", "organisation_id")
    )
    assessments = [a for a in assessments if access.allows(IDENTITY, a[3])]
    baseline, latest = _baseline_and_latest(assessments, case)
    if baseline is None:
        return DistanceTravelled(None, None, [], 0)
    scores = _scores_by_assessment([baseline[0]] + ([latest[0]] if latest else []))
    before = scores.get(baseline[0], {})
    after = scores.get(latest[0], {}) if latest else {}
    areas: list[AreaChange] = []
    hidden = 0
    shown: set[str] = set()
    for code in dict.fromkeys([*before, *after]):
        name, category, _ = before.get(code) or after[code]
        holders = [baseline[3]] + ([latest[3]] if latest else [])
        if not all(access.allows(category, h) for h in holders):
            hidden += 1
            continue
        shown.add(category)
        areas.append(
            AreaChange(
                name=name,
                before=before[code][2] if code in before else None,
                after=after[code][2] if code in after else None,
            )
        )
    if shown:
        with transaction.atomic():
            record_event(
                actor=actor,
                action="view",
                person_id=case.person_id,
                categories=sorted(shown),
                basis=held_basis(access, IDENTITY, case.organisation_id),
                detail={"page": "distance travelled", "case": case.reference},
            )
    return DistanceTravelled(baseline[2], latest[2] if latest else None, areas, hidden)


@dataclass(frozen=True)
class DistanceGroup:
    name: str
    cases: int
    mean_change: float | None


@dataclass
class DistanceReport:
    by_worker: list[DistanceGroup]
    by_partner: list[DistanceGroup]
    by_programme: list[DistanceGroup]
    cases_with_review: int


def distance_report(*, actor: Actor) -> DistanceReport:
    """Mean distance travelled (the mean change per area between a case's baseline and latest
    assessments) by key worker and programme, over the actor's organisation's cases with at
    least two assessments. Figures only: groups smaller than SMALL_NUMBER_THRESHOLD (5) are
    left out. For team managers and performance analysts; audited."""
    if not actor.user.has_any_role((Role.TEAM_MANAGER, Role.PERFORMANCE_ANALYST)):
        raise Http404
    cases = list(
        Case.objects.filter(organisation_id=actor.org)
        .select_related("key_worker", "organisation", "programme", "triage")
        .only(
            "id",
            "person_id",
            "opened_on",
            "triage__assessment_id",
            "key_worker__full_name",
            "organisation__name",
            "programme__name",
        )
    )
    by_person: dict[Any, list[tuple[Any, Any, date, Any]]] = defaultdict(list)
    for row in (
        Assessment.objects.filter(person_id__in={c.person_id for c in cases})
        .order_by("assessed_on", "created_on")
        .values_list("id", "person_id", "assessed_on", "organisation_id")
    ):
        by_person[row[1]].append(row)
    pairs: list[tuple[Case, Any, Any]] = []
    for case in cases:
        baseline, latest = _baseline_and_latest(by_person.get(case.person_id, []), case)
        if baseline is not None and latest is not None:
            pairs.append((case, baseline[0], latest[0]))
    scores = _scores_by_assessment([p[1] for p in pairs] + [p[2] for p in pairs])
    groups: dict[str, dict[str, list[float]]] = {
        "worker": defaultdict(list),
        "partner": defaultdict(list),
        "programme": defaultdict(list),
    }
    for case, before_id, after_id in pairs:
        before, after = scores.get(before_id, {}), scores.get(after_id, {})
        changes = [after[c][2] - before[c][2] for c in before if c in after]
        if not changes:
            continue
        mean = sum(changes) / len(changes)
        groups["worker"][case.key_worker.full_name].append(mean)
        groups["partner"][case.organisation.name].append(mean)
        groups["programme"][case.programme.name].append(mean)

    threshold = settings.JOINEDUP_SMALL_NUMBER_THRESHOLD

    def summarise(values: dict[str, list[float]]) -> list[DistanceGroup]:
        # Groups of fewer than the threshold are left out: a mean of one or two cases is
        # close to one person's scores.
        return [
            DistanceGroup(name, len(v), round(sum(v) / len(v), 1))
            for name, v in sorted(values.items())
            if len(v) >= threshold
        ]

    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=None,
            categories=[],
            basis="",
            detail={"page": "distance travelled report", "cases": len(pairs)},
        )
    return DistanceReport(
        by_worker=summarise(groups["worker"]),
        by_partner=summarise(groups["partner"]),
        by_programme=summarise(groups["programme"]),
        cases_with_review=sum(len(v) for v in groups["programme"].values()),
    )
