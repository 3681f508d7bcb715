"""Forms for the service directory. They check only what a form can (something typed, a whole
number); the services check the values, so the pages and the ORUK import answer alike."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from joinedup.accounts.models import Organisation
from joinedup.core.forms import GovukDateField

from .models import Service
from .needs import NEED_AREA_HELP, NeedArea
from .values import ContactValues, LocationValues, ServiceValues

YES_NO = [("yes", "Yes"), ("no", "No")]
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _whole_number(label: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        error_messages={"invalid": f"{label.split(' (')[0]} must be a whole number, like 18"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        **kwargs,
    )


class DirectorySearchForm(forms.Form):
    """The directory's filters. A GET form: the directory holds no personal data."""

    q = forms.CharField(
        label="Search by name or what the service does",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search words must be 200 characters or fewer"},
    )
    need = forms.ChoiceField(
        label="Need area",
        required=False,
        choices=[("", "Any need area"), *NeedArea.choices],
        error_messages={"invalid_choice": "Select a need area from the list"},
    )
    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        error_messages={"invalid_choice": "Select an organisation from the list"},
    )

    def __init__(self, *args: Any, organisations: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All organisations")] + [
            (str(organisation.pk), organisation.name) for organisation in organisations
        ]


class ServiceForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose the organisation that runs it",
        help_text="The partner that runs the service.",
        error_messages={
            "required": "Select the organisation that runs the service",
            "invalid_choice": "Select the organisation that runs the service",
        },
    )
    name = forms.CharField(
        label="Name of the service",
        max_length=200,
        help_text="The name people know it by, for example 'Debt advice drop-in'.",
        error_messages={
            "required": "Enter the name of the service",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    description = forms.CharField(
        label="What the service does",
        max_length=4000,
        help_text="In plain English, for key workers deciding whether to refer someone.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter what the service does",
            "max_length": "Description must be 4,000 characters or fewer",
        },
    )
    need_areas = forms.MultipleChoiceField(
        label="Which needs does it help with?",
        help_text="Select all that apply. Key workers are shown services for each need they find.",
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one need area the service helps with",
            "invalid_choice": "Select need areas from the list",
        },
    )
    eligibility_description = forms.CharField(
        label="Who it is for (optional)",
        required=False,
        max_length=2000,
        help_text="For example, 'Northvale residents on a low income'.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Who it is for must be 2,000 characters or fewer"},
    )
    minimum_age = _whole_number("Minimum age (optional)")
    maximum_age = _whole_number("Maximum age (optional)")
    referral_method = forms.ChoiceField(
        label="How are people referred?",
        choices=Service.ReferralMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how people are referred to the service"},
    )
    how_to_refer = forms.CharField(
        label="How to refer (optional)",
        required=False,
        max_length=2000,
        help_text="What the referrer needs to do or send, and what happens next.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "How to refer must be 2,000 characters or fewer"},
    )
    accepting_referrals = forms.TypedChoiceField(
        label="Is it taking new referrals?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the service is taking new referrals"},
    )
    waiting_time_days = _whole_number(
        "Usual wait in days (optional)",
        help_text="From referral to first appointment. Leave empty if you do not know.",
    )
    status = forms.ChoiceField(
        label="Is the service running?",
        choices=Service.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the service is running"},
    )
    url = forms.CharField(
        label="Website (optional)",
        required=False,
        max_length=500,
        help_text="For example, https://www.example.org/debt-advice",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
    )
    email = forms.CharField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    fees = forms.CharField(
        label="Fees (optional)",
        required=False,
        max_length=500,
        help_text="Leave empty if it is free.",
        error_messages={"max_length": "Fees must be 500 characters or fewer"},
    )
    last_reviewed = GovukDateField(
        label="Date last reviewed",
        required=False,
        past_only=True,
        help_text="When someone last checked these details are right. For example, 27 3 2026",
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None = None,
        **kwargs: Any,
    ) -> None:
        """``organisations`` is given when adding a service (the organisations the actor may
        add to); when changing one, the organisation stays as it is."""
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations
        self.need_help = NEED_AREA_HELP

    @classmethod
    def initial_for_new(cls) -> dict[str, Any]:
        return {
            "referral_method": Service.ReferralMethod.JOINEDUP_REFERRAL,
            "accepting_referrals": "yes",
            "status": Service.Status.ACTIVE,
        }

    @classmethod
    def initial_from(cls, service: Service) -> dict[str, Any]:
        initial = {name: getattr(service, name) for name in ServiceValues.MODEL_FIELDS}
        initial["accepting_referrals"] = "yes" if service.accepting_referrals else "no"
        initial["need_areas"] = service.need_codes
        return initial

    def values(self) -> ServiceValues:
        data = self.cleaned_data
        return ServiceValues(
            name=data["name"],
            description=data["description"],
            need_areas=tuple(data["need_areas"]),
            url=data["url"],
            email=data["email"],
            status=data["status"],
            eligibility_description=data["eligibility_description"],
            minimum_age=data["minimum_age"],
            maximum_age=data["maximum_age"],
            how_to_refer=data["how_to_refer"],
            referral_method=data["referral_method"],
            waiting_time_days=data["waiting_time_days"],
            accepting_referrals=bool(data["accepting_referrals"]),
            fees=data["fees"],
            last_reviewed=data["last_reviewed"],
        )


