"""Writes for assessments and complexity ratings. Each service takes ``actor=``, checks the
actor may act before it writes (SEC-18), and records the change in the audit log in the same
transaction (rules 1-3).

Who may assess: record keepers (key workers, partner practitioners, team managers) whose
organisation may see the person's identity. An assessment is held by the assessor's
organisation, so they see everything they write (the policy's "own organisation" basis).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people

from .defaults import MotivatorTag
from .models import (
    SCORE_MAX,
    SCORE_MIN,
    WELLBEING_MAX,
    WELLBEING_MIN,
    AreaScore,
    Assessment,
    AssessmentScale,
    ComplexityRating,
    RagRuleSet,
    Rating,
    ScaleArea,
    WellbeingCheck,
)
from .rag import DEFAULT_RULES, RATING_LABELS, RuleValues, lower_first, rate

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.people.models import Person
    from joinedup.sharing.policy import PersonAccess

TEXT_MAX = 2000
NOTE_MAX = 1000
REASON_MAX = 1000


class AreaAnswer(NamedTuple):
    """One area's answer: a score from 1 to 10 (None: not assessed), whether the assessor
    judged it a complex issue, and a note. A plain ``(score, complex_flag, note)`` tuple
    works as well."""

    score: int | None
    complex_issue: bool = False
    note: str = ""


def _require_record_keeper(actor: Actor) -> None:
    if not works_with_people(actor) or not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not assess people.")


def _require_identity(actor: Actor, person: Person) -> PersonAccess:
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise Http404("No such person.")  # rule 5: a record you may not see is a 404
    return access


def active_rule_set() -> RagRuleSet | None:
    """The active complexity rules (None if an admin has switched every rule set off, in
    which case the shipped defaults apply)."""
    return RagRuleSet.objects.filter(active=True).first()


def _rules(rule_set: RagRuleSet | None) -> RuleValues:
    return rule_set.values() if rule_set is not None else DEFAULT_RULES


def _clean_scores(
    areas: list[ScaleArea], scores: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, AreaAnswer]:
    cleaned: dict[str, AreaAnswer] = {}
    unknown = set(scores) - {a.code for a in areas}
    if unknown:
        errors["scores"] = f"These areas are not in the scale: {', '.join(sorted(unknown))}"
    for area in areas:
        key = f"score_{area.code}"
        if area.code not in scores:
            errors[key] = f"Select a score for {lower_first(area.name)}, or select not assessed"
            continue
        score, complex_issue, note = AreaAnswer(*scores[area.code])
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not SCORE_MIN <= score <= SCORE_MAX
        ):
            errors[key] = f"The score for {lower_first(area.name)} must be a number from 1 to 10"
            continue
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            errors[f"note_{area.code}"] = (
                f"The note for {lower_first(area.name)} must be {NOTE_MAX} characters or fewer"
            )
        cleaned[area.code] = AreaAnswer(score, bool(complex_issue), note)
    if not errors and all(a.score is None for a in cleaned.values()):
        errors["scores"] = "Score at least one area"
    return cleaned


def _clean_wellbeing(
    wellbeing: Mapping[str, int | None] | None, errors: dict[str, str]
) -> dict[str, int | None]:
    if not wellbeing:
        return {}
    unknown = set(wellbeing) - set(WellbeingCheck.FIELDS)
    if unknown:
        errors["wellbeing"] = f"Unknown wellbeing questions: {', '.join(sorted(unknown))}"
    cleaned: dict[str, int | None] = {}
    for name in WellbeingCheck.FIELDS:
        value = wellbeing.get(name)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not WELLBEING_MIN <= value <= WELLBEING_MAX
        ):
            errors[f"wellbeing_{name}"] = "The answer must be a number from 0 to 10"
            continue
        cleaned[name] = value
    return cleaned


def record_assessment(
    *,
    actor: Actor,
    person: Person,
    scale: AssessmentScale,
    kind: str,
    assessed_on: date | None,
    scores: Mapping[str, AreaAnswer | tuple[int | None, bool, str]],
    motivators: str = "",
    motivator_tags: Iterable[str] = (),
    barriers: str = "",
    safeguarding_concern: bool = False,
    safeguarding_note: str = "",
    wellbeing: Mapping[str, int | None] | None = None,
) -> Assessment:
    """Record a triage or review assessment, held by the actor's organisation, and rate the
    person's complexity from it with the active rules.

    ``scores`` needs every area of the scale: ``(score, complex_flag, note)``, with a score of
    None for an area not assessed. ``wellbeing`` holds the ONS4 answers (0 to 10, None for a
    question not answered). Raises ``PermissionDenied`` for a role that does not assess,
    ``Http404`` when the actor may not see the person, and ``ValidationError`` (naming the
    form field) for a bad answer."""
    _require_record_keeper(actor)
    access = _require_identity(actor, person)
    areas = list(scale.areas.order_by("order", "name"))
    errors: dict[str, str] = {}
    if not scale.active:
        errors["scale"] = "This assessment scale is no longer in use"
    if kind not in Assessment.Kind.values:
        errors["kind"] = "Select whether this is a triage or a review"
    if assessed_on is None:
        errors["assessed_on"] = "Enter the date of the assessment"
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = "The date of the assessment must be today or in the past"
    answers = _clean_scores(areas, scores, errors)
    tags = list(dict.fromkeys(motivator_tags))
    if set(tags) - set(MotivatorTag.values):
        errors["motivator_tags"] = "Select motivators from the list"
    motivators, barriers = motivators.strip(), barriers.strip()
    safeguarding_note = safeguarding_note.strip() if safeguarding_concern else ""
    if len(motivators) > TEXT_MAX:
        errors["motivators"] = f"Motivators must be {TEXT_MAX} characters or fewer"
    if len(barriers) > TEXT_MAX:
        errors["barriers"] = f"Barriers must be {TEXT_MAX} characters or fewer"
    if safeguarding_concern and not safeguarding_note:
        errors["safeguarding_note"] = "Enter what the safeguarding concern is"
    elif len(safeguarding_note) > TEXT_MAX:
        errors["safeguarding_note"] = (
            f"The safeguarding concern must be {TEXT_MAX} characters or fewer"
        )
    wellbeing_answers = _clean_wellbeing(wellbeing, errors)
    if errors:
        raise ValidationError(errors)
    assert assessed_on is not None  # for mypy: checked above

    rule_set = active_rule_set()
    result = rate(
        scores=[(a.name, answers[a.code].score, answers[a.code].complex_issue) for a in areas],
        safeguarding=safeguarding_concern,
        rules=_rules(rule_set),
    )
    with transaction.atomic():
        assessment = Assessment(
            person=person,
            scale=scale,
            kind=kind,
            assessed_on=assessed_on,
            assessor=actor.user,
            organisation_id=actor.org,
            motivators=motivators,
            motivator_tags=tags,
            barriers=barriers,
            safeguarding_concern=safeguarding_concern,
            safeguarding_note=safeguarding_note,
        ).stamp(actor)
        assessment.save()
        AreaScore.objects.bulk_create(
            [
                AreaScore(
                    assessment=assessment,
                    area=area,
                    score=answers[area.code].score,
                    complex_issue=answers[area.code].complex_issue,
                    note=answers[area.code].note,
                    category=area.category,
                ).stamp(actor)
                for area in areas
            ]
        )
        answered = any(v is not None for v in wellbeing_answers.values())
        if answered:
            WellbeingCheck(assessment=assessment, **wellbeing_answers).stamp(actor).save()
        ComplexityRating(
            person=person,
            assessment=assessment,
            rating=result.rating,
            explanation=result.explanation,
            issue_areas=list(result.issue_areas),
            safeguarding_raised=result.raised_by_safeguarding,
            rule_set=rule_set,
            rated_by=actor.user,
            organisation_id=actor.org,
        ).stamp(actor).save()
        categories = {IDENTITY} | {a.category for a in areas if answers[a.code].score is not None}
        categories |= {a.category for a in areas if answers[a.code].complex_issue}
        filled = {
            "motivators": motivators or tags,
            "barriers": barriers,
            "safeguarding_concern": safeguarding_concern,
        }
        categories |= {Assessment.FIELD_CATEGORIES[f] for f, v in filled.items() if v}
        if answered:
            categories.add(WellbeingCheck.CATEGORY)
        record_event(
            actor=actor,
            action="create",
            person_id=person.pk,
            categories=sorted(categories),
            basis=access.audit_basis([IDENTITY])[0],
            detail={
                "assessment": str(assessment.pk),
                "kind": kind,
                "scale": str(scale.pk),
                "areas_scored": sum(1 for a in answers.values() if a.score is not None),
                "wellbeing": answered,
            },
        )
    return assessment


def override_rating(*, actor: Actor, person: Person, rating: str, reason: str) -> ComplexityRating:
    """Set the person's complexity rating by professional judgement, with a reason (required,
    and shown with the rating to everyone who may see it). The new rating is held by the
    actor's organisation and stays current until the next assessment or override."""
    _require_record_keeper(actor)
    access = _require_identity(actor, person)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if rating not in Rating.values:
        errors["rating"] = "Select the rating"
    if not reason:
        errors["reason"] = "Enter why you are changing the rating"
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"The reason must be {REASON_MAX} characters or fewer"
    current = next(
        (
            r
            for r in ComplexityRating.objects.filter(person=person).select_related("assessment")
            if access.allows(IDENTITY, r.organisation_id)
        ),
        None,
    )
    if current is None:
        errors["rating"] = "Record an assessment before you change the rating"
    elif rating == current.rating:
        errors["rating"] = (
            f"The rating is already {RATING_LABELS[rating]}. Select a different rating"
        )
    if errors:
        raise ValidationError(errors)
    assert current is not None  # for mypy: checked above
    user = actor.user
    organisation_name = user.organisation.name if user.organisation_id == actor.org else ""
    explanation = (
        f"{RATING_LABELS[rating]}: set by {user.full_name}"
        f"{', ' + organisation_name if organisation_name else ''}, "
        f"instead of {RATING_LABELS[current.rating]}."
    )
    with transaction.atomic():
        override = ComplexityRating(
            person=person,
            assessment=current.assessment,
            rating=rating,
            explanation=explanation,
            issue_areas=list(current.issue_areas),
            safeguarding_raised=False,
            rule_set_id=current.rule_set_id,
            is_override=True,
            override_reason=reason,
            rated_by=user,
            organisation_id=actor.org,
        ).stamp(actor)
        override.save()
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access.audit_basis([IDENTITY])[0],
            detail={
                "changed": "complexity rating",
                "override": True,
                "rating": str(override.pk),
                "replaces": str(current.pk),
            },
        )
    return override
