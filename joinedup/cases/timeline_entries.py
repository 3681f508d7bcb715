"""Cases' contributions to a person's timeline: each case opened, and each change of status or
key worker, held by the case's lead organisation (identity and contact information)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joinedup.people.timeline import TimelineEntry

from .models import Case, CaseEvent


def case_entries(person: Any) -> Iterable[TimelineEntry]:
    events = (
        CaseEvent.objects.filter(case__person=person)
        .select_related("case__programme", "case__organisation")
        .order_by("created_on")
    )
    for event in events:
        case = event.case
        holder = case.organisation
        yield TimelineEntry(
            when=event.created_on,
            kind="case",
            title=f"Case {case.reference} ({case.programme.name}): {event.get_kind_display().lower()}",
            category=Case.CATEGORY,
            holder_id=holder.pk,
            holder_name=holder.name,
            # Reasons (e.g. why a case paused) may say more than who the person is: they stay
            # on the case, for the lead organisation.
            detail="",
        )