def _coordinate(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=f"{label} (optional)",
        required=False,
        max_digits=9,
        decimal_places=6,
        error_messages={
            "invalid": f"{label} must be a number, like 54.9783",
            "max_digits": f"{label} must have no more than 6 decimal places",
            "max_decimal_places": f"{label} must have no more than 6 decimal places",
            "max_whole_digits": f"{label} must be a number between -180 and 180",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )


class LocationForm(forms.Form):
    name = forms.CharField(
        label="Name of the location",
        max_length=200,
        help_text="For example, 'Northvale Works hub' or 'Central Library'.",
        error_messages={
            "required": "Enter the name of the location",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    address_1 = forms.CharField(
        label="Address (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Address must be 200 characters or fewer"},
    )
    city = forms.CharField(
        label="Town or city (optional)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
        error_messages={"max_length": "Town or city must be 100 characters or fewer"},
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
        error_messages={"max_length": "Enter a real postcode, like NV1 4AB"},
    )
    latitude = _coordinate("Latitude")
    longitude = _coordinate("Longitude")

    def values(self) -> LocationValues:
        data = self.cleaned_data
        latitude: Decimal | None = data["latitude"]
        longitude: Decimal | None = data["longitude"]
        return LocationValues(
            name=data["name"],
            address_1=data["address_1"],
            city=data["city"],
            postcode=data["postcode"],
            latitude=latitude,
            longitude=longitude,
        )


class ContactForm(forms.Form):
    name = forms.CharField(label="Name (optional)", required=False, max_length=200)
    title = forms.CharField(
        label="Job title (optional)",
        required=False,
        max_length=200,
        help_text="For example, 'Referrals coordinator'.",
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
        error_messages={
            "max_length": "Enter a phone number, like 01632 960 001 or +44 1632 960 001"
        },
    )
    email = forms.CharField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def values(self) -> ContactValues:
        data = self.cleaned_data
        return ContactValues(
            name=data["name"], title=data["title"], phone=data["phone"], email=data["email"]
        )


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label="Why is the service being archived?",
        help_text="For example, 'Funding ended in March'. The reason is kept.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the service is being archived",
            "max_length": "Reason must be 500 characters or fewer",
        },
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload an Open Referral UK file",
        help_text=(
            "A JSON file: a list of services, or a page from an ORUK API. Each service's "
            "organisation must already be in JoinedUp, with the same name."
        ),
        error_messages={
            "required": "Select an Open Referral UK JSON file",
            "empty": "The selected file is empty",
            "invalid": "Select an Open Referral UK JSON file",
        },
    )
    dry_run = forms.BooleanField(
        label="Check the file only, without importing",
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 5MB")
        return upload
