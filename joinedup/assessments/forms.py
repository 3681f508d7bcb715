"""Forms for recording an assessment and changing a complexity rating. The area fields are
built from the scale, so a changed scale needs no code change (rule 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from joinedup.core.forms import GovukDateField

from .defaults import MotivatorTag
from .models import (
    SCORE_MAX,
    SCORE_MIN,
    WELLBEING_MAX,
    WELLBEING_MIN,
    AreaStage,
    Assessment,
    AssessmentScale,
    Rating,
    ScaleArea,
    WellbeingCheck,
)
from .rag import lower_first
from .selectors import Prefill
from .services import AreaAnswer

NOT_ANSWERED = "none"


@dataclass(frozen=True)
class AreaFields:
    """One area's part of the form, for the template."""

    area: ScaleArea
    stages: list[AreaStage]
    score: forms.BoundField
    complex_issue: forms.BoundField
    note: forms.BoundField


@dataclass(frozen=True)
class WellbeingFields:
    field: forms.BoundField
    low_label: str
    high_label: str


class AssessmentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of assessment",
        choices=Assessment.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether this is a triage or a review"},
    )
    assessed_on = GovukDateField(label="Date of the assessment", help_text="For example, 27 3 2025")
    motivators = forms.CharField(
        label="What would make a change worth it for them? (optional)",
        help_text="In their own words, if you can.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    motivator_tags = forms.MultipleChoiceField(
        label="What motivates them (optional)",
        choices=MotivatorTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    barriers = forms.CharField(
        label="What is getting in the way? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    safeguarding_concern = forms.BooleanField(
        label="There is a safeguarding concern",
        required=False,
        help_text="Follow your organisation's safeguarding procedures as well.",
    )
    safeguarding_note = forms.CharField(
        label="What is the safeguarding concern? (if there is one)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, scale: AssessmentScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.areas: list[ScaleArea] = list(scale.areas.all())
        for area in self.areas:
            stages = list(area.stages.all())
            choices = [
                (str(n), f"{n}: {_label(stages, n)}" if _label(stages, n) else str(n))
                for n in range(SCORE_MIN, SCORE_MAX + 1)
            ]
            self.fields[f"score_{area.code}"] = forms.ChoiceField(
                label=area.name,
                help_text=area.description,
                choices=[*choices, (NOT_ANSWERED, "Not assessed")],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select a score for {lower_first(area.name)}, or select not assessed"
                },
            )
            self.fields[f"complex_{area.code}"] = forms.BooleanField(
                label=f"{area.name} is a complex issue, whatever the score",
                required=False,
            )
            self.fields[f"note_{area.code}"] = forms.CharField(
                label=f"Note on {lower_first(area.name)} (optional)",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for name, question, _low, _high, _better in WellbeingCheck.QUESTIONS:
            self.fields[f"wellbeing_{name}"] = forms.ChoiceField(
                label=question,
                choices=[
                    *((str(n), str(n)) for n in range(WELLBEING_MIN, WELLBEING_MAX + 1)),
                    (NOT_ANSWERED, "Not answered"),
                ],
                widget=forms.RadioSelect,
                required=False,
            )

    @staticmethod
    def initial_from(prefill: Prefill) -> dict[str, Any]:
        """Initial values from what the actor may see of earlier assessments."""
        initial: dict[str, Any] = {
            "kind": Assessment.Kind.REVIEW if prefill.has_previous else Assessment.Kind.TRIAGE,
            "motivators": prefill.motivators,
            "motivator_tags": prefill.motivator_tags,
            "barriers": prefill.barriers,
        }
        for code, (score, complex_issue) in prefill.scores.items():
            initial[f"score_{code}"] = str(score)
            initial[f"complex_{code}"] = complex_issue
        return initial

    def area_fields(self) -> list[AreaFields]:
        return [
            AreaFields(
                area=area,
                stages=list(area.stages.all()),
                score=self[f"score_{area.code}"],
                complex_issue=self[f"complex_{area.code}"],
                note=self[f"note_{area.code}"],
            )
            for area in self.areas
        ]

    def wellbeing_fields(self) -> list[WellbeingFields]:
        return [
            WellbeingFields(self[f"wellbeing_{name}"], low, high)
            for name, _question, low, high, _better in WellbeingCheck.QUESTIONS
        ]

    def scores(self) -> dict[str, AreaAnswer]:
        data = self.cleaned_data
        answers: dict[str, AreaAnswer] = {}
        for area in self.areas:
            value = data.get(f"score_{area.code}")
            if not value:
                continue  # the service names the missing area
            answers[area.code] = AreaAnswer(
                None if value == NOT_ANSWERED else int(value),
                bool(data.get(f"complex_{area.code}")),
                data.get(f"note_{area.code}", ""),
            )
        return answers

    def wellbeing(self) -> dict[str, int | None]:
        data = self.cleaned_data
        answers: dict[str, int | None] = {}
        for name in WellbeingCheck.FIELDS:
            value = data.get(f"wellbeing_{name}")
            answers[name] = int(value) if value and value != NOT_ANSWERED else None
        return answers

    def service_arguments(self) -> dict[str, Any]:
        """Everything ``services.record_assessment`` needs besides the actor, person and scale."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "assessed_on": data["assessed_on"],
            "scores": self.scores(),
            "motivators": data.get("motivators", ""),
            "motivator_tags": data.get("motivator_tags", []),
            "barriers": data.get("barriers", ""),
            "safeguarding_concern": bool(data.get("safeguarding_concern")),
            "safeguarding_note": data.get("safeguarding_note", ""),
            "wellbeing": self.wellbeing(),
        }


def _label(stages: list[AreaStage], score: int) -> str:
    for stage in stages:
        if stage.lowest_score <= score <= stage.highest_score:
            return stage.label
    return ""


class RatingOverrideForm(forms.Form):
    rating = forms.ChoiceField(
        label="What should the rating be?",
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the rating"},
    )
    reason = forms.CharField(
        label="Why are you changing the rating?",
        help_text=(
            "Everyone who can see this person's rating will see your reason. Do not include "
            "details of health, drugs or alcohol, offending or other sensitive information."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you are changing the rating"},
    )
