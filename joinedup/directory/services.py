"""Writes to the service directory. Every function takes the acting user as ``actor=`` and checks
that the actor may change the organisation's services before writing (SEC-18).

Who may do what:
- organisation admins add, change and archive their own organisation's services;
- system admins do so for any organisation;
- the system itself (``Actor.system``: the ``import_oruk`` command, the demo) for any;
- anyone else is refused with ``PermissionDenied``; an organisation admin acting on another
  organisation's service gets ``Http404``, so the attempt confirms nothing (rule 5).

Values are checked here, with messages in the GOV.UK style, so the pages, the ORUK import and
any later API give the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from joinedup.accounts.models import Organisation
from joinedup.accounts.roles import Role

from . import oruk
from .models import Service, ServiceContact, ServiceLocation, ServiceNeed
from .values import ContactValues, LocationValues, ServiceValues

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

__all__ = [
    "ContactValues",
    "ImportProblem",
    "ImportReport",
    "LocationValues",
    "OrganisationResolver",
    "ServiceValues",
    "add_contact",
    "add_location",
    "archive_service",
    "can_edit_directory",
    "can_manage_services_of",
    "create_service",
    "export_oruk",
    "export_oruk_json",
    "import_oruk",
    "remove_contact",
    "remove_location",
    "update_service",
]

#: Roles that change the directory (for their own organisation, or any for system admins).
DIRECTORY_EDITOR_ROLES = frozenset({Role.ORGANISATION_ADMIN, Role.SYSTEM_ADMIN})

OrganisationResolver = Callable[[str], Organisation | None]


# ----------------------------------------------------------------------------- permissions


def can_edit_directory(actor: Actor) -> bool:
    """Whether the actor changes any part of the directory at all (to show the links)."""
    if actor.is_system:
        return True
    user = actor.user
    return bool(user.is_active and user.has_any_role(DIRECTORY_EDITOR_ROLES))


def can_manage_services_of(actor: Actor, organisation_id: object) -> bool:
    """Whether the actor may add, change and archive this organisation's services."""
    if actor.is_system:
        return True
    user = actor.user
    if not user.is_active:
        return False
    if user.has_role(Role.SYSTEM_ADMIN):
        return True
    return (
        user.has_role(Role.ORGANISATION_ADMIN)
        and organisation_id is not None
        and organisation_id == user.organisation_id
    )


def _require_directory_editor(actor: Actor) -> None:
    if not can_edit_directory(actor):
        raise PermissionDenied(
            "Only organisation admins and system admins change the service directory."
        )


def _require_service_manager(actor: Actor, organisation_id: object) -> None:
    """Refuse people who do not edit the directory (403) and admins of another organisation
    (404: another organisation's service is not even confirmed to exist)."""
    _require_directory_editor(actor)
    if not can_manage_services_of(actor, organisation_id):
        raise Http404("No such service.")


