"""Assessments' contributions to a person's timeline: each assessment with the rating it gave,
and each change of rating by a practitioner. The bare fact and the rating are identity and
contact information held by the organisation that assessed or rated (see ``selectors``), so
the timeline shows them to anyone who may see that organisation's record of the person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from joinedup.people.timeline import TimelineEntry

from .models import Assessment, ComplexityRating
from .rag import RATING_LABELS


def assessment_entries(person: Any) -> Iterable[TimelineEntry]:
    assessments = (
        Assessment.objects.filter(person=person)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=ComplexityRating.objects.filter(is_override=False).order_by("created_on"),
                to_attr="computed_ratings",
            )
        )
    )
    for assessment in assessments:
        holder = assessment.organisation
        ratings = assessment.computed_ratings
        rating = f": {RATING_LABELS[ratings[0].rating]}" if ratings else ""
        yield TimelineEntry(
            when=assessment.created_on,
            kind="assessment",
            title=f"{assessment.get_kind_display()} assessment by {holder.name}{rating}",
            category=Assessment.CATEGORY,
            holder_id=holder.pk,
            holder_name=holder.name,
            detail=f"Assessed on {assessment.assessed_on:%-d %B %Y}.",
        )
    overrides = ComplexityRating.objects.filter(person=person, is_override=True).select_related(
        "organisation"
    )
    for override in overrides:
        holder = override.organisation
        yield TimelineEntry(
            when=override.created_on,
            kind="assessment",
            title=f"Complexity rating changed to {RATING_LABELS[override.rating]} by {holder.name}",
            category=ComplexityRating.CATEGORY,
            holder_id=holder.pk,
            holder_name=holder.name,
            detail=override.override_reason,
        )
