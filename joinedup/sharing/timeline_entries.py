"""Sharing's contributions to a person's timeline: consent given and withdrawn, lawful bases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joinedup.people.timeline import TimelineEntry

from .categories import IDENTITY
from .models import Consent, LawfulBasis


def sharing_entries(person: Any) -> Iterable[TimelineEntry]:
    consents = (
        Consent.objects.filter(person=person)
        .select_related("recorded_by_organisation", "agreement")
        .prefetch_related("organisations", "categories")
    )
    for consent in consents:
        to_whom = (
            consent.agreement.name
            if consent.agreement
            else ", ".join(o.name for o in consent.organisations.all())
        )
        what = ", ".join(c.name for c in consent.categories.all())
        holder = consent.recorded_by_organisation
        yield TimelineEntry(
            when=consent.created_on,
            kind="consent",
            title=f"Consent given ({consent.get_how_given_display().split(' (')[0].lower()}) to share with {to_whom}",
            category=IDENTITY,
            holder_id=holder.pk,
            holder_name=holder.name,
            detail=f"{what}. Purpose: {consent.purpose}",
        )
        if consent.withdrawn_on:
            yield TimelineEntry(
                when=consent.withdrawn_on,
                kind="consent",
                title=f"Consent to share with {to_whom} withdrawn",
                category=IDENTITY,
                holder_id=holder.pk,
                holder_name=holder.name,
                detail=consent.withdrawal_reason,
            )
    for basis in LawfulBasis.objects.filter(person=person).select_related(
        "requested_by_organisation"
    ):
        yield TimelineEntry(
            when=basis.decided_on or basis.created_on,
            kind="lawful_basis",
            title=f"Lawful basis {basis.get_status_display().lower()}: {basis.get_gateway_display()}",
            category=IDENTITY,
            holder_id=basis.requested_by_organisation_id,
            holder_name=basis.requested_by_organisation.name,
            detail=basis.decision_note or basis.justification,
        )
