"""Forms for referrals: the staff referral form, the public self-referral question pages, and
answering a referral."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from joinedup.accounts.models import Organisation, Team
from joinedup.core.forms import GovukDateField
from joinedup.directory.needs import NeedArea
from joinedup.people.identifiers import normalise_postcode

from .models import Referral

_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?$")
_NO_MARKUP = "Remove the < and > characters"


def _no_markup(value: str) -> str:
    if "<" in value or ">" in value:
        raise forms.ValidationError(_NO_MARKUP)
    return value


class StaffReferralForm(forms.Form):
    to_organisation = forms.ModelChoiceField(
        label="Refer to",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation you are referring to"},
    )
    to_team = forms.ModelChoiceField(
        label="Team (optional)",
        queryset=Team.objects.none(),
        required=False,
        empty_label="Any team",
    )
    needs = forms.MultipleChoiceField(
        label="What do they need help with?",
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select what they need help with"},
    )
    reason = forms.CharField(
        label="Why are you referring them?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the person wants help with, in their words where you can. Share only what they agreed to.",
        error_messages={"required": "Enter why you are referring them"},
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
    )
    consent_to_share = forms.BooleanField(
        label="The person agreed to this referral and to these details being shared",
        error_messages={"required": "Confirm the person agreed to this referral"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["to_organisation"]
        team = self.fields["to_team"]
        assert isinstance(organisation, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        organisation.queryset = Organisation.objects.active().order_by("name")
        team.queryset = (
            Team.objects.active()
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )


class NameForm(forms.Form):
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter your first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter your last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    heading = "What is your name?"

    def _clean_name(self, field: str, label: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not _NAME.match(value):
            raise forms.ValidationError(
                f"{label} must only include letters a to z, spaces, hyphens and apostrophes"
            )
        return value

    def clean_given_name(self) -> str:
        return self._clean_name("given_name", "First name")

    def clean_family_name(self) -> str:
        return self._clean_name("family_name", "Last name")


class DateOfBirthForm(forms.Form):
    date_of_birth = GovukDateField(
        label="Date of birth", past_only=True, help_text="For example, 27 3 1985"
    )
    heading = "What is your date of birth?"

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data["date_of_birth"]
        if value and (timezone.localdate() - value).days < 16 * 365:
            raise forms.ValidationError(
                "You must be 16 or over to use this form. Ask a parent, carer or school to contact us"
            )
        return value


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        help_text="For example, NV1 4AB",
        error_messages={
            "required": "Enter your postcode",
            "max_length": "Enter a real postcode, like NV1 4AB",
        },
    )
    heading = "What is your postcode?"

    def clean_postcode(self) -> str:
        value = normalise_postcode(self.cleaned_data["postcode"])
        if value is None:
            raise forms.ValidationError("Enter a real postcode, like NV1 4AB")
        return value


class ContactForm(forms.Form):
    contact_preference = forms.ChoiceField(
        label="How should we contact you?",
        choices=[("phone", "Phone call"), ("text", "Text message"), ("email", "Email")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how we should contact you"},
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=20,
        required=False,
        help_text="For a phone call or text message",
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    heading = "How should we contact you?"

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        digits = re.sub(r"[\s()-]", "", value)
        if value and not re.fullmatch(r"\+?\d{10,14}", digits):
            raise forms.ValidationError(
                "Enter a telephone number, like 01632 960 001 or 07700 900 982"
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        how = data.get("contact_preference")
        if how in ("phone", "text") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Enter a phone number so we can contact you")
        if how == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter an email address so we can contact you")
        return data


class NeedsForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label="What would you like help with?",
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select what you would like help with"},
    )
    heading = "What would you like help with?"


class AboutForm(forms.Form):
    reason = forms.CharField(
        label="Tell us a little about your situation",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What is happening and what you would like to change. You can tell us more when we talk. Up to 2,000 characters.",
        error_messages={
            "required": "Tell us a little about your situation",
            "max_length": "Tell us about your situation in 2,000 characters or fewer",
        },
    )
    heading = "Tell us a little about your situation"

    def clean_reason(self) -> str:
        return _no_markup(self.cleaned_data["reason"].strip())


class ConsentForm(forms.Form):
    consent_to_share = forms.BooleanField(
        label="I agree that the partnership may use these details to contact me and to find the right help",
        error_messages={"required": "Confirm you agree, so that we can help you"},
    )
    heading = "Sharing your details"


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you declining this referral?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The referrer will see this. Suggest where else might help.",
        error_messages={"required": "Enter why you are declining the referral"},
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label="What happened?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The referrer will see this, so they know the outcome.",
        error_messages={"required": "Enter what happened, so the referrer knows"},
    )
