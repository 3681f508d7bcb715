"""Reads of assessments and complexity ratings. Every selector that shows personal data takes
``actor=``, asks the access policy what the actor may see, and records what it shows in the
audit log before returning it (rules 1-3, SEC-20, SEC-21).

What each viewer sees of an assessment (held by the organisation that made it):

- the bare fact of it (kind, date, who assessed) and the complexity rating: anyone who may
  see identity and contact information held by that organisation. The rating is shown even
  when some areas are not, because it reveals only a count of complex issues, never which
  areas they were; its explanation names only the areas the viewer may see and counts the
  rest ("and 2 other areas"). When the safeguarding rule raised it, only viewers who may see
  safeguarding information are told so.
- each area's score (and note, stage and change since the last assessment): only when the
  viewer may see the area's category. Hidden areas are counted, not shown.
- motivators (mental health), barriers (family and relationships), the safeguarding concern
  (safeguarding) and the ONS4 wellbeing answers (mental health): each by its category.

Every selector loads what it shows in a fixed number of queries, however many areas or
assessments there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404

from joinedup.audit.services import record_event
from joinedup.people.selectors import person_for_action
from joinedup.sharing.categories import IDENTITY, SAFEGUARDING
from joinedup.sharing.policy import Basis, PersonAccess, access_to_person

from .defaults import MotivatorTag
from .models import (
    AreaScore,
    AreaStage,
    Assessment,
    AssessmentScale,
    ComplexityRating,
    RagRuleSet,
    ScaleArea,
    WellbeingCheck,
)
from .rag import DEFAULT_RULES, RATING_LABELS, RuleValues, explain

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.people.models import Person

#: How many recent assessments ``prefill_from_latest`` looks through for each area's score.
PREFILL_LOOKBACK = 10
TAG_CLASSES = {"R": "govuk-tag--red", "A": "govuk-tag--orange", "G": "govuk-tag--green"}
MOTIVATOR_LABELS = dict(MotivatorTag.choices)


# ----------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class AreaResult:
    """One area's score as a viewer may see it."""

    code: str
    name: str
    category: str
    score: int | None
    complex_issue: bool
    note: str
    stage_label: str
    previous_score: int | None = None

    @property
    def not_assessed(self) -> bool:
        return self.score is None

    @property
    def change(self) -> int | None:
        """The distance travelled since the previous assessment (positive is better)."""
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


@dataclass(frozen=True)
class RatingView:
    id: uuid.UUID
    rating: str
    #: Written for this viewer: names only the areas they may see.
    explanation: str
    issue_count: int
    is_override: bool
    override_reason: str
    rated_by_name: str
    organisation_name: str
    created_on: datetime
    assessment_id: uuid.UUID | None

    @property
    def label(self) -> str:
        return RATING_LABELS[self.rating]

    @property
    def tag_class(self) -> str:
        return TAG_CLASSES[self.rating]


@dataclass(frozen=True)
class WellbeingAnswer:
    question: str
    answer: int | None
    low_label: str
    high_label: str
    higher_is_better: bool


@dataclass
class AssessmentView:
    """An assessment as one viewer may see it. Fields they may not see are None."""

    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    kind: str
    kind_label: str
    assessed_on: date
    assessor_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    scale_name: str
    areas: list[AreaResult]
    hidden_area_count: int
    previous_assessed_on: date | None
    previous_id: uuid.UUID | None
    motivators: str | None
    motivator_tags: list[str] | None
    barriers: str | None
    safeguarding_shown: bool
    safeguarding_concern: bool
    safeguarding_note: str
    wellbeing: list[WellbeingAnswer] | None
    wellbeing_hidden: bool
    rating: RatingView | None
    shown_categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AssessmentRow:
    id: uuid.UUID
    kind_label: str
    assessed_on: date
    organisation_name: str
    assessor_name: str
    rating: RatingView | None


@dataclass
class RatingHistory:
    person: Person
    #: The newest rating the viewer may see: the person's current rating.
    current: RatingView | None
    ratings: list[RatingView]
    assessments: list[AssessmentRow]
    #: Ratings and assessments held by organisations whose records the viewer may not see.
    hidden_count: int
    rules: RuleValues


