"""Reads for partnership set-up, scoped to what the actor may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import Membership, Organisation, Team, User
from .roles import Role
from .services import can_manage_member, can_manage_organisations, can_manage_staff_of

if TYPE_CHECKING:
    from joinedup.core.actor import Actor


def organisations_for_admin(*, actor: Actor) -> QuerySet[Organisation]:
    """Every organisation, with staff and team counts, for system admins."""
    if not can_manage_organisations(actor):
        raise Http404
    return Organisation.objects.annotate(
        staff_count=Count("staff", filter=Q(staff__is_active=True), distinct=True),
        team_count=Count("teams", distinct=True),
    ).order_by("name")


def organisation_for_admin(*, actor: Actor, organisation_id: Any) -> Organisation:
    """One organisation the actor manages staff of (system admin: any; org admin: their own)."""
    if not can_manage_staff_of(actor, organisation_id):
        raise Http404
    try:
        return Organisation.objects.get(pk=organisation_id)
    except (Organisation.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def staff_of_organisation(
    *, actor: Actor, organisation: Organisation, query: str = "", status: str = "active"
) -> QuerySet[User]:
    """Staff of an organisation the actor manages, filtered by name or e-mail and status."""
    if not can_manage_staff_of(actor, organisation.pk):
        raise Http404
    staff = User.objects.filter(organisation=organisation)
    if status == "active":
        staff = staff.filter(is_active=True)
    elif status == "deactivated":
        staff = staff.filter(is_active=False)
    if query.strip():
        term = query.strip()
        staff = staff.filter(Q(full_name__icontains=term) | Q(email__icontains=term))
    return staff.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    ).order_by("full_name")


def staff_member_for_admin(*, actor: Actor, member_id: Any) -> User:
    """A member of staff the actor manages; anyone else is a 404 (SEC-13)."""
    try:
        member = User.objects.select_related("organisation").get(pk=member_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not can_manage_staff_of(actor, member.organisation_id):
        raise Http404
    return member


def staff_member_to_manage(*, actor: Actor, member_id: Any) -> User:
    """A member of staff the actor may act on (change, deactivate, reset); others are a 404."""
    member = staff_member_for_admin(actor=actor, member_id=member_id)
    if not can_manage_member(actor, member):
        raise Http404
    return member


def teams_of_organisation(*, actor: Actor, organisation: Organisation) -> QuerySet[Team]:
    if not can_manage_staff_of(actor, organisation.pk):
        raise Http404
    return (
        Team.objects.filter(organisation=organisation)
        .annotate(member_count=Count("memberships__user", distinct=True))
        .order_by("name")
    )


def staff_counts_by_role(*, organisation: Organisation) -> dict[str, int]:
    rows = (
        Membership.objects.filter(user__organisation=organisation, user__is_active=True)
        .values("role")
        .annotate(n=Count("user", distinct=True))
    )
    labels = dict(Role.choices)
    return {labels[row["role"]]: row["n"] for row in rows}
