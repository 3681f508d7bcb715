"""Reads for sharing, scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from joinedup.accounts.roles import Role
from joinedup.audit.services import record_event

from .categories import IDENTITY
from .models import (
    AccessRequest,
    BreakGlass,
    Consent,
    InformationCategory,
    LawfulBasis,
    SharingAgreement,
)
from .policy import access_to_person, works_with_people

if TYPE_CHECKING:
    from joinedup.core.actor import Actor


def is_ig_officer(actor: Actor) -> bool:
    return bool(
        actor.user is not None
        and actor.user.is_active
        and actor.user.has_role(Role.INFORMATION_GOVERNANCE)
    )


def _require_ig(actor: Actor) -> None:
    if not is_ig_officer(actor):
        raise PermissionDenied("Only information governance officers can see this.")


def consent_for_change(*, actor: Actor, consent_id: Any) -> Consent:
    """A consent whose person the actor may see; any other is a 404 (SEC-13)."""
    try:
        consent = Consent.objects.select_related("person", "agreement").get(pk=consent_id)
    except (Consent.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not works_with_people(actor) or not access_to_person(
        actor=actor, person=consent.person
    ).allows(IDENTITY):
        raise Http404
    return consent


def consent_evidence(*, actor: Actor, consent_id: Any) -> Consent:
    """The consent whose evidence file the actor asks for, audited as an export."""
    consent = consent_for_change(actor=actor, consent_id=consent_id)
    if not consent.evidence:
        raise Http404
    access = access_to_person(actor=actor, person=consent.person)
    record_event(
        actor=actor,
        action="export",
        person_id=consent.person_id,
        categories=[IDENTITY],
        basis=access.audit_basis([IDENTITY])[0],
        detail={"consent_evidence": str(consent.pk)},
    )
    return consent


@dataclass
class ReviewQueue:
    break_glass: list[BreakGlass]
    lawful_bases: list[LawfulBasis]
    access_requests: list[AccessRequest]

    @property
    def total(self) -> int:
        return len(self.break_glass) + len(self.lawful_bases) + len(self.access_requests)


def review_queue(*, actor: Actor) -> ReviewQueue:
    """What waits for this information governance officer's organisation: break-glass by its
    staff or on people it holds (SEC-19), lawful bases on people it holds, and access requests
    addressed to it."""
    _require_ig(actor)
    org = actor.organisation_id
    glass = (
        BreakGlass.objects.filter(reviewed_on__isnull=True)
        .filter(Q(organisation_id=org) | Q(person__registered_by_id=org))
        .select_related("user", "organisation", "person")
        .order_by("created_on")
    )
    bases = (
        LawfulBasis.objects.filter(status=LawfulBasis.Status.PENDING, person__registered_by_id=org)
        .select_related("requested_by_organisation", "person", "created_by")
        .prefetch_related("organisations", "categories")
        .order_by("created_on")
    )
    requests = (
        AccessRequest.objects.filter(status=AccessRequest.Status.OPEN, holding_organisation_id=org)
        .select_related("requesting_organisation", "requested_by", "person")
        .order_by("created_on")
    )
    return ReviewQueue(list(glass[:100]), list(bases[:100]), list(requests[:100]))


def break_glass_for_review(*, actor: Actor, glass_id: Any) -> BreakGlass:
    _require_ig(actor)
    org = actor.organisation_id
    try:
        return (
            BreakGlass.objects.select_related("user", "organisation", "person")
            .filter(Q(organisation_id=org) | Q(person__registered_by_id=org))
            .get(pk=glass_id)
        )
    except (BreakGlass.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def lawful_basis_for_decision(*, actor: Actor, basis_id: Any) -> LawfulBasis:
    _require_ig(actor)
    try:
        return (
            LawfulBasis.objects.select_related("person", "requested_by_organisation", "created_by")
            .prefetch_related("organisations", "categories")
            .get(pk=basis_id, person__registered_by_id=actor.organisation_id)
        )
    except (LawfulBasis.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def access_request_for_answer(*, actor: Actor, request_id: Any) -> AccessRequest:
    if not works_with_people(actor):
        raise Http404
    try:
        return AccessRequest.objects.select_related(
            "person", "requesting_organisation", "requested_by"
        ).get(pk=request_id, holding_organisation_id=actor.organisation_id)
    except (AccessRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def agreements(*, actor: Actor) -> QuerySet[SharingAgreement]:
    if not works_with_people(actor) and not is_ig_officer(actor):
        raise PermissionDenied
    return SharingAgreement.objects.prefetch_related("parties", "categories").order_by("name")


def categories() -> QuerySet[InformationCategory]:
    return InformationCategory.objects.order_by("order", "name")


def category_for_change(*, actor: Actor, code: str) -> InformationCategory:
    _require_ig(actor)
    try:
        return InformationCategory.objects.get(code=code)
    except InformationCategory.DoesNotExist as exc:
        raise Http404 from exc