@dataclass
class Prefill:
    """What the actor may see of the person's recent assessments, to start a new one from
    ("tell your story once")."""

    scores: dict[str, tuple[int, bool]]
    motivators: str = ""
    motivator_tags: list[str] = field(default_factory=list)
    barriers: str = ""
    #: The assessments the values came from, newest first: (date, organisation name).
    sources: list[tuple[date, str]] = field(default_factory=list)
    has_previous: bool = False


# ----------------------------------------------------------------------------- helpers


def person_for_assessment(*, actor: Actor, person_id: Any) -> tuple[Person, PersonAccess]:
    """The person, for the assessment pages: a 404 unless the actor may see their identity
    (rule 5). Nothing of the person is shown by this alone, so it is not audited."""
    person, access = person_for_action(actor=actor, person_id=person_id)
    if access.restricted:
        raise Http404("No such person.")
    return person, access


def _access(actor: Actor, person: Person) -> PersonAccess:
    """What the actor may see of an already loaded person: a 404 without a basis for their
    identity (staff whose work is not with people have no basis for anyone)."""
    if person.is_archived:
        raise Http404("No such person.")
    access = access_to_person(actor=actor, person=person)
    if access.restricted:
        raise Http404("No such person.")
    return access


def _basis(
    access: PersonAccess, shown: Iterable[tuple[str, uuid.UUID | None]]
) -> tuple[str, dict[str, str]]:
    """The audit basis for categories seen from given holders: the most exceptional basis
    (break-glass, lawful basis, consent, own organisation) and each category's own."""
    per_category: dict[str, str] = {}
    for category, holder in shown:
        decision = access.decide(category, holder)
        if decision.allowed:
            per_category.setdefault(category, decision.basis.value)
    for basis in (Basis.BREAK_GLASS, Basis.LAWFUL_BASIS, Basis.CONSENT):
        if basis.value in per_category.values():
            return basis.value, per_category
    return Basis.OWN_ORGANISATION.value, per_category


def _stage_label(stages: Sequence[AreaStage], score: int | None) -> str:
    if score is None:
        return ""
    for stage in stages:
        if stage.lowest_score <= score <= stage.highest_score:
            return stage.label
    return ""


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "full_name", "") or "")


def _rating_view(
    rating: ComplexityRating,
    access: PersonAccess,
    area_categories: dict[str, str],
    area_holder: uuid.UUID | None,
) -> RatingView:
    """The rating as this viewer may read it. ``area_categories`` maps the rated assessment's
    area names to their categories; its scores are held by ``area_holder``."""
    issues = list(rating.issue_areas or [])
    if rating.is_override:
        explanation = rating.explanation
    else:
        shown = [
            name
            for name in issues
            if name in area_categories and access.allows(area_categories[name], area_holder)
        ]
        explanation = explain(
            rating=rating.rating,
            shown_areas=shown,
            hidden_count=len(issues) - len(shown),
            raised_by_safeguarding=rating.safeguarding_raised,
            safeguarding_visible=access.allows(SAFEGUARDING, area_holder),
        )
    return RatingView(
        id=rating.pk,
        rating=rating.rating,
        explanation=explanation,
        issue_count=len(issues),
        is_override=rating.is_override,
        override_reason=rating.override_reason,
        rated_by_name=_name(rating.rated_by),
        organisation_name=rating.organisation.name,
        created_on=rating.created_on,
        assessment_id=rating.assessment_id,
    )


# ----------------------------------------------------------------------------- one assessment


