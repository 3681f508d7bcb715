"""The values a service, a location and a contact hold, and how they are checked.

One set of checks, with messages in the GOV.UK style, used by the pages (through
``services``), the Open Referral UK import and any later API, so they all answer alike.
``cleaned()`` trims and normalises (postcodes, e-mail addresses); ``problems()`` says what is
wrong, by field name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from joinedup.people.identifiers import normalise_postcode

from .models import Service
from .needs import NeedArea

MAX_AGE = 120
MAX_WAITING_DAYS = 730
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class ServiceValues:
    """What a service says about itself: the fields of ``Service`` people edit, and its need
    areas. ``cleaned()`` trims text; ``problems()`` checks it."""

    name: str
    description: str
    need_areas: Sequence[str]
    url: str = ""
    email: str = ""
    status: str = Service.Status.ACTIVE
    eligibility_description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    how_to_refer: str = ""
    referral_method: str = Service.ReferralMethod.JOINEDUP_REFERRAL
    waiting_time_days: int | None = None
    accepting_referrals: bool = True
    fees: str = ""
    last_reviewed: date | None = None

    #: The ``Service`` fields set from these values (every field but ``need_areas``).
    MODEL_FIELDS = (
        "name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "how_to_refer",
        "referral_method",
        "waiting_time_days",
        "accepting_referrals",
        "fees",
        "last_reviewed",
    )

    def cleaned(self) -> ServiceValues:
        needs: list[str] = []
        for code in self.need_areas:
            code = str(code).strip()
            if code and code not in needs:
                needs.append(code)
        return replace(
            self,
            name=self.name.strip(),
            description=self.description.strip(),
            url=self.url.strip(),
            email=self.email.strip().lower(),
            eligibility_description=self.eligibility_description.strip(),
            how_to_refer=self.how_to_refer.strip(),
            fees=self.fees.strip(),
            need_areas=tuple(needs),
        )

    def problems(self, *, today: date | None = None) -> dict[str, str]:
        """What is wrong, by field name, in GOV.UK words ({} when all is well). Call on
        ``cleaned()`` values."""
        errors: dict[str, str] = {}
        _check_text(errors, "name", self.name, 200, "Enter the name of the service", "Name")
        _check_text(
            errors,
            "description",
            self.description,
            4000,
            "Enter what the service does",
            "Description",
        )
        if self.url and (len(self.url) > 500 or not _valid(_URL, self.url)):
            errors["url"] = (
                "Enter a website address in the correct format, like https://www.example.org"
            )
        if self.email and not _valid(_EMAIL, self.email):
            errors["email"] = "Enter an email address in the correct format, like name@example.org"
        if self.status not in Service.Status.values:
            errors["status"] = "Select whether the service is running"
        _check_text(
            errors,
            "eligibility_description",
            self.eligibility_description,
            2000,
            None,
            "Who it is for",
        )
        _check_text(errors, "how_to_refer", self.how_to_refer, 2000, None, "How to refer")
        _check_text(errors, "fees", self.fees, 500, None, "Fees")
        for name, label in (("minimum_age", "Minimum age"), ("maximum_age", "Maximum age")):
            value = getattr(self, name)
            if value is not None and not _whole_number_between(value, 0, MAX_AGE):
                errors[name] = f"{label} must be a whole number between 0 and {MAX_AGE}"
        if (
            "minimum_age" not in errors
            and "maximum_age" not in errors
            and self.minimum_age is not None
            and self.maximum_age is not None
            and self.minimum_age > self.maximum_age
        ):
            errors["maximum_age"] = "Maximum age must be the same as or more than the minimum age"
        if self.referral_method not in Service.ReferralMethod.values:
            errors["referral_method"] = "Select how people are referred to the service"
        elif (
            self.referral_method == Service.ReferralMethod.EMAIL
            and not self.email
            and "email" not in errors
        ):
            errors["email"] = "Enter the email address referrals are sent to"
        elif (
            self.referral_method == Service.ReferralMethod.WEB
            and not self.url
            and "url" not in errors
        ):
            errors["url"] = "Enter the website where people are referred"
        if self.waiting_time_days is not None and not _whole_number_between(
            self.waiting_time_days, 0, MAX_WAITING_DAYS
        ):
            errors["waiting_time_days"] = (
                f"Usual wait must be a whole number of days between 0 and {MAX_WAITING_DAYS}"
            )
        if not isinstance(self.accepting_referrals, bool):
            errors["accepting_referrals"] = "Say whether the service is taking referrals"
        if self.last_reviewed is not None:
            if not isinstance(self.last_reviewed, date):
                errors["last_reviewed"] = "Date last reviewed must be a real date"
            elif self.last_reviewed > (today or timezone.localdate()):
                errors["last_reviewed"] = "Date last reviewed must be today or in the past"
        unknown = [code for code in self.need_areas if code not in NeedArea.values]
        if unknown:
            errors["need_areas"] = (
                f"‘{unknown[0]}’ is not a need area. Use one of: {', '.join(NeedArea.values)}"
            )
        elif not self.need_areas:
            errors["need_areas"] = "Select at least one need area the service helps with"
        return errors


@dataclass(frozen=True)
class LocationValues:
    """A place where a service is delivered."""

    name: str
    address_1: str = ""
    city: str = ""
    postcode: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    def cleaned(self) -> LocationValues:
        postcode = self.postcode.strip()
        return replace(
            self,
            name=self.name.strip(),
            address_1=self.address_1.strip(),
            city=self.city.strip(),
            postcode=(normalise_postcode(postcode) or postcode) if postcode else "",
        )

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        _check_text(errors, "name", self.name, 200, "Enter the name of the location", "Name")
        _check_text(errors, "address_1", self.address_1, 200, None, "Address")
        _check_text(errors, "city", self.city, 100, None, "Town or city")
        if self.postcode and normalise_postcode(self.postcode) is None:
            errors["postcode"] = "Enter a real postcode, like NV1 4AB"
        for name, label, limit in (("latitude", "Latitude", 90), ("longitude", "Longitude", 180)):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, Decimal) and value.is_finite() and -limit <= value <= limit
            ):
                errors[name] = f"{label} must be a number between -{limit} and {limit}"
        if (self.latitude is None) != (self.longitude is None) and not (
            {"latitude", "longitude"} & errors.keys()
        ):
            missing = "longitude" if self.longitude is None else "latitude"
            errors[missing] = "Enter both the latitude and the longitude, or neither"
        return errors


@dataclass(frozen=True)
class ContactValues:
    """Someone to contact about a service: at least one of the four is needed."""

    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""

    def cleaned(self) -> ContactValues:
        return replace(
            self,
            name=self.name.strip(),
            title=self.title.strip(),
            phone=" ".join(self.phone.split()),
            email=self.email.strip().lower(),
        )

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not (self.name or self.title or self.phone or self.email):
            errors["name"] = (
                "Enter a name, job title, phone number or email address for the contact"
            )
        _check_text(errors, "name", self.name, 200, None, "Name")
        _check_text(errors, "title", self.title, 200, None, "Job title")
        if self.phone and not is_phone_number(self.phone):
            errors["phone"] = "Enter a phone number, like 01632 960 001 or +44 1632 960 001"
        if self.email and not _valid(_EMAIL, self.email):
            errors["email"] = "Enter an email address in the correct format, like name@example.org"
        return errors


def is_phone_number(value: str) -> bool:
    """A UK or international phone number as people write it: digits with spaces, brackets,
    hyphens and a leading +, 10 to 15 digits in all."""
    if len(value) > 30 or not set(value) <= set("0123456789 +()-"):
        return False
    if "+" in value[1:]:
        return False
    digits = sum(ch.isdigit() for ch in value)
    return 10 <= digits <= 15


def _valid(validator: Callable[[str], None], value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _whole_number_between(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_text(
    errors: dict[str, str],
    name: str,
    value: object,
    limit: int,
    required_message: str | None,
    label: str,
) -> None:
    if name in errors:
        return
    if not isinstance(value, str):
        errors[name] = f"{label} must be text"
    elif not value and required_message:
        errors[name] = required_message
    elif len(value) > limit:
        errors[name] = f"{label} must be {limit:,} characters or fewer"
