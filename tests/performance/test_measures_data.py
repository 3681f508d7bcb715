"""A small, hand-built partnership for the performance measure tests, where every figure is known.
Records are made directly (this is test set-up, not the code under test)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from joinedup.accounts.models import Membership, Organisation, User
from joinedup.accounts.roles import Role
from joinedup.assessments.models import AreaScore, Assessment, AssessmentScale, ScaleArea
from joinedup.cases.models import Action, Case, Goal, Programme
from joinedup.outcomes.models import Outcome
from joinedup.people.models import Person
from joinedup.referrals.models import Referral
from joinedup.triage.models import Triage

from ..factories import OrganisationFactory, TeamFactory, UserFactory

_numbers = itertools.count(1)


def moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def person(org: Organisation, name: str, lsoa: str = "") -> Person:
    given, family = name.split(" ", 1)
    return Person.objects.create(
        given_name=given, family_name=family, registered_by=org, lsoa_code=lsoa
    )


def case(
    who: Person,
    org: Organisation,
    worker: User,
    opened: date,
    *,
    closed: date | None = None,
    programme: Programme | None = None,
) -> Case:
    return Case.objects.create(
        reference=f"C{next(_numbers):07d}",
        person=who,
        programme=programme or Programme.objects.order_by("name").first(),
        organisation=org,
        key_worker=worker,
        status=Case.Status.CLOSED if closed else Case.Status.OPEN,
        opened_on=opened,
        closed_on=closed,
    )


def created_on(record: Any, day: date) -> Any:
    type(record).objects.filter(pk=record.pk).update(created_on=moment(day))
    return record


def goal(on: Case, day: date) -> Goal:
    made = Goal.objects.create(
        case=on, need_area="work_skills", description="Find work", category="work_skills"
    )
    return created_on(made, day)


def action(
    on: Case,
    owner: Organisation,
    due: date,
    *,
    done: date | None = None,
    status: str | None = None,
    created: date | None = None,
) -> Action:
    made = Action.objects.create(
        case=on,
        description="Do the thing",
        owner_organisation=owner,
        due_on=due,
        status=status or (Action.Status.DONE if done else Action.Status.NOT_STARTED),
        completed_on=done,
        category="work_skills",
    )
    return created_on(made, created or due)


def outcome(on: Case, kind: str, day: date, **fields: Any) -> Outcome:
    return Outcome.objects.create(
        case=on,
        person=on.person,
        organisation=on.organisation,
        kind=kind,
        category="money_debt" if kind in ("debt_reduced", "income_gained") else "work_skills",
        achieved_on=day,
        **fields,
    )


def referral(
    who: Person | None,
    to: Organisation,
    received: date,
    respond_by: date,
    *,
    responded: date | None = None,
    team: Any = None,
) -> Referral:
    return Referral.objects.create(
        reference=f"R{next(_numbers):07d}",
        person=who,
        source=Referral.Source.STAFF,
        to_organisation=to,
        to_team=team,
        reason="Needs help",
        status=Referral.Status.ACCEPTED if responded else Referral.Status.NEW,
        received_on=moment(received),
        respond_by=respond_by,
        responded_on=moment(responded, 16) if responded else None,
    )


def triage(made: Referral, org: Organisation, worker: User, completed: date) -> Triage:
    scale = AssessmentScale.objects.filter(active=True).order_by("name").first()
    unscored = Assessment.objects.create(
        person=made.person,
        scale=scale,
        kind=Assessment.Kind.TRIAGE,
        assessed_on=completed,
        assessor=worker,
        organisation=org,
    )
    return Triage.objects.create(
        assessment=unscored,
        referral=made,
        person=made.person,
        organisation=org,
        triaged_by=worker,
        outcome=Triage.Outcome.OPEN_CASE,
        completed_on=moment(completed, 15),
    )


def assessment(
    who: Person, org: Organisation, worker: User, day: date, scores: list[tuple[int, bool]]
) -> Assessment:
    """An assessment scoring the shipped scale's areas in order: (score, complex issue)."""
    scale = AssessmentScale.objects.filter(active=True).order_by("name").first()
    made = Assessment.objects.create(
        person=who,
        scale=scale,
        kind=Assessment.Kind.REVIEW,
        assessed_on=day,
        assessor=worker,
        organisation=org,
    )
    areas = list(ScaleArea.objects.filter(scale=scale).order_by("order"))
    AreaScore.objects.bulk_create(
        AreaScore(
            id=uuid.uuid4(),
            assessment=made,
            area=area,
            score=score,
            complex_issue=is_complex,
            category=area.category,
        )
        for area, (score, is_complex) in zip(areas, scores, strict=False)
    )
    return made


def pounds(value: str) -> Decimal:
    return Decimal(value)


@dataclass
class Partnership:
    council: Organisation
    cab: Organisation
    council_worker: User
    cab_worker: User
    analyst: User
    team: Any
    other_programme: Programme
    people: dict[str, Any]


