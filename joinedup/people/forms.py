"""Forms for finding, adding and changing people."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import GovukDateField

from .identifiers import normalise_postcode
from .models import HouseholdMember, Person, PersonName, WarningMarker
from .services import clean_person_fields


class PostcodeMixin(forms.Form):
    def clean_postcode(self) -> str:
        value = str(self.cleaned_data["postcode"]).strip()
        if value and normalise_postcode(value) is None:
            raise forms.ValidationError("Enter a real postcode, like NV1 4AB")
        return value


class PersonSearchForm(PostcodeMixin, forms.Form):
    """Searching is a POST, so names and dates of birth never appear in URLs (SEC-27)."""

    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 27 3 1985"
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        required=False,
        error_messages={"max_length": "Enter a real postcode, like NV1 4AB"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(
            data.get(k) for k in ("given_name", "family_name", "date_of_birth", "postcode")
        ):
            raise forms.ValidationError("Enter a name, a date of birth or a postcode to search for")
        return data


class NewPersonStartForm(PostcodeMixin, forms.Form):
    """The first step of adding a person: enough to check they are not already known."""

    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    date_of_birth = GovukDateField(
        label="Date of birth",
        required=False,
        past_only=True,
        help_text="For example, 27 3 1985. Leave it blank if they do not want to say.",
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        required=False,
        error_messages={"max_length": "Enter a real postcode, like NV1 4AB"},
    )


class PersonForm(forms.Form):
    """Every field of the core record. Equality questions are always optional."""

    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    middle_names = forms.CharField(label="Middle names (optional)", max_length=200, required=False)
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    preferred_name = forms.CharField(
        label="Preferred name (optional)",
        max_length=100,
        required=False,
        help_text="What they like to be called.",
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False, past_only=True)
    sex = forms.ChoiceField(
        label="Sex (optional)", choices=[("", "Not given"), *Person.Sex.choices], required=False
    )
    gender_identity = forms.CharField(
        label="Gender identity (optional)",
        max_length=100,
        required=False,
        help_text="In their own words, only if they want to say.",
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = forms.CharField(label="Phone number (optional)", max_length=32, required=False)
    preferred_contact = forms.ChoiceField(
        label="How they prefer to be contacted",
        choices=[("", "No preference"), *Person.ContactMethod.choices],
        required=False,
    )
    address_line_1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    address_line_2 = forms.CharField(
        label="Address line 2 (optional)", max_length=200, required=False
    )
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        required=False,
        error_messages={"max_length": "Enter a real postcode, like NV1 4AB"},
    )
    uprn = forms.CharField(
        label="UPRN (optional)",
        max_length=12,
        required=False,
        help_text="Unique Property Reference Number, if known.",
    )
    lsoa_code = forms.CharField(label="LSOA code (optional)", max_length=9, required=False)
    ni_number = forms.CharField(
        label="National Insurance number (optional)",
        max_length=13,
        required=False,
        help_text="For example, QQ 12 34 56 C",
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        max_length=12,
        required=False,
        help_text="10 digits, for example 943 476 5919",
    )
    preferred_language = forms.CharField(
        label="Preferred language (optional)", max_length=60, required=False
    )
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    communication_needs = forms.CharField(
        label="Communication needs (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, large print, British Sign Language, easy read.",
    )
    ethnicity = forms.CharField(label="Ethnicity (optional)", max_length=100, required=False)
    disability = forms.CharField(label="Disability (optional)", max_length=100, required=False)
    religion = forms.CharField(
        label="Religion or belief (optional)", max_length=100, required=False
    )
    sexual_orientation = forms.CharField(
        label="Sexual orientation (optional)", max_length=100, required=False
    )

    EQUALITY_FIELDS = ("ethnicity", "disability", "religion", "sexual_orientation")

    def __init__(self, *args: Any, allowed_fields: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed_fields is not None:
            for name in list(self.fields):
                if name not in allowed_fields:
                    del self.fields[name]

    def clean(self) -> dict[str, Any]:
        """Postcode, NI and NHS numbers are checked by the same rules the service applies."""
        data = super().clean() or {}
        checked = {k: data[k] for k in ("postcode", "ni_number", "nhs_number") if data.get(k)}
        try:
            data.update(clean_person_fields(checked))
        except forms.ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data

    @classmethod
    def initial_from(cls, person: Person) -> dict[str, Any]:
        return {name: getattr(person, name) for name in cls.base_fields}

    def changed_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class OtherNameForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of name",
        choices=PersonName.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of name"},
    )
    given_name = forms.CharField(label="First name (optional)", max_length=100, required=False)
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter the last name"}
    )


class WarningMarkerForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is the risk?",
        choices=WarningMarker.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the risk"},
    )
    details = forms.CharField(
        label="What visiting staff need to know",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only what staff need to stay safe. Do not include health or offending details.",
        error_messages={"required": "Enter what visiting staff need to know"},
    )
    review_on = GovukDateField(
        label="Review by",
        help_text="When this warning should be checked again, for example in 6 months.",
    )


class HouseholdMemberForm(forms.Form):
    relationship = forms.ChoiceField(
        label="Their place in the household",
        choices=HouseholdMember.Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select their place in the household"},
    )