def _raise_if(errors: Mapping[str, str]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def _indexed_problems(kind: str, items: Sequence[LocationValues | ContactValues]) -> list[str]:
    return [
        f"{kind} {number}: {message}"
        for number, item in enumerate(items, start=1)
        for message in item.problems().values()
    ]


# ----------------------------------------------------------------------------- services


def create_service(
    *,
    actor: Actor,
    organisation: Organisation,
    values: ServiceValues,
    locations: Sequence[LocationValues] = (),
    contacts: Sequence[ContactValues] = (),
    oruk_id: str = "",
) -> Service:
    """Add a service to an organisation's part of the directory. Without ``oruk_id`` the
    service's own id is used as its ORUK id."""
    _require_service_manager(actor, organisation.pk)
    values, locations, contacts = _checked(values, locations, contacts)
    oruk_id = oruk_id.strip()
    if len(oruk_id) > 255:
        raise ValidationError({"oruk_id": "ORUK id must be 255 characters or fewer"})
    if oruk_id and Service.objects.filter(organisation=organisation, oruk_id=oruk_id).exists():
        raise ValidationError(
            {"oruk_id": "This organisation already has a service with this ORUK id"}
        )
    service = Service(organisation=organisation)
    service.oruk_id = oruk_id or str(service.pk)
    try:
        with transaction.atomic():
            _write(actor, service, values, locations=locations, contacts=contacts)
    except IntegrityError as exc:
        raise ValidationError(
            {"oruk_id": "This organisation already has a service with this ORUK id"}
        ) from exc
    return service


def update_service(
    *,
    actor: Actor,
    service: Service,
    values: ServiceValues,
    locations: Sequence[LocationValues] | None = None,
    contacts: Sequence[ContactValues] | None = None,
) -> Service:
    """Change a service. Locations and contacts are replaced when given, else left alone."""
    _require_service_manager(actor, service.organisation_id)
    if service.is_archived:
        raise Http404("No such service.")
    values, checked_locations, checked_contacts = _checked(values, locations or (), contacts or ())
    with transaction.atomic():
        _write(
            actor,
            service,
            values,
            locations=None if locations is None else checked_locations,
            contacts=None if contacts is None else checked_contacts,
        )
    return service


def archive_service(*, actor: Actor, service: Service, reason: str) -> Service:
    """Take a service out of the directory (kept for the record of past referrals)."""
    _require_service_manager(actor, service.organisation_id)
    if service.is_archived:
        raise Http404("No such service.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the service is being archived"})
    if len(reason.strip()) > 500:
        raise ValidationError({"reason": "Reason must be 500 characters or fewer"})
    service.archive(actor=actor, reason=reason)
    service.save(
        update_fields=[
            "archived_on",
            "archived_by",
            "archive_reason",
            "modified_by",
            "modified_on",
        ]
    )
    return service


def add_location(*, actor: Actor, service: Service, values: LocationValues) -> ServiceLocation:
    _require_service_manager(actor, service.organisation_id)
    if service.is_archived:
        raise Http404("No such service.")
    values = values.cleaned()
    _raise_if(values.problems())
    location = _location(actor, service, values)
    location.save()
    return location


def remove_location(*, actor: Actor, location: ServiceLocation) -> None:
    _require_service_manager(actor, location.service.organisation_id)
    location.delete()


def add_contact(*, actor: Actor, service: Service, values: ContactValues) -> ServiceContact:
    _require_service_manager(actor, service.organisation_id)
    if service.is_archived:
        raise Http404("No such service.")
    values = values.cleaned()
    _raise_if(values.problems())
    contact = _contact(actor, service, values)
    contact.save()
    return contact


def remove_contact(*, actor: Actor, contact: ServiceContact) -> None:
    _require_service_manager(actor, contact.service.organisation_id)
    contact.delete()


def _checked(
    values: ServiceValues,
    locations: Sequence[LocationValues],
    contacts: Sequence[ContactValues],
) -> tuple[ServiceValues, list[LocationValues], list[ContactValues]]:
    values = values.cleaned()
    cleaned_locations = [location.cleaned() for location in locations]
    cleaned_contacts = [contact.cleaned() for contact in contacts]
    errors = values.problems()
    extra = _indexed_problems("Location", cleaned_locations)
    if extra:
        errors["locations"] = "; ".join(extra)
    extra = _indexed_problems("Contact", cleaned_contacts)
    if extra:
        errors["contacts"] = "; ".join(extra)
    _raise_if(errors)
    return values, cleaned_locations, cleaned_contacts


def _location(actor: Actor, service: Service, values: LocationValues) -> ServiceLocation:
    return ServiceLocation(
        service=service,
        name=values.name,
        address_1=values.address_1,
        city=values.city,
        postcode=values.postcode,
        latitude=values.latitude,
        longitude=values.longitude,
    ).stamp(actor)


def _contact(actor: Actor, service: Service, values: ContactValues) -> ServiceContact:
    return ServiceContact(
        service=service,
        name=values.name,
        title=values.title,
        phone=values.phone,
        email=values.email,
    ).stamp(actor)


