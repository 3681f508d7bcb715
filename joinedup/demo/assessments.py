"""Northvale's assessments: about 35% of residents have had a triage assessment in the last
three years, and some a later review, shaped like the people a multi-agency employment
programme sees (over 70% of those assessed have four or more complex issues). Each assessment
is held by the organisation that registered the person, scored on the shipped "Holistic
assessment" scale and rated with ``rag.rate`` and the active rules, as the service would.

The showcase resident, Jordan Ellis, has a triage (Red) and a review (Amber) by the council's
key worker, so the partners with consent see different parts of the same assessment.

Built with ``bulk_create`` in chunks, so a 100,000-person demo builds in minutes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from joinedup.accounts.models import Membership, Organisation, User
from joinedup.accounts.roles import Role
from joinedup.assessments.defaults import MotivatorTag
from joinedup.assessments.models import (
    AreaScore,
    Assessment,
    AssessmentScale,
    ComplexityRating,
    RagRuleSet,
    ScaleArea,
    WellbeingCheck,
)
from joinedup.assessments.rag import DEFAULT_RULES, RuleValues, rate
from joinedup.people.models import Person

from .context import DemoContext
from .partnership import account_email
from .sharing import SHOWCASE

#: The share of all residents with a triage assessment.
ASSESSED_SHARE = 0.35
#: Of those, the share with a later review.
REVIEW_SHARE = 0.45
#: How many complex issues people have at triage, and how often (73% have four or more).
ISSUE_COUNTS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
ISSUE_WEIGHTS = (4, 6, 8, 9, 19, 19, 15, 10, 6, 4)
#: How often each area is one of a person's complex issues, relative to the others.
AREA_WEIGHTS = {
    "work_skills": 10,
    "money_debt": 9,
    "housing": 6,
    "physical_health": 5,
    "mental_wellbeing": 8,
    "drugs_alcohol": 3,
    "offending": 2,
    "family_relationships": 4,
    "confidence_motivation": 8,
    "basic_digital_skills": 5,
    "practical_barriers": 6,
}
#: Areas often left "not assessed" at triage when the person has no issue there.
SENSITIVE = {"drugs_alcohol", "offending"}
MOTIVATORS = (
    "Wants to show their children that work pays.",
    "Would like to get out of the house and meet people.",
    "Wants to pay off their debts and stop worrying about money.",
    "Used to love working in a kitchen and would like to again.",
    "Wants a place of their own.",
    "Wants to feel useful again.",
)
BARRIERS = (
    "No buses from their estate before 8am.",
    "Childcare only during school hours.",
    "No photo ID or bank account.",
    "Low confidence after a long time out of work.",
    "Caring for a parent most afternoons.",
    "No phone credit for job searching.",
)
CHUNK = 2000
RECORD_KEEPING = (Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER)


@dataclass
class _Batch:
    assessments: list[Assessment] = field(default_factory=list)
    scores: list[AreaScore] = field(default_factory=list)
    wellbeing: list[WellbeingCheck] = field(default_factory=list)
    ratings: list[ComplexityRating] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.assessments)

    def flush(self) -> None:
        Assessment.objects.bulk_create(self.assessments, batch_size=CHUNK)
        AreaScore.objects.bulk_create(self.scores, batch_size=CHUNK)
        WellbeingCheck.objects.bulk_create(self.wellbeing, batch_size=CHUNK)
        ComplexityRating.objects.bulk_create(self.ratings, batch_size=CHUNK)
        self.assessments, self.scores, self.wellbeing, self.ratings = [], [], [], []


@dataclass(frozen=True)
class _Setting:
    ctx: DemoContext
    areas: list[ScaleArea]
    scale: AssessmentScale
    rule_set: RagRuleSet | None
    rules: RuleValues


def _at(ctx: DemoContext, day: date) -> datetime:
    minutes = ctx.rng.randint(0, 8 * 60)
    return timezone.make_aware(datetime.combine(day, time(9, 0))) + timedelta(minutes=minutes)


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _triage_scores(ctx: DemoContext, areas: list[ScaleArea]) -> dict[str, tuple[int | None, bool]]:
    count = ctx.rng.choices(ISSUE_COUNTS, weights=ISSUE_WEIGHTS)[0]
    # A weighted sample without replacement (Efraimidis-Spirakis): the largest u^(1/weight).
    keyed = sorted(areas, key=lambda a: ctx.rng.random() ** (1 / AREA_WEIGHTS.get(a.code, 5)))
    issues = {a.code for a in keyed[-count:]} if count else set()
    scores: dict[str, tuple[int | None, bool]] = {}
    for area in areas:
        if area.code in issues:
            if ctx.rng.random() < 0.15:  # judged complex although the score is middling
                scores[area.code] = (ctx.rng.randint(4, 5), True)
            else:
                scores[area.code] = (ctx.rng.randint(1, 3), ctx.rng.random() < 0.2)
        elif area.code in SENSITIVE and ctx.rng.random() < 0.3:
            scores[area.code] = (None, False)
        else:
            scores[area.code] = (
                ctx.rng.choices(range(4, 11), weights=(3, 5, 6, 6, 5, 3, 2))[0],
                False,
            )
    return scores


def _review_scores(
    ctx: DemoContext, before: dict[str, tuple[int | None, bool]]
) -> dict[str, tuple[int | None, bool]]:
    """Most people move forward a little between triage and review; some slip back."""
    after: dict[str, tuple[int | None, bool]] = {}
    for code, (score, flag) in before.items():
        if score is None:
            after[code] = (None, False)
            continue
        moved = _clamp(score + ctx.rng.choices((-1, 0, 1, 2, 3), weights=(1, 3, 4, 3, 1))[0], 1, 10)
        after[code] = (moved, flag and ctx.rng.random() < 0.5)
    return after


def _add(
    batch: _Batch,
    setting: _Setting,
    *,
    person_id: uuid.UUID,
    organisation_id: uuid.UUID,
    assessor_id: uuid.UUID,
    kind: str,
    day: date,
    scores: dict[str, tuple[int | None, bool]],
    safeguarding: bool,
    notes: dict[str, str] | None = None,
    motivators: str = "",
    tags: list[str] | None = None,
    barriers: str = "",
) -> None:
    ctx = setting.ctx
    when = _at(ctx, day)
    assessment = Assessment(
        id=ctx.uuid(),
        person_id=person_id,
        scale_id=setting.scale.pk,
        kind=kind,
        assessed_on=day,
        assessor_id=assessor_id,
        organisation_id=organisation_id,
        motivators=motivators,
        motivator_tags=tags or [],
        barriers=barriers,
        safeguarding_concern=safeguarding,
        safeguarding_note=(
            "Disclosed financial control by a partner; referred under safeguarding procedures."
            if safeguarding
            else ""
        ),
        created_on=when,
        created_by_id=assessor_id,
    )
    batch.assessments.append(assessment)
    for area in setting.areas:
        score, flag = scores[area.code]
        batch.scores.append(
            AreaScore(
                id=ctx.uuid(),
                assessment_id=assessment.id,
                area_id=area.pk,
                score=score,
                complex_issue=flag,
                note=(notes or {}).get(area.code, ""),
                category=area.category,
                created_on=when,
                created_by_id=assessor_id,
            )
        )
    issues = sum(1 for s, f in scores.values() if f or (s is not None and s <= 3))
    if ctx.rng.random() < 0.6:
        base = 7.5 - 0.5 * issues + ctx.rng.uniform(-1.5, 1.5)
        batch.wellbeing.append(
            WellbeingCheck(
                id=ctx.uuid(),
                assessment_id=assessment.id,
                life_satisfaction=_clamp(base, 0, 10),
                worthwhile=_clamp(base + ctx.rng.uniform(-1, 2), 0, 10),
                happiness=_clamp(base + ctx.rng.uniform(-2, 1.5), 0, 10),
                anxiety=(
                    _clamp(10 - base + ctx.rng.uniform(-2, 2), 0, 10)
                    if ctx.rng.random() < 0.95
                    else None
                ),
                created_on=when,
                created_by_id=assessor_id,
            )
        )
    result = rate(
        scores=[(a.name, *scores[a.code]) for a in setting.areas],
        safeguarding=safeguarding,
        rules=setting.rules,
    )
    batch.ratings.append(
        ComplexityRating(
            id=ctx.uuid(),
            person_id=person_id,
            assessment_id=assessment.id,
            rating=result.rating,
            explanation=result.explanation,
            issue_areas=list(result.issue_areas),
            safeguarding_raised=result.raised_by_safeguarding,
            rule_set_id=setting.rule_set.pk if setting.rule_set else None,
            rated_by_id=assessor_id,
            organisation_id=organisation_id,
            created_on=when,
            created_by_id=assessor_id,
        )
    )


def build_assessments(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    """Give about 35% of the demo's residents a triage assessment, and some a review."""
    scale = AssessmentScale.objects.filter(active=True).order_by("-created_on").first()
    if scale is None:
        return  # an admin removed every scale: nothing to assess with
    areas = list(scale.areas.order_by("order", "name"))
    rule_set = RagRuleSet.objects.filter(active=True).first()
    setting = _Setting(
        ctx=ctx,
        areas=areas,
        scale=scale,
        rule_set=rule_set,
        rules=rule_set.values() if rule_set is not None else DEFAULT_RULES,
    )
    assessors: dict[uuid.UUID, list[uuid.UUID]] = {}
    for user_id, org_id in (
        Membership.objects.filter(role__in=RECORD_KEEPING, user__is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
        .distinct()
    ):
        assessors.setdefault(org_id, []).append(user_id)
    council = organisations["council"]
    showcase = _showcase(ctx, setting, council)
    people = list(
        Person.objects.exclude(pk__in=[showcase] if showcase else [])
        .order_by("id")
        .values_list("id", "registered_by_id", "date_of_birth")
    )
    adult_cutoff = ctx.today - timedelta(days=16 * 365)
    adults = [p for p in people if p[2] is not None and p[2] <= adult_cutoff]
    chance = min(1.0, ASSESSED_SHARE * (len(people) + 1) / max(1, len(adults)))
    batch = _Batch()
    for person_id, registered_by_id, _dob in adults:
        if ctx.rng.random() >= chance:
            continue
        org_id = registered_by_id if assessors.get(registered_by_id) else council.pk
        assessor_id = ctx.rng.choice(assessors[org_id])
        ago = ctx.rng.randint(20, 3 * 365)
        triage_on = ctx.today - timedelta(days=ago)
        scores = _triage_scores(ctx, areas)
        safeguarding = ctx.rng.random() < 0.06
        _add(
            batch,
            setting,
            person_id=person_id,
            organisation_id=org_id,
            assessor_id=assessor_id,
            kind=Assessment.Kind.TRIAGE,
            day=triage_on,
            scores=scores,
            safeguarding=safeguarding,
            motivators=ctx.rng.choice(MOTIVATORS) if ctx.rng.random() < 0.5 else "",
            tags=ctx.rng.sample(MotivatorTag.values, ctx.rng.randint(0, 3)),
            barriers=ctx.rng.choice(BARRIERS) if ctx.rng.random() < 0.5 else "",
        )
        if ago > 90 and ctx.rng.random() < REVIEW_SHARE:
            review_on = triage_on + timedelta(days=ctx.rng.randint(60, min(ago - 10, 300)))
            _add(
                batch,
                setting,
                person_id=person_id,
                organisation_id=org_id,
                assessor_id=assessor_id,
                kind=Assessment.Kind.REVIEW,
                day=review_on,
                scores=_review_scores(ctx, scores),
                safeguarding=safeguarding and ctx.rng.random() < 0.5,
            )
        if len(batch) >= CHUNK:
            batch.flush()
    batch.flush()


def _showcase(ctx: DemoContext, setting: _Setting, council: Organisation) -> uuid.UUID | None:
    """Jordan Ellis: a Red triage a year ago and an Amber review since, by the council's key
    worker. Citizens Advice (consent for money, housing and family) sees those areas only."""
    jordan = (
        Person.objects.filter(registered_by=council, **SHOWCASE)
        .values_list("id", flat=True)
        .first()
    )
    keyworker = (
        User.objects.filter(email=account_email("keyworker", "council"))
        .values_list("id", flat=True)
        .first()
    )
    if jordan is None or keyworker is None:
        return jordan
    triage: dict[str, tuple[int | None, bool]] = {a.code: (7, False) for a in setting.areas}
    triage |= {
        "work_skills": (3, False),
        "money_debt": (2, True),
        "housing": (3, False),
        "mental_wellbeing": (4, True),
        "confidence_motivation": (3, False),
        "drugs_alcohol": (None, False),
        "offending": (None, False),
        "practical_barriers": (5, False),
    }
    review = dict(triage) | {
        "work_skills": (5, False),
        "money_debt": (4, False),
        "housing": (6, False),
        "mental_wellbeing": (4, True),
        "confidence_motivation": (3, False),
    }
    batch = _Batch()
    _add(
        batch,
        setting,
        person_id=jordan,
        organisation_id=council.pk,
        assessor_id=keyworker,
        kind=Assessment.Kind.TRIAGE,
        day=ctx.today - timedelta(days=330),
        scores=triage,
        safeguarding=False,
        notes={
            "money_debt": "Council tax arrears and two payday loans; bailiff letter last week.",
            "housing": "Rent arrears of about £900; tenancy at risk.",
        },
        motivators="Wants to be back in work before their son starts secondary school.",
        tags=[MotivatorTag.FAMILY, MotivatorTag.MONEY, MotivatorTag.ROUTINE],
        barriers="No childcare before 9am; has not used a computer for job search.",
    )
    _add(
        batch,
        setting,
        person_id=jordan,
        organisation_id=council.pk,
        assessor_id=keyworker,
        kind=Assessment.Kind.REVIEW,
        day=ctx.today - timedelta(days=120),
        scores=review,
        safeguarding=False,
        notes={"money_debt": "Debt relief order in progress; arrears plan kept for 3 months."},
        motivators="Wants to be back in work before their son starts secondary school.",
        tags=[MotivatorTag.FAMILY, MotivatorTag.MONEY, MotivatorTag.ROUTINE],
        barriers="Childcare sorted through the school breakfast club.",
    )
    batch.flush()
    return jordan
