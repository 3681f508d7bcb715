"""Triage's contributions to a person's timeline: each completed triage and its outcome, held
by the organisation that triaged (identity and contact information)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joinedup.people.timeline import TimelineEntry

from .models import Triage


def triage_entries(person: Any) -> Iterable[TimelineEntry]:
    triages = Triage.objects.filter(person=person, completed_on__isnull=False).select_related(
        "organisation", "referral", "key_worker", "signposted_service"
    )
    for triage in triages:
        holder = triage.organisation
        assert triage.completed_on is not None  # filtered above
        if triage.outcome == Triage.Outcome.OPEN_CASE and triage.key_worker is not None:
            detail = f"Handed to {triage.key_worker.full_name} to open a case."
        elif triage.outcome == Triage.Outcome.SIGNPOST and triage.signposted_service is not None:
            detail = f"Signposted to {triage.signposted_service.name}."
        else:  # the reason stays on the triage, for the triaging organisation only
            detail = "No further action."
        yield TimelineEntry(
            when=triage.completed_on,
            kind="triage",
            title=f"Triage of referral {triage.referral.reference} by {holder.name}",
            category=Triage.CATEGORY,
            holder_id=holder.pk,
            holder_name=holder.name,
            detail=detail,
        )
