"""Reading audit events. Plain queries: who may read them is decided by the caller (the person
record's "who has looked at this record" page asks the access policy first)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.people.models import HouseholdMember, Involvement, Person, PersonName, WarningMarker
from joinedup.people.timeline import timeline_providers
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import (
    AccessRequest,
    BreakGlass,
    Consent,
    InformationCategory,
    LawfulBasis,
)
from joinedup.sharing.policy import access_to_person, works_with_people

from .models import AuditEvent
from .services import record_event
from .subject_access import SubjectAccessPack, plain, rows_of

if TYPE_CHECKING:
    from joinedup.core.actor import Actor


def events_for_person(*, person_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """Every event about the person, newest first."""
    return AuditEvent.objects.filter(person_id=person_id).order_by("-occurred_at", "-sequence")


# ----------------------------------------------------------------------------- the person's pages


def _person(person_id: Any) -> Person:
    try:
        return Person.objects.select_related("registered_by").get(
            pk=person_id, archived_on__isnull=True
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404("No such person.") from exc


def _is_holding_ig_officer(actor: Actor, person: Person) -> bool:
    user = actor.user
    return bool(
        user is not None
        and user.has_role(Role.INFORMATION_GOVERNANCE)
        and actor.organisation_id == person.registered_by_id
    )


def person_access_history(
    *, actor: Actor, person_id: Any, for_resident: bool = False
) -> tuple[Person, QuerySet[AuditEvent]]:
    """Who has looked at the record. Staff with a basis for the core record, and information
    governance officers of the holding organisation, may see it; looking is itself audited
    (the resident's version as a print)."""
    if not works_with_people(actor):
        raise PermissionDenied("Your role does not work with people's records.")
    person = _person(person_id)
    access = access_to_person(actor=actor, person=person)
    if not access.allows(IDENTITY) and not _is_holding_ig_officer(actor, person):
        raise Http404("No such person.")  # rule 5: a record you may not see is a 404
    with transaction.atomic():
        events = events_for_person(person_id=person.pk)
        record_event(
            actor=actor,
            action="print" if for_resident else "view",
            person_id=person.pk,
            categories=[IDENTITY],
            basis=access.audit_basis([IDENTITY])[0],
            detail={
                "page": "access history for the resident" if for_resident else "access history"
            },
        )
    return person, events


def person_for_subject_access(*, actor: Actor, person_id: Any) -> Person:
    person = _person(person_id)
    if not _is_holding_ig_officer(actor, person):
        raise Http404("No such person.")
    return person


def subject_access_pack(*, actor: Actor, person_id: Any, export_format: str) -> SubjectAccessPack:
    """Everything held about the person and every look at the record, for a subject access
    request; only for information governance officers of the holding organisation. The export
    is audited before it is returned (fail closed)."""
    person = person_for_subject_access(actor=actor, person_id=person_id)
    sections: list[tuple[str, list[dict[str, Any]]]] = [
        ("Your details", rows_of([person], Person.PERSONAL_FIELDS)),
        (
            "Other names",
            rows_of(
                PersonName.objects.filter(person=person), ("kind", "given_name", "family_name")
            ),
        ),
        (
            "Household",
            rows_of(
                HouseholdMember.objects.filter(person=person).select_related("household"),
                ("household", "relationship", "moved_in", "moved_out"),
            ),
        ),
        (
            "Organisations that know you",
            rows_of(
                Involvement.objects.filter(person=person).select_related("organisation"),
                ("organisation.name", "started_on", "ended_on"),
            ),
        ),
        (
            "Staff-safety warnings",
            rows_of(
                WarningMarker.objects.filter(person=person).select_related(
                    "raised_by_organisation"
                ),
                ("kind", "details", "raised_by_organisation.name", "review_on", "ended_on"),
            ),
        ),
        (
            "Your consents",
            [
                {
                    "given_on": plain(c.given_on),
                    "how_given": c.get_how_given_display(),
                    "with": c.agreement.name
                    if c.agreement
                    else ", ".join(o.name for o in c.organisations.all()),
                    "information": ", ".join(cat.name for cat in c.categories.all()),
                    "purpose": c.purpose,
                    "expires_on": plain(c.expires_on),
                    "withdrawn_on": plain(c.withdrawn_on),
                    "status": c.status,
                }
                for c in Consent.objects.filter(person=person)
                .select_related("agreement")
                .prefetch_related("organisations", "categories")
            ],
        ),
        (
            "Sharing without consent",
            [
                {
                    "gateway": b.get_gateway_display(),
                    "status": b.get_status_display(),
                    "organisations": ", ".join(o.name for o in b.organisations.all()),
                    "information": ", ".join(cat.name for cat in b.categories.all()),
                    "from": plain(b.starts_on),
                    "until": plain(b.ends_on),
                    "why": b.justification,
                }
                for b in LawfulBasis.objects.filter(person=person).prefetch_related(
                    "organisations", "categories"
                )
            ],
        ),
        (
            "Emergency access",
            rows_of(
                BreakGlass.objects.filter(person=person).select_related("organisation"),
                ("created_on", "organisation.name", "reason", "outcome"),
            ),
        ),
        (
            "Requests for access",
            rows_of(
                AccessRequest.objects.filter(person=person).select_related(
                    "requesting_organisation"
                ),
                ("created_on", "requesting_organisation.name", "reason", "status", "answer"),
            ),
        ),
    ]
    timeline: list[dict[str, Any]] = []
    for provider in timeline_providers().values():
        timeline.extend(
            {"when": plain(e.when), "what": e.title, "by": e.holder_name, "detail": e.detail}
            for e in provider(person)
        )
    sections.append(("Timeline", sorted(timeline, key=lambda row: row["when"])))
    with transaction.atomic():
        history = [
            {
                "when": plain(e.occurred_at),
                "organisation": e.organisation_name or "JoinedUp",
                "action": e.get_action_display(),
                "basis": e.get_basis_display() if e.basis else "",
            }
            for e in events_for_person(person_id=person.pk).order_by("sequence")
        ]
        record_event(
            actor=actor,
            action="export",
            person_id=person.pk,
            categories=sorted(InformationCategory.objects.values_list("code", flat=True)),
            basis="own_organisation",
            detail={"export": "subject access", "format": export_format},
        )
    return SubjectAccessPack(
        person_name=person.full_name,
        generated_at=timezone.now(),
        sections=sections,
        access_history=history,
    )
