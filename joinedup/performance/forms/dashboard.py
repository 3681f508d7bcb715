"""Forms for the dashboard settings and the disclosure control pages."""

from __future__ import annotations

from typing import Any

from django import forms

from ..services.dashboard import ROUNDING_RANGE, THRESHOLD_RANGE


class AddItemForm(forms.Form):
    item = forms.ChoiceField(
        label="Indicator or measure",
        help_text="Only active indicators and measures not already on the dashboard are listed.",
        error_messages={
            "required": "Select an indicator or measure",
            "invalid_choice": "Select an indicator or measure from the list",
        },
    )
    public = forms.TypedChoiceField(
        label="Show it on the public dashboard?",
        help_text="The public dashboard shows it with small numbers suppressed and counts rounded.",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={"required": "Select whether to show it on the public dashboard"},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["item"]
        field.choices = [("", "Select an indicator or measure"), *choices]


class DisclosureForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    threshold = forms.IntegerField(
        label="Suppression threshold",
        help_text=(
            "Counts of people from 1 up to one less than this are not published, nor any count "
            "that would let one be worked out. The usual value is 5."
        ),
        min_value=THRESHOLD_RANGE[0],
        max_value=THRESHOLD_RANGE[1],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the suppression threshold",
            "invalid": "The threshold must be a whole number",
            "min_value": f"The threshold must be between {THRESHOLD_RANGE[0]} and {THRESHOLD_RANGE[1]}",
            "max_value": f"The threshold must be between {THRESHOLD_RANGE[0]} and {THRESHOLD_RANGE[1]}",
        },
    )
    rounding_base = forms.IntegerField(
        label="Round published counts to the nearest",
        help_text="For example 5: 7 is published as 5 and 8 as 10. Enter 1 to publish counts unrounded.",
        min_value=ROUNDING_RANGE[0],
        max_value=ROUNDING_RANGE[1],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter what to round published counts to",
            "invalid": "Rounding must be a whole number",
            "min_value": f"Rounding must be to a multiple of {ROUNDING_RANGE[0]} to {ROUNDING_RANGE[1]}",
            "max_value": f"Rounding must be to a multiple of {ROUNDING_RANGE[0]} to {ROUNDING_RANGE[1]}",
        },
    )
    change_reason = forms.CharField(
        label="Why are the rules changing?",
        help_text="Kept with this version of the rules and shown in their history.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the rules are changing"},
    )
