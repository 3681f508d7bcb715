"""Assessment scales, assessments and the complexity RAG rating (F6).

Scales and rules are data (architecture rule 6): ``AssessmentScale`` → ``ScaleArea`` →
``AreaStage`` describe what is scored and what each score means, and ``RagRuleSet`` holds the
numbers the complexity rating uses. JoinedUp ships defaults (``defaults.py``, installed by a
data migration); system admins change them in Django admin.

Personal data: ``Assessment``, ``AreaScore``, ``WellbeingCheck`` and ``ComplexityRating`` are
read only through ``assessments.selectors`` and written only through ``assessments.services``
(rule 1). Each carries its information category (rule 4): an area's score carries the area's
category, so a partner sees only the scores the person agreed to share with them; the
organisation that made an assessment holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from joinedup.core.models import BaseModel
from joinedup.directory.needs import is_need_area
from joinedup.sharing.categories import (
    DEFAULT_CATEGORIES,
    FAMILY,
    IDENTITY,
    MENTAL_HEALTH,
    SAFEGUARDING,
)

from .rag import AMBER, GREEN, RED, RuleValues

SCORE_MIN = 1
SCORE_MAX = 10
WELLBEING_MIN = 0
WELLBEING_MAX = 10
CATEGORY_CODES = frozenset(c.code for c in DEFAULT_CATEGORIES)


def validate_need_area(value: str) -> None:
    if not is_need_area(value):
        raise ValidationError(f"{value!r} is not a need area code.")


def validate_category_code(value: str) -> None:
    if value not in CATEGORY_CODES:
        raise ValidationError(f"{value!r} is not an information category code.")


def stage_problems(ranges: Iterable[tuple[int, int]]) -> list[str]:
    """What is wrong with an area's stages: together they must cover every score from 1 to 10
    exactly once. Returns plain-English messages (none when the stages are right)."""
    problems: list[str] = []
    ordered = sorted(ranges)
    if not ordered:
        return [f"Add stages that cover every score from {SCORE_MIN} to {SCORE_MAX}"]
    expected = SCORE_MIN
    for low, high in ordered:
        if low < SCORE_MIN or high > SCORE_MAX or low > high:
            problems.append(
                f"The stage {low} to {high} must run upwards within {SCORE_MIN} to {SCORE_MAX}"
            )
            continue
        if low > expected:
            problems.append(f"No stage covers {_span(expected, low - 1)}")
        elif low < expected:
            problems.append(f"More than one stage covers {_span(low, min(high, expected - 1))}")
        expected = max(expected, high + 1)
    if expected <= SCORE_MAX:
        problems.append(f"No stage covers {_span(expected, SCORE_MAX)}")
    return problems


def _span(low: int, high: int) -> str:
    return f"the score {low}" if low == high else f"the scores {low} to {high}"


class Rating(models.TextChoices):
    RED = RED, "Red"
    AMBER = AMBER, "Amber"
    GREEN = GREEN, "Green"


# ----------------------------------------------------------------------------- scales (data)


class AssessmentScale(BaseModel):
    """A set of areas to score. One version of a scale is active at a time; assessments keep
    the version they were made with, so changing a scale never rewrites history."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    version = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(
        default=True, help_text="Active scales are offered when recording an assessment."
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_scale_per_version"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(active=True),
                name="one_active_version_per_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def problems(self) -> list[str]:
        """Every area's stage problems, named by area (an empty list for a sound scale)."""
        found: list[str] = []
        for area in self.areas.prefetch_related("stages"):
            ranges = [(s.lowest_score, s.highest_score) for s in area.stages.all()]
            found.extend(f"{area.name}: {p}" for p in stage_problems(ranges))
        return found


class ScaleArea(BaseModel):
    """One area of a scale, e.g. Housing. ``category`` is the information category its scores
    carry, which decides who may see them."""

    scale = models.ForeignKey(AssessmentScale, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    need_area = models.CharField(
        max_length=40,
        validators=[validate_need_area],
        help_text="The need area (directory.needs.NeedArea code) this area measures.",
    )
    category = models.CharField(
        max_length=40,
        validators=[validate_category_code],
        help_text="The information category of this area's scores: who may see them.",
    )
    description = models.TextField(
        blank=True, max_length=500, help_text="The question the assessor keeps in mind."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="one_area_code_per_scale"),
            models.UniqueConstraint(fields=["scale", "name"], name="one_area_name_per_scale"),
        ]

    def __str__(self) -> str:
        return self.name


