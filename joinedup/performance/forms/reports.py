"""Forms for turn-the-curve reports. Each form that changes a report carries the version the
page was built from (a hidden field), so that a stale form is refused, not saved over someone
else's edit (REL-01)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from joinedup.core.forms import GovukDateField

from ..models import ReportAction, TurnTheCurveReport, WhatWorksIdea


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReportStartForm(forms.Form):
    indicator: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Indicator",
        queryset=None,
        empty_label="Select the indicator",
        help_text="The population indicator whose curve the partnership wants to turn.",
        error_messages={"required": "Select the indicator"},
    )
    area: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Area",
        queryset=None,
        empty_label="Select the area",
        help_text="Where the population lives: a district, ward or a custom target area.",
        error_messages={"required": "Select the area"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, “Fewer working-age residents on out-of-work benefits”.",
        error_messages={"required": "Enter a title"},
    )
    population = forms.CharField(
        label="Population",
        max_length=300,
        help_text="Who: for example, “working-age residents of the worst performing "
        "neighbourhoods (9,500 on benefits)”.",
        error_messages={"required": "Enter the population"},
    )
    outcome = forms.CharField(
        label="Outcome",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The condition of well-being you want for them, in plain words.",
        error_messages={"required": "Enter the outcome"},
    )
    what_success_looks_like = forms.CharField(
        label="What would success look like?",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What people would experience if the outcome were achieved.",
    )

    def __init__(
        self, *args: Any, indicators: QuerySet[Any], areas: QuerySet[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        indicator: Any = self.fields["indicator"]
        indicator.queryset = indicators
        area: Any = self.fields["area"]
        area.queryset = areas


class ReportChangeForm(VersionMixin):
    title = ReportStartForm.base_fields["title"]
    population = ReportStartForm.base_fields["population"]
    outcome = ReportStartForm.base_fields["outcome"]
    what_success_looks_like = ReportStartForm.base_fields["what_success_looks_like"]
    status = forms.ChoiceField(
        label="Status",
        choices=TurnTheCurveReport.Status.choices,
        widget=forms.RadioSelect,
        help_text="Mark it agreed when the partners have agreed the plan.",
        error_messages={"required": "Select the status"},
    )


class CauseForm(VersionMixin):
    text = forms.CharField(
        label="Cause",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the curve looks as it does: one cause or force at work.",
        error_messages={"required": "Enter the cause"},
    )
    tag = forms.CharField(
        label="Tag (optional)",
        max_length=60,
        required=False,
        help_text="A word to group causes, for example skills, debt, health or transport.",
    )


class PartnerForm(VersionMixin):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="JoinedUp organisation",
        queryset=None,
        required=False,
        empty_label="Not a JoinedUp organisation",
        help_text="Its staff may then co-edit this report.",
    )
    name = forms.CharField(
        label="Or a partner outside JoinedUp",
        max_length=200,
        required=False,
        help_text="For example, “Credit unions” or “Local employers’ forum”.",
    )
    role = forms.CharField(
        label="Their role",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What they could do to help turn the curve.",
        error_messages={"required": "Enter their role"},
    )

    def __init__(self, *args: Any, organisations: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation: Any = self.fields["organisation"]
        organisation.queryset = organisations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("organisation") and data.get("name"):
            self.add_error(
                "name", "Select a JoinedUp organisation or type a partner’s name, not both"
            )
        elif "organisation" in data and not data.get("organisation") and not data.get("name"):
            self.add_error(
                "organisation",
                "Select a JoinedUp organisation, or type the name of a partner outside JoinedUp",
            )
        return data


class IdeaForm(VersionMixin):
    text = forms.CharField(
        label="Idea",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Something that works, or could work, to turn the curve.",
        error_messages={"required": "Enter the idea"},
    )
    evidence = forms.ChoiceField(
        label="Evidence",
        choices=WhatWorksIdea.Evidence.choices,
        widget=forms.RadioSelect,
        help_text="Evidence-based if there is research or a local evaluation showing it works.",
        error_messages={"required": "Select whether it is evidence-based or could work"},
    )
    cost = forms.ChoiceField(
        label="Cost",
        choices=WhatWorksIdea.Cost.choices,
        widget=forms.RadioSelect,
        help_text="Every plan needs at least one no-cost or low-cost idea.",
        error_messages={"required": "Select the cost"},
    )
    source = forms.CharField(
        label="Source of the evidence (optional)",
        max_length=300,
        required=False,
    )


class ActionForm(VersionMixin):
    action = forms.CharField(
        label="Action",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the action"},
    )
    for_whom = forms.CharField(
        label="For whom",
        max_length=300,
        help_text="Who it is for, for example “residents in debt” or “all partners”.",
        error_messages={"required": "Enter who the action is for"},
    )
    lead_organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Lead organisation",
        queryset=None,
        empty_label="Select the organisation",
        error_messages={"required": "Select the organisation that leads it"},
    )
    lead_name = forms.CharField(
        label="Lead person (optional)",
        max_length=200,
        required=False,
        help_text="The name or job title of the person who leads it.",
    )
    due_on = GovukDateField(label="By when", help_text="For example, 30 9 2027")
    status = forms.ChoiceField(
        label="Status",
        choices=ReportAction.Status.choices,
        widget=forms.RadioSelect,
        initial=ReportAction.Status.NOT_STARTED,
        error_messages={"required": "Select the status"},
    )
    programme: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="JoinedUp programme (optional)",
        queryset=None,
        required=False,
        empty_label="Not linked to a programme",
        help_text="Link the action to the programme that delivers it.",
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Any],
        programmes: QuerySet[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead_organisation"]
        lead.queryset = organisations
        programme: Any = self.fields["programme"]
        programme.queryset = programmes


class DataItemForm(VersionMixin):
    text = forms.CharField(
        label="Data we need",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Data the partnership does not have yet but needs, to understand or measure "
        "this better.",
        error_messages={"required": "Enter the data you need"},
    )


class VersionForm(VersionMixin):
    """For a removal or a move: only the version the page was built from."""


#: The form for each part of a report, by the section's slug in URLs.
ITEM_FORMS: dict[str, type[VersionMixin]] = {
    "causes": CauseForm,
    "partners": PartnerForm,
    "ideas": IdeaForm,
    "actions": ActionForm,
    "data": DataItemForm,
}
