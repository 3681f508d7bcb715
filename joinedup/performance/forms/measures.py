"""Forms for performance measures: the filters of the measures page, and the change of a measure's
definition (which carries the version the page showed, so a stale form is refused)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.utils import timezone

from joinedup.core.forms import GovukDateField

from ..measures import CALCULATIONS
from ..models import MeasureDefinition
from ..selectors.measures import LONGEST_PERIOD_DAYS, MeasureFilters


def _choices(empty: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", empty), *choices]


class MeasureFilterForm(forms.Form):
    """The filters, read from the query string. Every field is optional."""

    date_from = GovukDateField(
        label="From",
        required=False,
        help_text="The first day of the period. For example, 1 4 2025. "
        "Leave empty for 12 months before the end date.",
    )
    date_to = GovukDateField(
        label="To",
        required=False,
        help_text="The last day of the period. Leave empty for today.",
    )
    programme = forms.ChoiceField(label="Programme", required=False)
    organisation = forms.ChoiceField(
        label="Partner organisation",
        required=False,
        help_text="Cases it leads, referrals sent to it, triages it did, actions it owns.",
    )
    team = forms.ChoiceField(
        label="Team", required=False, help_text="The team of the key worker holding the case."
    )
    area = forms.ChoiceField(
        label="Area", required=False, help_text="Where the person lives (by their LSOA)."
    )

    def __init__(
        self,
        *args: Any,
        programmes: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        teams: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _choices("All programmes", programmes)  # type: ignore[attr-defined]
        self.fields["organisation"].choices = _choices("All partners", organisations)  # type: ignore[attr-defined]
        self.fields["team"].choices = _choices("All teams", teams)  # type: ignore[attr-defined]
        self.fields["area"].choices = _choices("The whole partnership", areas)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        end = date_to or timezone.localdate()
        if date_from and date_from > end:
            field = "date_to" if date_to else "date_from"
            message = (
                "The end date must be the same as or after the start date"
                if date_to
                else "The start date must be today or in the past"
            )
            self.add_error(field, message)
        elif date_from and (end - date_from).days > LONGEST_PERIOD_DAYS:
            self.add_error("date_from", "The period must be 5 years or shorter")
        return cleaned

    def filters(self) -> MeasureFilters:
        """The filters chosen; the defaults when the form is not valid."""
        if not self.is_valid():
            return MeasureFilters()
        data = self.cleaned_data

        def pk(name: str) -> uuid.UUID | None:
            return uuid.UUID(data[name]) if data.get(name) else None

        return MeasureFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            programme_id=pk("programme"),
            organisation_id=pk("organisation"),
            team_id=pk("team"),
            area_id=pk("area"),
        )


class MeasureDefinitionForm(forms.Form):
    """A performance analyst's change to a measure's definition, with the reason for it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the measure's name"}
    )
    question = forms.ChoiceField(
        label="Which question does it answer?",
        choices=MeasureDefinition.Question.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the question it answers"},
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=MeasureDefinition.Unit.choices,
        error_messages={"required": "Choose the unit"},
    )
    how_we_count = forms.CharField(
        label="How we count",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="In plain English: what is counted, over which period, and what is left out.",
        error_messages={"required": "Say how the measure is counted"},
    )
    calculation = forms.ChoiceField(
        label="Calculation",
        help_text="The counting JoinedUp does. Changing it changes what the figure means.",
        error_messages={"required": "Choose the calculation"},
    )
    parameters = forms.CharField(
        label="Parameters",
        required=False,
        help_text='As JSON, for example {"working_days": 10}. Leave empty for none.',
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    order = forms.IntegerField(
        label="Order on the page", min_value=0, max_value=1000, help_text="Lower comes first."
    )
    active = forms.BooleanField(label="Show this measure", required=False)
    change_reason = forms.CharField(
        label="Why are you changing it?",
        max_length=500,
        help_text="Everyone can see this on the “How we count” page.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the definition is changing"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calculation"].choices = [  # type: ignore[attr-defined]
            (key, f"{key}: {calc.label}") for key, calc in sorted(CALCULATIONS.items())
        ]

    @classmethod
    def initial_for(cls, measure: MeasureDefinition) -> dict[str, Any]:
        return {
            "version": measure.version,
            "name": measure.name,
            "question": measure.question,
            "unit": measure.unit,
            "how_we_count": measure.how_we_count,
            "calculation": measure.calculation,
            "parameters": json.dumps(measure.parameters) if measure.parameters else "",
            "order": measure.order,
            "active": measure.active,
        }

    def clean_parameters(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("parameters") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(
                'Parameters must be JSON, for example {"working_days": 10}'
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('Parameters must be a JSON object, like {"weeks": 13}')
        return value

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "name",
                "question",
                "unit",
                "how_we_count",
                "calculation",
                "parameters",
                "order",
                "active",
            )
        }