class AreaStage(BaseModel):
    """What a band of scores means for an area, with guidance for the assessor. An area's
    stages cover every score from 1 to 10 with no gaps (``stage_problems``)."""

    area = models.ForeignKey(ScaleArea, on_delete=models.CASCADE, related_name="stages")
    lowest_score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    highest_score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    label = models.CharField(max_length=100)
    guidance = models.TextField(max_length=1000)

    class Meta:
        ordering = ["lowest_score"]
        constraints = [
            models.UniqueConstraint(fields=["area", "lowest_score"], name="one_stage_per_start"),
            models.CheckConstraint(
                condition=models.Q(lowest_score__gte=SCORE_MIN)
                & models.Q(highest_score__lte=SCORE_MAX)
                & models.Q(lowest_score__lte=models.F("highest_score")),
                name="stage_scores_run_upwards_within_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lowest_score}–{self.highest_score}: {self.label}"

    def clean(self) -> None:
        if (
            self.lowest_score is not None
            and self.highest_score is not None
            and self.lowest_score > self.highest_score
        ):
            raise ValidationError(
                {"highest_score": "The highest score must be at least the lowest score"}
            )


class RagRuleSet(BaseModel):
    """The numbers the complexity rating uses (``rag.rate``). One rule set is active."""

    name = models.CharField(max_length=100)
    active = models.BooleanField(default=False)
    complex_score_max = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text="An area scoring this or less counts as a complex issue.",
    )
    red_min_issues = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="This many complex issues or more is Red.",
    )
    amber_min_issues = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="This many complex issues or more is Amber.",
    )
    safeguarding_at_least = models.CharField(
        max_length=1,
        choices=[(RED, "Red"), (AMBER, "Amber")],
        default=AMBER,
        help_text="A safeguarding concern makes the rating at least this.",
    )

    class Meta:
        ordering = ["-active", "name"]
        verbose_name = "RAG rule set"
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_rag_rule_set"
            ),
            models.CheckConstraint(
                condition=models.Q(amber_min_issues__lte=models.F("red_min_issues")),
                name="amber_needs_no_more_issues_than_red",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def values(self) -> RuleValues:
        return RuleValues(
            complex_score_max=self.complex_score_max,
            red_min_issues=self.red_min_issues,
            amber_min_issues=self.amber_min_issues,
            safeguarding_at_least=self.safeguarding_at_least,
        )

    def clean(self) -> None:
        try:
            self.values()
        except (ValueError, TypeError) as exc:
            raise ValidationError(str(exc)) from exc


# ----------------------------------------------------------------------------- personal data


class Assessment(BaseModel):
    """A triage or review assessment of a person, held by the organisation that made it."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", "Triage"
        REVIEW = "review", "Review"

    #: The bare fact of an assessment (when, by whom, which kind).
    CATEGORY: ClassVar[str] = IDENTITY
    #: The categories of the assessment's own fields. Motivators go with confidence and
    #: motivation (mental health), barriers with practical barriers (family), and a
    #: safeguarding concern is safeguarding information.
    FIELD_CATEGORIES: ClassVar[dict[str, str]] = {
        "motivators": MENTAL_HEALTH,
        "motivator_tags": MENTAL_HEALTH,
        "barriers": FAMILY,
        "safeguarding_concern": SAFEGUARDING,
        "safeguarding_note": SAFEGUARDING,
    }

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="assessments"
    )
    scale = models.ForeignKey(AssessmentScale, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    assessed_on = models.DateField()
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that made the assessment; it holds it.",
    )
    motivators = models.TextField(blank=True, max_length=2000)
    motivator_tags = models.JSONField(default=list, blank=True)
    barriers = models.TextField(blank=True, max_length=2000)
    safeguarding_concern = models.BooleanField(default=False)
    safeguarding_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-assessed_on", "-created_on"]
        indexes = [models.Index(fields=["person", "-assessed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} assessment, {self.assessed_on:%d %b %Y}"


class AreaScore(BaseModel):
    """One area's score in an assessment. ``category`` is copied from the area when the score
    is written, so scores can be filtered by category without a join."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    area = models.ForeignKey(ScaleArea, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
        help_text="Empty when the area was not assessed.",
    )
    complex_issue = models.BooleanField(
        default=False, help_text="The assessor judged this a complex issue, whatever the score."
    )
    note = models.TextField(blank=True, max_length=1000)
    category = models.CharField(max_length=40, editable=False, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_score_per_area"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (models.Q(score__gte=SCORE_MIN) & models.Q(score__lte=SCORE_MAX)),
                name="area_score_from_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.score if self.score is not None else 'not assessed'}"

    @property
    def not_assessed(self) -> bool:
        return self.score is None


class WellbeingCheck(BaseModel):
    """The four ONS personal well-being questions ("ONS4"), each answered from 0 to 10.

    Source: Office for National Statistics, "Personal well-being user guidance", the four
    personal well-being questions; Office for National Statistics, licensed under the Open
    Government Licence v3.0. For anxiety, 0 is the best answer; for the others, 10 is. A
    question the person did not want to answer is left empty."""

    CATEGORY: ClassVar[str] = MENTAL_HEALTH
    #: (field, question, what 0 means, what 10 means, whether higher is better)
    QUESTIONS: ClassVar[tuple[tuple[str, str, str, str, bool], ...]] = (
        (
            "life_satisfaction",
            "Overall, how satisfied are you with your life nowadays?",
            "not at all",
            "completely",
            True,
        ),
        (
            "worthwhile",
            "Overall, to what extent do you feel that the things you do in your life are "
            "worthwhile?",
            "not at all",
            "completely",
            True,
        ),
        (
            "happiness",
            "Overall, how happy did you feel yesterday?",
            "not at all",
            "completely",
            True,
        ),
        (
            "anxiety",
            "On a scale where 0 is \u2018not at all anxious\u2019 and 10 is \u2018completely "
            "anxious\u2019, overall, how anxious did you feel yesterday?",
            "not at all anxious",
            "completely anxious",
            False,
        ),
    )
    FIELDS: ClassVar[tuple[str, ...]] = tuple(q[0] for q in QUESTIONS)

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="wellbeing"
    )
    life_satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(WELLBEING_MAX)]
    )
    worthwhile = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(WELLBEING_MAX)]
    )
    happiness = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(WELLBEING_MAX)]
    )
    anxiety = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(WELLBEING_MAX)]
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(life_satisfaction__isnull=True) | models.Q(life_satisfaction__lte=10))
                    & (models.Q(worthwhile__isnull=True) | models.Q(worthwhile__lte=10))
                    & (models.Q(happiness__isnull=True) | models.Q(happiness__lte=10))
                    & (models.Q(anxiety__isnull=True) | models.Q(anxiety__lte=10))
                ),
                name="wellbeing_answers_from_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return "Personal wellbeing (ONS4)"


class ComplexityRating(BaseModel):
    """A person's complexity rating, as the rules gave it after an assessment or as a
    practitioner set it (an override, with a reason). The newest is the current one; the rest
    are its history. Held by the organisation that rated.

    Who sees it: anyone who may see the bare fact of the assessment (identity and contact,
    held by ``organisation``). The rating reveals only how many areas were complex, never
    which; the explanation each viewer reads names only the areas whose category they may see
    (``selectors``). ``explanation`` here is the full text, for the audit trail."""

    CATEGORY: ClassVar[str] = IDENTITY

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="complexity_ratings"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.CharField(max_length=1, choices=Rating.choices)
    explanation = models.TextField(max_length=2000)
    issue_areas = models.JSONField(
        default=list, blank=True, help_text="The names of the areas counted as complex issues."
    )
    safeguarding_raised = models.BooleanField(
        default=False, help_text="The safeguarding rule raised the rating."
    )
    rule_set = models.ForeignKey(
        RagRuleSet, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_override = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True, max_length=1000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["person", "-created_on"])]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}{' (override)' if self.is_override else ''}"