def _write(
    actor: Actor,
    service: Service,
    values: ServiceValues,
    *,
    locations: Sequence[LocationValues] | None,
    contacts: Sequence[ContactValues] | None,
) -> None:
    """Save checked values, replacing the need areas (and locations and contacts when given).
    The caller holds the transaction."""
    for name in ServiceValues.MODEL_FIELDS:
        setattr(service, name, getattr(values, name))
    service.stamp(actor)
    service.save()
    current = set(ServiceNeed.objects.filter(service=service).values_list("need", flat=True))
    wanted = set(values.need_areas)
    if current - wanted:
        ServiceNeed.objects.filter(service=service, need__in=current - wanted).delete()
    ServiceNeed.objects.bulk_create(
        ServiceNeed(service=service, need=code).stamp(actor)
        for code in values.need_areas
        if code not in current
    )
    if locations is not None:
        ServiceLocation.objects.filter(service=service).delete()
        ServiceLocation.objects.bulk_create(_location(actor, service, v) for v in locations)
    if contacts is not None:
        ServiceContact.objects.filter(service=service).delete()
        ServiceContact.objects.bulk_create(_contact(actor, service, v) for v in contacts)
    # Prefetched children are stale now.
    getattr(service, "_prefetched_objects_cache", {}).clear()


# ----------------------------------------------------------------------------- ORUK import


@dataclass(frozen=True)
class ImportProblem:
    """A bad entry in an ORUK file (``index`` is its position in the list, from 0; ``None``
    for a problem with the file as a whole)."""

    index: int | None
    reasons: tuple[str, ...]
    oruk_id: str = ""
    name: str = ""

    @property
    def number(self) -> int | None:
        """The entry's position counting from 1, as people count."""
        return None if self.index is None else self.index + 1

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def __str__(self) -> str:
        if self.index is None:
            return f"The file: {self.reason}"
        about = [f"index {self.index}"]
        if self.oruk_id:
            about.append(f"id {self.oruk_id}")
        if self.name:
            about.append(f"‘{self.name}’")
        return f"Entry {self.number} ({', '.join(about)}): {self.reason}"


@dataclass
class ImportReport:
    """What an import did, or would have done. Nothing is written when there are problems."""

    entries: int = 0
    created: int = 0
    updated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    #: Things that did not stop the import (e.g. taxonomy terms that match no need area).
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def import_oruk(
    *,
    actor: Actor,
    data: bytes | str,
    organisation_resolver: OrganisationResolver,
    dry_run: bool = False,
) -> ImportReport:
    """Import services from Open Referral UK JSON: a list of services, or a page of an ORUK
    API (``{"content": [...]}`` or ``{"contents": [...]}``).

    All or nothing: every entry is read and checked first, and every bad entry is reported
    with its index and reason; only a file with no problems is written, in one transaction.
    Entries are matched to existing services by their ORUK ``id`` within the organisation, so
    importing the same file again updates rather than duplicates. Organisations are found by
    ``organisation_resolver`` (given the ORUK ``organization.name``); one it does not know is a
    problem, never created. Organisation admins import only their own organisation's services.
    ``dry_run`` checks without writing.
    """
    _require_directory_editor(actor)
    report = ImportReport(dry_run=dry_run)
    try:
        entries = oruk.load_entries(data)
    except oruk.OrukFormatError as exc:
        report.problems.append(ImportProblem(index=None, reasons=(str(exc),)))
        return report
    report.entries = len(entries)
    if not entries:
        report.problems.append(ImportProblem(index=None, reasons=("The file has no services",)))
        return report

    planned: list[tuple[int, Organisation, oruk.OrukService]] = []
    seen: dict[tuple[object, str], int] = {}
    for index, entry in enumerate(entries):
        read = oruk.read_service(entry)
        reasons = list(read.problems)
        report.warnings.extend(
            f"Entry {index + 1} (index {index}): {warning}" for warning in read.warnings
        )
        organisation = None
        if read.organisation_name:
            organisation = organisation_resolver(read.organisation_name)
            if organisation is None:
                reasons.append(
                    f"The organisation ‘{read.organisation_name}’ is not in JoinedUp: add it, "
                    "or map it to one that is"
                )
            elif not can_manage_services_of(actor, organisation.pk):
                reasons.append(
                    f"You can only import your own organisation's services, not "
                    f"{organisation.name}'s"
                )
        if read.service is not None:
            try:
                _checked(read.service.values, read.service.locations, read.service.contacts)
            except ValidationError as error:
                reasons.extend(error.messages)
        if organisation is not None and read.oruk_id:
            key = (organisation.pk, read.oruk_id)
            if key in seen:
                reasons.append(f"Entry {seen[key] + 1} has the same id for the same organisation")
            else:
                seen[key] = index
        if reasons:
            report.problems.append(
                ImportProblem(
                    index=index,
                    reasons=tuple(reasons),
                    oruk_id=read.oruk_id,
                    name=read.name,
                )
            )
        elif organisation is not None and read.service is not None:
            planned.append((index, organisation, read.service))
    if report.problems or dry_run:
        if not report.problems:
            report.created, report.updated = _count_existing(planned)
        return report

    try:
        with transaction.atomic():
            report.created, report.updated = _write_import(actor, planned)
    except IntegrityError:
        report.created = report.updated = 0
        report.problems.append(
            ImportProblem(
                index=None,
                reasons=(
                    "Another change to the same services happened at the same time. Nothing "
                    "was imported; try again",
                ),
            )
        )
        return report
    report.written = True
    return report