def build_partnership() -> Partnership:
    """The partnership every measure test counts; see the comments for what each record is for."""
    council = OrganisationFactory(name="Northvale Council")
    cab = OrganisationFactory(name="Citizens Advice", organisation_type="voluntary")
    team = TeamFactory(organisation=council, name="Employment Hub")
    kw_c = UserFactory(organisation=council, roles=[], full_name="Kim Council")
    Membership.objects.create(user=kw_c, role=Role.KEY_WORKER, team=team)
    kw_b = UserFactory(organisation=cab, roles=[Role.KEY_WORKER], full_name="Bo Cab")
    analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
    other = Programme.objects.create(name="Money matters")

    p1 = person(council, "Ada One", "E01000001")
    p2 = person(council, "Ben Two", "E01000001")
    p3 = person(council, "Cat Three", "E01000002")
    p4 = person(cab, "Dan Four", "E01000002")
    p5 = person(cab, "Eve Five")
    p6 = person(council, "Fay Six", "E01000003")

    c1 = case(p1, council, kw_c, date(2025, 1, 1))  # opened on the first day
    case(p2, council, kw_c, date(2024, 6, 1), closed=date(2024, 12, 31))  # before
    case(p3, council, kw_c, date(2024, 6, 1), closed=date(2025, 1, 1))  # closed day one
    c4 = case(p4, cab, kw_b, date(2025, 12, 31))  # opened on the last day
    case(p5, cab, kw_b, date(2026, 1, 1))  # after
    c6 = case(p1, cab, kw_b, date(2025, 3, 1), programme=other)  # a Saturday
    c7 = case(p6, council, kw_c, date(2025, 12, 19))  # the Friday before Christmas

    # Plans: c1 on its 10th working day, c6 a working day late, c4 none, c7 over Christmas.
    goal(c1, date(2025, 1, 15))
    goal(c7, date(2026, 1, 7))

    # Referrals (received, answer by, answered).
    r1 = referral(
        p1, council, date(2025, 1, 1), date(2025, 1, 8), responded=date(2025, 1, 8), team=team
    )
    referral(p3, council, date(2025, 12, 31), date(2026, 1, 7), responded=date(2026, 1, 9))
    referral(p4, cab, date(2025, 6, 1), date(2025, 6, 6))
    r4 = referral(p2, council, date(2024, 12, 31), date(2025, 1, 8), responded=date(2025, 1, 2))
    referral(None, cab, date(2025, 7, 1), date(2026, 3, 1))  # not due yet
    triage(r1, council, kw_c, date(2025, 1, 2))
    triage(r4, council, kw_c, date(2024, 12, 31))

    # Partner actions.
    action(c1, council, date(2025, 2, 1), done=date(2025, 2, 1))
    action(c1, cab, date(2025, 3, 1), done=date(2025, 3, 2))
    action(c6, cab, date(2025, 4, 1), created=date(2025, 3, 17))
    action(c1, council, date(2025, 5, 1), status=Action.Status.CANCELLED)
    action(c1, council, date(2026, 1, 10), created=date(2025, 12, 1))

    # Outcomes.
    outcome(c1, "training_started", date(2025, 2, 1))
    outcome(c1, "qualification", date(2025, 12, 31))
    outcome(c4, "training_completed", date(2026, 1, 1))
    outcome(c1, "volunteering", date(2025, 5, 1))
    j1 = outcome(c1, "job_start", date(2025, 3, 1))
    outcome(c6, "job_start", date(2025, 10, 1))
    outcome(c4, "job_start", date(2026, 1, 15))
    outcome(c7, "job_start", date(2025, 12, 31))
    outcome(c1, "job_sustained", date(2025, 5, 31), job_start=j1, weeks=13)
    outcome(c1, "job_sustained", date(2025, 8, 30), job_start=j1, weeks=26)
    outcome(
        c1, "debt_reduced", date(2025, 4, 1), debt_before=Decimal(1000), debt_after=Decimal(250)
    )
    outcome(c4, "debt_reduced", date(2025, 12, 31), debt_before=Decimal(500), debt_after=Decimal(0))
    outcome(c1, "debt_reduced", date(2024, 12, 1), debt_before=Decimal(99), debt_after=Decimal(0))
    outcome(c7, "income_gained", date(2025, 12, 1), income_gained_per_year=Decimal("5200.50"))

    # Assessments: p1 had 4 complex issues and improved in 2 areas; p4 had 5 and improved in
    # 1; p3 had only 3; p6 was assessed once.
    assessment(
        p1,
        council,
        kw_c,
        date(2025, 1, 5),
        [(2, True), (2, True), (3, True), (2, True), (5, False)],
    )
    assessment(
        p1,
        council,
        kw_c,
        date(2025, 6, 1),
        [(4, False), (3, False), (3, True), (2, True), (5, False)],
    )
    assessment(p4, cab, kw_b, date(2025, 6, 1), [(1, True)] * 5)
    assessment(
        p4, cab, kw_b, date(2025, 12, 31), [(2, True), (1, True), (1, True), (1, True), (1, True)]
    )
    assessment(p3, council, kw_c, date(2025, 1, 5), [(1, True)] * 3 + [(5, False)] * 2)
    assessment(p3, council, kw_c, date(2025, 6, 5), [(6, False)] * 5)
    assessment(p6, council, kw_c, date(2025, 12, 20), [(1, True)] * 5)
    return Partnership(
        council=council,
        cab=cab,
        council_worker=kw_c,
        cab_worker=kw_b,
        analyst=analyst,
        team=team,
        other_programme=other,
        people={"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6},
    )
