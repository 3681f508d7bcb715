"""Reads from the service directory.

The directory is not personal data: any member of staff who has passed two-factor reads all of
it, so the reading selectors take no actor. Those that find a service to change do, and answer
404 for a service the actor may not change (rule 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, Prefetch, Q, QuerySet, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import Http404

from joinedup.accounts.models import Organisation

from .models import Service, ServiceContact, ServiceLocation, ServiceNeed
from .needs import NeedArea
from .services import OrganisationResolver, can_manage_services_of

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

PAGE_SIZE = 20


def _listed() -> QuerySet[Service]:
    """Services in the directory (not archived), with what a list shows."""
    return (
        Service.objects.active()
        .select_related("organisation")
        .prefetch_related(Prefetch("needs", queryset=ServiceNeed.objects.order_by("need")))
    )


def _suggestion_order() -> list[Any]:
    return [
        F("accepting_referrals").desc(),
        F("waiting_time_days").asc(nulls_last=True),
        F("name").asc(),
        F("id").asc(),
    ]


def _check_need(need: str) -> None:
    if need not in NeedArea.values:
        raise ValueError(f"{need!r} is not a need area code.")


def services_for_need(*, need: str, limit: int = 5) -> list[Service]:
    """Running services that help with ``need``: those taking referrals first, then the
    shortest usual wait (unknown waits last), then by name. Raises ``ValueError`` for a code
    that is not a need area."""
    _check_need(need)
    return list(
        _listed()
        .filter(status=Service.Status.ACTIVE, needs__need=need)
        .order_by(*_suggestion_order())[:limit]
    )


def services_for_needs(*, needs: Iterable[str], limit: int = 5) -> dict[str, list[Service]]:
    """For each need area code, up to ``limit`` running services that help with it, in the
    order of ``services_for_need``. Every code asked for is a key (with an empty list when no
    service helps). Takes two queries however many needs are asked for: one ranks services
    within each need with a window function, one loads the services' need areas."""
    wanted: list[str] = []
    for need in needs:
        _check_need(need)
        if need not in wanted:
            wanted.append(need)
    result: dict[str, list[Service]] = {need: [] for need in wanted}
    if not wanted or limit <= 0:
        return result
    ranked = (
        ServiceNeed.objects.filter(
            need__in=wanted,
            service__archived_on__isnull=True,
            service__status=Service.Status.ACTIVE,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("need")],
                order_by=[
                    F("service__accepting_referrals").desc(),
                    F("service__waiting_time_days").asc(nulls_last=True),
                    F("service__name").asc(),
                    F("service__id").asc(),
                ],
            )
        )
        .filter(rank__lte=limit)
        .select_related("service__organisation")
        .order_by("need", "rank")
    )
    rows = list(ranked)
    services: dict[Any, Service] = {}
    for row in rows:
        service = services.setdefault(row.service_id, row.service)
        result[row.need].append(service)
    prefetch_related_objects(
        list(services.values()),
        Prefetch("needs", queryset=ServiceNeed.objects.order_by("need")),
    )
    return result


def directory_services(
    *,
    query: str = "",
    need: str | None = None,
    organisation_id: Any = None,
) -> QuerySet[Service]:
    """Services in the directory matching the filters: words in the name, description or
    organisation name; a need area; an organisation. Running services first, then by name."""
    services = _listed()
    for word in query.split()[:10]:
        services = services.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organisation__name__icontains=word)
            | Q(organisation__short_name__icontains=word)
        )
    if need:
        services = services.filter(needs__need=need)
    if organisation_id:
        services = services.filter(organisation_id=organisation_id)
    return services.order_by("status", "name", "id")


def directory_search(
    *,
    query: str = "",
    need: str | None = None,
    organisation_id: Any = None,
    page: Any = 1,
    page_size: int = PAGE_SIZE,
) -> Page[Service]:
    """One page of ``directory_services`` (a page number out of range gives the last page)."""
    services = directory_services(query=query, need=need, organisation_id=organisation_id)
    return Paginator(services, page_size).get_page(page)


def _detailed() -> QuerySet[Service]:
    return (
        Service.objects.active()
        .select_related("organisation")
        .prefetch_related(
            Prefetch("needs", queryset=ServiceNeed.objects.order_by("need")),
            Prefetch("locations", queryset=ServiceLocation.objects.order_by("name", "id")),
            Prefetch("contacts", queryset=ServiceContact.objects.order_by("name", "id")),
        )
    )


def service_detail(*, service_id: Any) -> Service:
    """A service in the directory with its need areas, locations and contacts; 404 when there
    is no such service or it has been archived."""
    try:
        return _detailed().get(pk=service_id)
    except (Service.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such service.") from exc


def service_to_manage(*, actor: Actor, service_id: Any) -> Service:
    """A service the actor may change; 404 for one they may not, as for one that does not
    exist (rule 5)."""
    service = service_detail(service_id=service_id)
    if not can_manage_services_of(actor, service.organisation_id):
        raise Http404("No such service.")
    return service


def location_to_manage(*, actor: Actor, service: Service, location_id: Any) -> ServiceLocation:
    try:
        location = ServiceLocation.objects.select_related("service").get(
            pk=location_id, service=service
        )
    except (ServiceLocation.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such location.") from exc
    if not can_manage_services_of(actor, service.organisation_id):
        raise Http404("No such location.")
    return location


def contact_to_manage(*, actor: Actor, service: Service, contact_id: Any) -> ServiceContact:
    try:
        contact = ServiceContact.objects.select_related("service").get(
            pk=contact_id, service=service
        )
    except (ServiceContact.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such contact.") from exc
    if not can_manage_services_of(actor, service.organisation_id):
        raise Http404("No such contact.")
    return contact


def organisations_in_directory() -> QuerySet[Organisation]:
    """Organisations with at least one service in the directory (for the filter)."""
    return (
        Organisation.objects.active()
        .filter(directory_services__archived_on__isnull=True)
        .distinct()
        .order_by("name")
    )


def organisations_for_editor(*, actor: Actor) -> QuerySet[Organisation]:
    """Organisations whose services the actor may add to."""
    organisations = Organisation.objects.active().order_by("name")
    if actor.is_system or actor.user.is_system_admin:
        return organisations
    if can_manage_services_of(actor, actor.organisation_id):
        return organisations.filter(pk=actor.organisation_id)
    return organisations.none()


def organisation_resolver(*, mapping: Mapping[str, str] | None = None) -> OrganisationResolver:
    """Finds organisations for ``import_oruk`` by name: the ORUK ``organization.name``, or the
    JoinedUp name ``mapping`` gives for it, compared without regard to case or surrounding
    spaces (names are unique regardless of case). Archived organisations are not found. Loads
    the organisations once."""
    by_name = {
        organisation.name.strip().casefold(): organisation
        for organisation in Organisation.objects.active()
    }
    folded = {
        key.strip().casefold(): value.strip().casefold() for key, value in (mapping or {}).items()
    }

    def resolve(name: str) -> Organisation | None:
        key = name.strip().casefold()
        return by_name.get(folded.get(key, key))

    return resolve
