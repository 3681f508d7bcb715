"""Forms for consent, lawful bases, break-glass, access requests, agreements and categories."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.core.forms import GovukDateField

from .models import BreakGlass, Consent, Gateway, InformationCategory, SharingAgreement


def _organisations() -> Any:
    return Organisation.objects.active().order_by("name")


def _categories() -> Any:
    return InformationCategory.objects.order_by("order")


class ConsentForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label="Which organisations may see the information?",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all the person agreed to. Or choose a sharing agreement below.",
    )
    agreement = forms.ModelChoiceField(
        label="Or: consent to sharing under an agreement (optional)",
        queryset=SharingAgreement.objects.none(),
        required=False,
        empty_label="No agreement",
    )
    categories = forms.ModelMultipleChoiceField(
        label="Which information did they agree to share?",
        queryset=InformationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the information the person agreed to share"},
    )
    purpose = forms.CharField(
        label="What will it be used for?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, 'To work together on a plan to help them into work.'",
        error_messages={"required": "Enter what the information will be used for"},
    )
    how_given = forms.ChoiceField(
        label="How was consent given?",
        choices=Consent.HowGiven.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how consent was given"},
    )
    given_on = GovukDateField(label="Date consent was given", past_only=True)
    expires_on = GovukDateField(
        label="Consent ends (optional)",
        required=False,
        help_text="Leave blank if it lasts until withdrawn. Many partnerships review consent yearly.",
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A scan or photo of the signed form: PDF, JPG or PNG, up to 5 MB.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = _organisations()  # type: ignore[attr-defined]
        today = timezone.localdate()
        self.fields["agreement"].queryset = SharingAgreement.objects.active().filter(  # type: ignore[attr-defined]
            starts_on__lte=today
        )
        self.fields["categories"].queryset = _categories()  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason"},
    )

    def __init__(
        self, *args: Any, label: str = "Reason", help_text: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.fields["reason"].error_messages["required"] = (
            f"Enter {label[0].lower()}{label[1:]}".rstrip("?")
        )


class LawfulBasisForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label="Which organisations need the information?",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the organisations that need the information"},
    )
    categories = forms.ModelMultipleChoiceField(
        label="Which information?",
        queryset=InformationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the information needed"},
    )
    gateway = forms.ChoiceField(
        label="Legal gateway",
        choices=Gateway.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the legal gateway"},
    )
    justification = forms.CharField(
        label="Why is sharing without consent necessary and proportionate?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say why consent cannot be sought or was refused, and why this is the least needed.",
        error_messages={"required": "Explain why sharing without consent is necessary"},
    )
    starts_on = GovukDateField(label="From")
    ends_on = GovukDateField(label="Until", help_text="A year at most.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = _organisations()  # type: ignore[attr-defined]
        self.fields["categories"].queryset = _categories()  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or refuse"},
    )
    note = forms.CharField(
        label="Reason for your decision",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for your decision"},
    )


class BreakGlassReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Was the access appropriate?",
        choices=BreakGlass.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the access was appropriate"},
    )
    note = forms.CharField(
        label="Notes (required if not appropriate)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="If you agree, record the person's consent or ask for a lawful basis, then say so here.",
        error_messages={"required": "Enter your answer"},
    )


class AgreementForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the agreement's name"}
    )
    reference = forms.CharField(label="Reference (optional)", max_length=50, required=False)
    purpose = forms.CharField(
        label="Purposes",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the purposes of the agreement"},
    )
    parties = forms.ModelMultipleChoiceField(
        label="Parties",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least two organisations"},
    )
    categories = forms.ModelMultipleChoiceField(
        label="Information covered",
        queryset=InformationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the information the agreement covers"},
    )
    starts_on = GovukDateField(label="Starts")
    ends_on = GovukDateField(label="Ends (optional)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = _organisations()  # type: ignore[attr-defined]
        self.fields["categories"].queryset = _categories()  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, error_messages={"required": "Enter a name"}
    )
    description = forms.CharField(
        label="Description",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
