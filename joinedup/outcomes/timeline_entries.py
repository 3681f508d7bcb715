"""Outcomes' contributions to a person's timeline: each outcome recorded, with its category
(work and skills, money and debt, housing…) and the organisation that recorded it, so the
timeline shows it only to those the policy allows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joinedup.people.timeline import TimelineEntry

from .models import Outcome


def outcome_entries(person: Any) -> Iterable[TimelineEntry]:
    outcomes = Outcome.objects.filter(person=person).select_related(
        "organisation", "case", "job_start"
    )
    for outcome in outcomes:
        holder = outcome.organisation
        job = outcome.job_start
        if job is not None and (job.category, job.organisation_id) != (
            outcome.category,
            outcome.organisation_id,
        ):
            outcome.job_start = None  # the job start may be held apart: name no employer
        detail = f"{outcome.summary}. Achieved on {outcome.achieved_on:%-d %B %Y}."
        if outcome.verification != Outcome.Verification.UNVERIFIED:
            detail += f" {outcome.get_verification_display()}."
        yield TimelineEntry(
            when=outcome.created_on,
            kind="outcome",
            title=f"{outcome.get_kind_display()} (case {outcome.case.reference}), recorded by {holder.name}",
            category=outcome.category,
            holder_id=holder.pk,
            holder_name=holder.name,
            detail=detail,
        )
