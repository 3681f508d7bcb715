"""The person record's own contributions to the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import FAMILY, IDENTITY, SAFEGUARDING, HouseholdMember, PersonName, WarningMarker
from .timeline import TimelineEntry


def person_entries(person: Any) -> Iterable[TimelineEntry]:
    yield TimelineEntry(
        when=person.created_on,
        kind="record",
        title=f"Record created by {person.registered_by.name}",
        category=IDENTITY,
        holder_id=person.registered_by_id,
        holder_name=person.registered_by.name,
    )
    for other in PersonName.objects.filter(person=person):
        yield TimelineEntry(
            when=other.created_on,
            kind="record",
            title=f"{other.get_kind_display()} added: {other.given_name} {other.family_name}",
            category=IDENTITY,
        )
    for marker in WarningMarker.objects.filter(person=person).select_related(
        "raised_by_organisation"
    ):
        yield TimelineEntry(
            when=marker.created_on,
            kind="warning",
            title=f"Staff-safety warning raised: {marker.get_kind_display()}",
            category=SAFEGUARDING,
            holder_id=marker.raised_by_organisation_id,
            holder_name=marker.raised_by_organisation.name,
            detail=marker.details,
        )
    for member in HouseholdMember.objects.filter(person=person).select_related("household"):
        yield TimelineEntry(
            when=member.created_on,
            kind="household",
            title=f"Living at {member.household} ({member.get_relationship_display()})",
            category=FAMILY,
        )
