"""Writes to the person record. Each service takes ``actor=``, asks the access policy before it
writes, and records the change in the audit log in the same transaction (rules 1-3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.sharing.policy import RECORD_KEEPING_ROLES, access_to_person, works_with_people

from .identifiers import normalise_nhs_number, normalise_ni_number, normalise_postcode
from .models import (
    FAMILY,
    IDENTITY,
    SAFEGUARDING,
    Household,
    HouseholdMember,
    Involvement,
    Person,
    PersonName,
    WarningMarker,
)
from .names import normalise_name, soundex

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

EDITABLE_FIELDS = frozenset(Person.FIELD_CATEGORIES)


def _require_record_keeper(actor: Actor) -> None:
    if not works_with_people(actor) or not actor.user.has_any_role(RECORD_KEEPING_ROLES):
        raise PermissionDenied("Your role does not add or change people's records.")


def clean_person_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and check person fields: postcode, NI and NHS numbers. Raises a
    ValidationError naming each bad field."""
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    errors: dict[str, str] = {}
    if cleaned.get("postcode"):
        postcode = normalise_postcode(cleaned["postcode"])
        if postcode is None:
            errors["postcode"] = "Enter a real postcode, like NV1 4AB"
        cleaned["postcode"] = postcode or cleaned["postcode"]
    if cleaned.get("ni_number"):
        ni_number = normalise_ni_number(cleaned["ni_number"])
        if ni_number is None:
            errors["ni_number"] = (
                "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
            )
        cleaned["ni_number"] = ni_number or cleaned["ni_number"]
    if cleaned.get("nhs_number"):
        nhs_number = normalise_nhs_number(cleaned["nhs_number"])
        if nhs_number is None:
            errors["nhs_number"] = "Enter a valid 10-digit NHS number, like 943 476 5919"
        cleaned["nhs_number"] = nhs_number or cleaned["nhs_number"]
    dob = cleaned.get("date_of_birth")
    if isinstance(dob, date) and dob > timezone.localdate():
        errors["date_of_birth"] = "Date of birth must be in the past"
    if errors:
        raise ValidationError(errors)
    return cleaned


def _set_search_keys(person: Person) -> None:
    person.given_name_key = normalise_name(person.given_name)
    person.family_name_key = normalise_name(person.family_name)
    person.family_name_soundex = soundex(person.family_name_key) if person.family_name_key else ""


def register_person(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    possible_duplicates: Iterable[uuid.UUID] = (),
) -> Person:
    """Add a person to the shared record, held by the actor's organisation.

    ``possible_duplicates`` are the existing records the duplicate check showed: creating a new
    record anyway is recorded in the audit log with them (F2)."""
    _require_record_keeper(actor)
    cleaned = clean_person_fields(values)
    if not cleaned.get("given_name") or not cleaned.get("family_name"):
        raise ValidationError({"given_name": "Enter their first name and last name"})
    shown = [str(pk) for pk in possible_duplicates]
    with transaction.atomic():
        person = Person(registered_by_id=actor.org, **cleaned).stamp(actor)
        _set_search_keys(person)
        person.full_clean(exclude=["registered_by"])
        person.save()
        Involvement.objects.create(
            person=person, organisation_id=actor.org, started_on=timezone.localdate()
        ).stamp(actor)
        if shown:
            record_event(
                actor=actor,
                action="duplicate_override",
                person_id=person.pk,
                categories=[IDENTITY],
                basis="own_organisation",
                detail={"possible_duplicates_shown": shown},
            )
        record_event(
            actor=actor,
            action="create",
            person_id=person.pk,
            categories=sorted({Person.FIELD_CATEGORIES[f] for f in cleaned if cleaned[f]}),
            basis="own_organisation",
            detail={"fields": sorted(f for f in cleaned if cleaned[f])},
        )
    return person


def record_involvement(*, actor: Actor, person: Person) -> Involvement:
    """Record that the actor's organisation now works with the person (shown to everyone who
    finds them, "which agencies are involved"). Returns the open involvement, creating it only
    if there is none. Needs a basis for the person's identity."""
    _require_record_keeper(actor)
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise PermissionDenied("You have no basis to see this person's record.")
    with transaction.atomic():
        involvement, created = Involvement.objects.get_or_create(
            person=person,
            organisation_id=actor.org,
            ended_on__isnull=True,
            defaults={
                "started_on": timezone.localdate(),
                "created_by_id": actor.user_id,
                "modified_by_id": actor.user_id,
            },
        )
        if created:
            record_event(
                actor=actor,
                action="update",
                person_id=person.pk,
                categories=[IDENTITY],
                basis=access.audit_basis([IDENTITY])[0],
                detail={"involvement": "started"},
            )
    return involvement