def _load_assessment(assessment_id: Any) -> Assessment:
    try:
        return (
            Assessment.objects.select_related(
                "person", "organisation", "assessor", "scale", "wellbeing"
            )
            .prefetch_related(
                Prefetch(
                    "scores",
                    queryset=AreaScore.objects.select_related("area").prefetch_related(
                        Prefetch(
                            "area__stages", queryset=AreaStage.objects.order_by("lowest_score")
                        )
                    ),
                ),
                Prefetch(
                    "ratings",
                    queryset=ComplexityRating.objects.select_related(
                        "rated_by", "organisation"
                    ).order_by("-created_on"),
                ),
            )
            .get(pk=assessment_id, person__archived_on__isnull=True)
        )
    except (Assessment.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404("No such assessment.") from exc


def _previous(
    assessment: Assessment, access: PersonAccess
) -> tuple[Assessment | None, dict[str, int | None]]:
    """The viewer's previous visible assessment of the person, and the area scores from it
    they may see (by area code)."""
    earlier = (
        Assessment.objects.filter(person_id=assessment.person_id)
        .exclude(pk=assessment.pk)
        .filter(assessed_on__lte=assessment.assessed_on)
        .order_by("-assessed_on", "-created_on")
        .only("id", "organisation_id", "assessed_on", "created_on")
    )
    previous = next(
        (
            a
            for a in earlier
            if (a.assessed_on, a.created_on) < (assessment.assessed_on, assessment.created_on)
            and access.allows(IDENTITY, a.organisation_id)
        ),
        None,
    )
    if previous is None:
        return None, {}
    scores = {
        code: score
        for code, score, category in AreaScore.objects.filter(assessment=previous).values_list(
            "area__code", "score", "category"
        )
        if access.allows(category, previous.organisation_id)
    }
    return previous, scores


def _assessment_view(
    actor: Actor, access: PersonAccess, assessment: Assessment, *, page: str
) -> AssessmentView:
    holder = assessment.organisation_id
    if not access.allows(IDENTITY, holder):
        raise Http404("No such assessment.")
    previous, previous_scores = _previous(assessment, access)
    areas: list[AreaResult] = []
    hidden = 0
    area_categories: dict[str, str] = {}
    scores = sorted(assessment.scores.all(), key=lambda s: (s.area.order, s.area.name))
    for score in scores:
        area_categories[score.area.name] = score.category
        if not access.allows(score.category, holder):
            hidden += 1
            continue
        areas.append(
            AreaResult(
                code=score.area.code,
                name=score.area.name,
                category=score.category,
                score=score.score,
                complex_issue=score.complex_issue,
                note=score.note,
                stage_label=_stage_label(list(score.area.stages.all()), score.score),
                previous_score=previous_scores.get(score.area.code),
            )
        )
    fields = Assessment.FIELD_CATEGORIES
    motivators_shown = access.allows(fields["motivators"], holder)
    barriers_shown = access.allows(fields["barriers"], holder)
    safeguarding_shown = access.allows(fields["safeguarding_concern"], holder)
    try:
        wellbeing_check: WellbeingCheck | None = assessment.wellbeing
    except WellbeingCheck.DoesNotExist:
        wellbeing_check = None
    wellbeing_shown = access.allows(WellbeingCheck.CATEGORY, holder)
    wellbeing = None
    if wellbeing_check is not None and wellbeing_shown:
        wellbeing = [
            WellbeingAnswer(question, getattr(wellbeing_check, name), low, high, better)
            for name, question, low, high, better in WellbeingCheck.QUESTIONS
        ]
    ratings = [r for r in assessment.ratings.all() if access.allows(IDENTITY, r.organisation_id)]
    rating_model = ratings[0] if ratings else None
    rating = _rating_view(rating_model, access, area_categories, holder) if rating_model else None

    shown: list[tuple[str, uuid.UUID | None]] = [(IDENTITY, holder)]
    shown += [(a.category, holder) for a in areas]
    if motivators_shown and (assessment.motivators or assessment.motivator_tags):
        shown.append((fields["motivators"], holder))
    if barriers_shown and assessment.barriers:
        shown.append((fields["barriers"], holder))
    if safeguarding_shown:
        shown.append((fields["safeguarding_concern"], holder))
    if wellbeing is not None:
        shown.append((WellbeingCheck.CATEGORY, holder))
    if rating_model is not None:
        shown.append((IDENTITY, rating_model.organisation_id))
    basis, per_category = _basis(access, shown)
    categories = sorted({c for c, _ in shown})
    view = AssessmentView(
        id=assessment.pk,
        person_id=assessment.person_id,
        person_name=f"{assessment.person.given_name} {assessment.person.family_name}",
        kind=assessment.kind,
        kind_label=assessment.get_kind_display(),
        assessed_on=assessment.assessed_on,
        assessor_name=_name(assessment.assessor),
        organisation_id=holder,
        organisation_name=assessment.organisation.name,
        scale_name=assessment.scale.name,
        areas=areas,
        hidden_area_count=hidden,
        previous_assessed_on=previous.assessed_on if previous else None,
        previous_id=previous.pk if previous else None,
        motivators=assessment.motivators if motivators_shown else None,
        motivator_tags=(
            [MOTIVATOR_LABELS.get(t, t) for t in assessment.motivator_tags]
            if motivators_shown
            else None
        ),
        barriers=assessment.barriers if barriers_shown else None,
        safeguarding_shown=safeguarding_shown,
        safeguarding_concern=assessment.safeguarding_concern if safeguarding_shown else False,
        safeguarding_note=assessment.safeguarding_note if safeguarding_shown else "",
        wellbeing=wellbeing,
        wellbeing_hidden=wellbeing_check is not None and not wellbeing_shown,
        rating=rating,
        shown_categories=categories,
    )
    record_event(
        actor=actor,
        action="view",
        person_id=assessment.person_id,
        categories=categories,
        basis=basis,
        detail={
            "page": page,
            "assessment": str(assessment.pk),
            "areas_shown": len(areas),
            "areas_hidden": hidden,
            "previous_assessment": str(previous.pk) if previous else "",
            "bases": per_category,
        },
    )
    return view


def assessment_detail(*, actor: Actor, assessment_id: Any) -> AssessmentView:
    """One assessment as the actor may see it, audited as a view. A 404 when the actor may not
    see the person or the assessment (rule 5)."""
    with transaction.atomic():
        assessment = _load_assessment(assessment_id)
        access = _access(actor, assessment.person)
        return _assessment_view(actor, access, assessment, page="assessment")


def latest_assessment(*, actor: Actor, person: Person) -> AssessmentView | None:
    """The person's most recent assessment the actor may see (None if there is none)."""
    access = _access(actor, person)
    candidates = (
        Assessment.objects.filter(person=person)
        .order_by("-assessed_on", "-created_on")
        .values_list("id", "organisation_id")
    )
    latest = next((pk for pk, org in candidates if access.allows(IDENTITY, org)), None)
    if latest is None:
        return None
    with transaction.atomic():
        return _assessment_view(actor, access, _load_assessment(latest), page="latest assessment")


# ----------------------------------------------------------------------------- history


def rating_history(*, actor: Actor, person: Person) -> RatingHistory:
    """The person's complexity ratings (newest first) and assessments, as the actor may see
    them, audited as a view. Ratings and assessments held by organisations whose records the
    actor may not see are counted, not shown."""
    access = _access(actor, person)
    ratings = list(
        ComplexityRating.objects.filter(person=person)
        .select_related("organisation", "rated_by", "assessment")
        .order_by("-created_on")
    )
    scale_ids = {r.assessment.scale_id for r in ratings if r.assessment is not None}
    categories_by_scale: dict[uuid.UUID, dict[str, str]] = {}
    for scale_id, name, category in ScaleArea.objects.filter(scale_id__in=scale_ids).values_list(
        "scale_id", "name", "category"
    ):
        categories_by_scale.setdefault(scale_id, {})[name] = category
    assessments = list(
        Assessment.objects.filter(person=person)
        .select_related("organisation", "assessor")
        .order_by("-assessed_on", "-created_on")
    )
    visible_ratings: list[RatingView] = []
    computed: dict[uuid.UUID, RatingView] = {}
    hidden = 0
    shown: list[tuple[str, uuid.UUID | None]] = []
    for rating in ratings:
        if not access.allows(IDENTITY, rating.organisation_id):
            hidden += 1
            continue
        rated = rating.assessment
        view = _rating_view(
            rating,
            access,
            categories_by_scale.get(rated.scale_id, {}) if rated is not None else {},
            rated.organisation_id if rated is not None else None,
        )
        visible_ratings.append(view)
        shown.append((IDENTITY, rating.organisation_id))
        if not rating.is_override and rating.assessment_id is not None:
            computed.setdefault(rating.assessment_id, view)
    rows: list[AssessmentRow] = []
    for assessment in assessments:
        if not access.allows(IDENTITY, assessment.organisation_id):
            hidden += 1
            continue
        shown.append((IDENTITY, assessment.organisation_id))
        rows.append(
            AssessmentRow(
                id=assessment.pk,
                kind_label=assessment.get_kind_display(),
                assessed_on=assessment.assessed_on,
                organisation_name=assessment.organisation.name,
                assessor_name=_name(assessment.assessor),
                rating=computed.get(assessment.pk),
            )
        )
    rule_set = RagRuleSet.objects.filter(active=True).first()
    basis, per_category = _basis(access, shown or [(IDENTITY, None)])
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=basis,
            detail={
                "page": "complexity ratings",
                "ratings_shown": len(visible_ratings),
                "assessments_shown": len(rows),
                "hidden": hidden,
                "bases": per_category,
            },
        )
    return RatingHistory(
        person=person,
        current=visible_ratings[0] if visible_ratings else None,
        ratings=visible_ratings,
        assessments=rows,
        hidden_count=hidden,
        rules=rule_set.values() if rule_set is not None else DEFAULT_RULES,
    )


