"""Reads for referrals: the inbox of the receiving organisation, what the referrer sent (the
closed loop), and one referral. Names shown are personal data, so each page of referrals is
audited, one event per referral shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.policy import works_with_people

from .models import Referral, ReferralNeed

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

INBOX_TABS = {
    "new": ("New", Q(status=Referral.Status.NEW)),
    "awaiting": ("Awaiting response", Q(status=Referral.Status.AWAITING)),
    "overdue": ("Overdue", Q(status__in=Referral.OPEN_STATUSES)),
    "accepted": ("Accepted", Q(status=Referral.Status.ACCEPTED)),
    "declined": ("Declined", Q(status=Referral.Status.DECLINED)),
    "closed": ("Closed", Q(status=Referral.Status.CLOSED)),
}
PAGE_SIZE = 25


@dataclass
class InboxPage:
    tab: str
    page: Page[Referral]
    counts: dict[str, int]


def _require_people_work(actor: Actor) -> None:
    if not works_with_people(actor):
        raise Http404


def _with_details(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(
        "person", "referred_by_organisation", "to_team", "to_service", "to_organisation"
    ).prefetch_related(Prefetch("needs", queryset=ReferralNeed.objects.order_by("need")))


def _audit_list(actor: Actor, referrals: list[Referral], page_name: str) -> None:
    entries = [
        AuditEntry(
            person_id=r.person_id,
            categories=[IDENTITY],
            basis="own_organisation",
            detail={"page": page_name, "referral": r.reference},
        )
        for r in referrals
    ]
    record_events(actor=actor, action="view", entries=entries)


def inbox(*, actor: Actor, tab: str = "new", team_id: Any = None, page: Any = 1) -> InboxPage:
    """Referrals to the actor's organisation (optionally one team), a tab at a time, oldest due
    first; with the number in each tab. Counts and the page take a fixed number of queries."""
    _require_people_work(actor)
    tab = tab if tab in INBOX_TABS else "new"
    today = timezone.localdate()
    received = Referral.objects.filter(to_organisation_id=actor.organisation_id)
    if team_id:
        received = received.filter(to_team_id=team_id)
    overdue = Q(status__in=Referral.OPEN_STATUSES, respond_by__lt=today)
    counts = received.aggregate(
        **{
            # Count a never-null indexed column, not the id, so the counts read only the
            # referral_inbox_due index (bench/referral_inbox.py).
            name: Count("status", filter=query & overdue if name == "overdue" else query)
            for name, (_, query) in INBOX_TABS.items()
        }
    )
    query = INBOX_TABS[tab][1]
    if tab == "overdue":
        query &= overdue
    order = (
        ["respond_by", "received_on"] if tab in ("new", "awaiting", "overdue") else ["-received_on"]
    )
    listing = _with_details(received.filter(query).order_by(*order))
    result = Paginator(listing, PAGE_SIZE).get_page(page)
    with transaction.atomic():
        _audit_list(actor, list(result.object_list), "referral inbox")
    return InboxPage(tab=tab, page=result, counts=counts)


def sent_referrals(*, actor: Actor, page: Any = 1) -> Page[Referral]:
    """What the actor's organisation referred, and what happened (the closed loop)."""
    _require_people_work(actor)
    listing = _with_details(
        Referral.objects.filter(referred_by_organisation_id=actor.organisation_id).order_by(
            "-received_on"
        )
    )
    result = Paginator(listing, PAGE_SIZE).get_page(page)
    with transaction.atomic():
        _audit_list(actor, list(result.object_list), "referrals sent")
    return result


def referral_detail(*, actor: Actor, referral_id: Any) -> Referral:
    """One referral, for the organisation it was made to or by; anyone else gets a 404."""
    _require_people_work(actor)
    try:
        referral = _with_details(Referral.objects.all()).get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if actor.organisation_id not in (
        referral.to_organisation_id,
        referral.referred_by_organisation_id,
    ):
        raise Http404
    with transaction.atomic():
        record_event(
            actor=actor,
            action="view",
            person_id=referral.person_id,
            categories=[IDENTITY],
            basis="own_organisation",
            detail={"page": "referral", "referral": referral.reference},
        )
    return referral


def triage_progress(*, referral: Referral) -> str:
    """How far the referral's triage has gone: "none", "started" or "complete". Only the state,
    no personal data (the triage app adds the reverse one-to-one ``triage``)."""
    found = list(
        Referral.objects.filter(pk=referral.pk, triage__isnull=False).values_list(
            "triage__completed_on", flat=True
        )[:1]
    )
    if not found:
        return "none"
    return "started" if found[0] is None else "complete"