def update_person(*, actor: Actor, person: Person, values: Mapping[str, Any]) -> list[str]:
    """Change fields of the core record. Each changed field's category must be visible to the
    actor (SEC-18). Returns the names of the fields that changed."""
    _require_record_keeper(actor)
    cleaned = clean_person_fields(values)
    changed = [f for f, v in cleaned.items() if getattr(person, f) != v]
    if not changed:
        return []
    access = access_to_person(actor=actor, person=person)
    refused = sorted(
        {
            Person.FIELD_CATEGORIES[f]
            for f in changed
            if not access.allows(Person.FIELD_CATEGORIES[f])
        }
    )
    if refused:
        raise PermissionDenied(f"You may not change information in: {', '.join(refused)}")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        for name in changed:
            setattr(person, name, cleaned[name])
        _set_search_keys(person)
        person.stamp(actor)
        person.full_clean(exclude=["registered_by"])
        person.save()
        categories = sorted({Person.FIELD_CATEGORIES[f] for f in changed})
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=categories,
            basis=access.audit_basis(categories)[0],
            detail={"fields": sorted(changed)},
        )
    return changed


def add_other_name(
    *, actor: Actor, person: Person, kind: str, given_name: str, family_name: str
) -> PersonName:
    _require_record_keeper(actor)
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY):
        raise PermissionDenied("You may not change this person's identity details.")
    if not family_name.strip():
        raise ValidationError({"family_name": "Enter the last name"})
    with transaction.atomic():
        other = PersonName(
            person=person,
            kind=kind,
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            family_name_key=normalise_name(family_name),
        ).stamp(actor)
        other.full_clean()
        other.save()
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access.audit_basis([IDENTITY])[0],
            detail={"added": "other name", "kind": kind},
        )
    return other


def add_warning_marker(
    *, actor: Actor, person: Person, kind: str, details: str, review_on: date
) -> WarningMarker:
    """Raise a staff-safety warning. Anyone who may visit sees it, so any record keeper who can
    find the person may raise one."""
    _require_record_keeper(actor)
    if not details.strip():
        raise ValidationError({"details": "Enter what visiting staff need to know"})
    if review_on <= timezone.localdate():
        raise ValidationError({"review_on": "The review date must be in the future"})
    with transaction.atomic():
        marker = WarningMarker(
            person=person,
            kind=kind,
            details=details.strip(),
            review_on=review_on,
            raised_by_organisation_id=actor.org,
        ).stamp(actor)
        marker.full_clean()
        marker.save()
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=[SAFEGUARDING],
            basis="own_organisation",
            detail={"added": "warning marker", "kind": kind},
        )
    return marker


def end_warning_marker(*, actor: Actor, marker: WarningMarker, reason: str) -> None:
    _require_record_keeper(actor)
    if marker.raised_by_organisation_id != actor.organisation_id:
        raise PermissionDenied("Only the organisation that raised a warning can end it.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the warning no longer applies"})
    with transaction.atomic():
        marker.ended_on = timezone.localdate()
        marker.ended_reason = reason.strip()
        marker.stamp(actor)
        marker.save()
        record_event(
            actor=actor,
            action="update",
            person_id=marker.person_id,
            categories=[SAFEGUARDING],
            basis="own_organisation",
            detail={"ended": "warning marker", "kind": marker.kind},
        )


def add_to_household(
    *, actor: Actor, person: Person, household: Household | None, relationship: str
) -> HouseholdMember:
    """Put the person in a household (a new one at their address when ``household`` is None)."""
    _require_record_keeper(actor)
    access = access_to_person(actor=actor, person=person)
    if not access.allows(FAMILY):
        raise PermissionDenied("You may not change this person's household.")
    with transaction.atomic():
        if household is None:
            household = Household(
                address_line_1=person.address_line_1,
                address_line_2=person.address_line_2,
                town=person.town,
                postcode=person.postcode,
            ).stamp(actor)
            household.save()
        HouseholdMember.objects.filter(person=person, moved_out__isnull=True).exclude(
            household=household
        ).update(moved_out=timezone.localdate())
        member, _ = HouseholdMember.objects.update_or_create(
            household=household,
            person=person,
            moved_out=None,
            defaults={"relationship": relationship},
        )
        record_event(
            actor=actor,
            action="update",
            person_id=person.pk,
            categories=[FAMILY],
            basis=access.audit_basis([FAMILY])[0],
            detail={"household": str(household.pk), "relationship": relationship},
        )
    return member