# ----------------------------------------------------------------------------- prefill


def prefill_from_latest(*, actor: Actor, person: Person) -> Prefill:
    """For a new assessment: each area's most recent score the actor may see (matched by area
    code, so it carries across versions of a scale), and the latest motivators and barriers
    they may see. Audited as a view of what is pre-filled."""
    access = _access(actor, person)
    recent = list(
        Assessment.objects.filter(person=person)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("scores", queryset=AreaScore.objects.select_related("area").order_by())
        )
        .order_by("-assessed_on", "-created_on")[:PREFILL_LOOKBACK]
    )
    prefill = Prefill(scores={})
    shown: list[tuple[str, uuid.UUID | None]] = []
    sources: dict[uuid.UUID, tuple[date, str]] = {}
    motivators_found = barriers_found = False
    fields = Assessment.FIELD_CATEGORIES
    for assessment in recent:
        holder = assessment.organisation_id
        if not access.allows(IDENTITY, holder):
            continue
        prefill.has_previous = True
        used = False
        for score in assessment.scores.all():
            code = score.area.code
            if score.score is None or code in prefill.scores:
                continue
            if access.allows(score.category, holder):
                prefill.scores[code] = (score.score, score.complex_issue)
                shown.append((score.category, holder))
                used = True
        if (
            not motivators_found
            and access.allows(fields["motivators"], holder)
            and (assessment.motivators or assessment.motivator_tags)
        ):
            prefill.motivators = assessment.motivators
            prefill.motivator_tags = list(assessment.motivator_tags)
            motivators_found = used = True
            shown.append((fields["motivators"], holder))
        if not barriers_found and access.allows(fields["barriers"], holder) and assessment.barriers:
            prefill.barriers = assessment.barriers
            barriers_found = used = True
            shown.append((fields["barriers"], holder))
        if used:
            sources[assessment.pk] = (assessment.assessed_on, assessment.organisation.name)
    prefill.sources = list(sources.values())
    if shown:
        basis, per_category = _basis(access, shown)
        with transaction.atomic():
            record_event(
                actor=actor,
                action="view",
                person_id=person.pk,
                categories=sorted({c for c, _ in shown}),
                basis=basis,
                detail={
                    "page": "new assessment, pre-filled",
                    "assessments": [str(pk) for pk in sources],
                    "areas_prefilled": len(prefill.scores),
                    "bases": per_category,
                },
            )
    return prefill


# ----------------------------------------------------------------------------- scales (no personal data)


def active_scale() -> AssessmentScale:
    """The scale new assessments use (the newest active one), with its areas and stages."""
    scale = (
        AssessmentScale.objects.filter(active=True)
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=ScaleArea.objects.order_by("order", "name").prefetch_related(
                    Prefetch("stages", queryset=AreaStage.objects.order_by("lowest_score"))
                ),
            )
        )
        .order_by("-created_on")
        .first()
    )
    if scale is None:
        raise Http404("No assessment scale is in use.")
    return scale


def active_rules() -> RuleValues:
    rule_set = RagRuleSet.objects.filter(active=True).first()
    return rule_set.values() if rule_set is not None else DEFAULT_RULES