def _existing_services(
    planned: Sequence[tuple[int, Organisation, oruk.OrukService]],
) -> dict[tuple[object, str], Service]:
    by_organisation: dict[Any, set[str]] = {}
    for _, organisation, record in planned:
        by_organisation.setdefault(organisation.pk, set()).add(record.oruk_id)
    existing: dict[tuple[object, str], Service] = {}
    for organisation_id, ids in by_organisation.items():
        for service in Service.objects.filter(organisation_id=organisation_id, oruk_id__in=ids):
            existing[(service.organisation_id, service.oruk_id)] = service
    return existing


def _count_existing(
    planned: Sequence[tuple[int, Organisation, oruk.OrukService]],
) -> tuple[int, int]:
    existing = _existing_services(planned)
    updated = sum((o.pk, r.oruk_id) in existing for _, o, r in planned)
    return len(planned) - updated, updated


def _write_import(
    actor: Actor, planned: Sequence[tuple[int, Organisation, oruk.OrukService]]
) -> tuple[int, int]:
    existing = _existing_services(planned)
    created = updated = 0
    for _, organisation, record in planned:
        values, locations, contacts = _checked(record.values, record.locations, record.contacts)
        service = existing.get((organisation.pk, record.oruk_id))
        if service is None:
            service = Service(organisation=organisation, oruk_id=record.oruk_id)
            created += 1
        else:
            updated += 1
        _write(actor, service, values, locations=locations, contacts=contacts)
    return created, updated


# ----------------------------------------------------------------------------- ORUK export


def export_oruk(queryset: QuerySet[Service] | Iterable[Service]) -> list[dict[str, Any]]:
    """The services as Open Referral UK JSON (a list of services), which ``import_oruk`` reads
    back. The directory is not personal data, so exporting needs no actor."""
    if isinstance(queryset, QuerySet):
        queryset = queryset.select_related("organisation").prefetch_related(
            "needs", "locations", "contacts"
        )
    return [oruk.service_to_oruk(service) for service in queryset]


def export_oruk_json(queryset: QuerySet[Service] | Iterable[Service]) -> str:
    """``export_oruk`` as indented JSON text."""
    return json.dumps(export_oruk(queryset), indent=2, ensure_ascii=False) + "\n"
