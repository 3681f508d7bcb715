"""The demo's assessments: shaped like the programme's caseload, rated by the rules, and the
showcase resident seen differently by different partners."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from joinedup.accounts.models import User
from joinedup.assessments import selectors
from joinedup.assessments.models import AreaScore, Assessment, ComplexityRating
from joinedup.assessments.rag import rate
from joinedup.demo.assessments import build_assessments
from joinedup.demo.context import DemoContext
from joinedup.demo.partnership import build_partnership
from joinedup.demo.people import build_people
from joinedup.demo.sharing import build_sharing
from joinedup.people.models import Person

from ..conftest import actor_for

pytestmark = pytest.mark.django_db


def _build(seed: int, people: int) -> None:
    ctx = DemoContext(seed=seed)
    organisations = build_partnership(ctx)
    build_people(ctx, count=people, organisations=organisations)
    build_sharing(ctx, organisations=organisations)
    build_assessments(ctx, organisations=organisations)


def test_the_demo_caseload_has_the_shape_of_the_programme() -> None:
    _build(seed=3, people=800)
    people = Person.objects.count()
    triaged = Assessment.objects.filter(kind="triage")
    assessed_people = triaged.values("person").distinct().count()
    assert 0.28 <= assessed_people / people <= 0.42
    assert triaged.count() == assessed_people  # one triage each
    assert Assessment.objects.filter(kind="review").count() > 0.2 * assessed_people
    assert AreaScore.objects.count() == 11 * Assessment.objects.count()
    assert ComplexityRating.objects.count() == Assessment.objects.count()

    issues = Counter()
    for assessment in triaged.prefetch_related("scores"):
        issues[assessment.pk] = sum(
            1
            for s in assessment.scores.all()
            if s.complex_issue or (s.score is not None and s.score <= 3)
        )
    assert sum(1 for n in issues.values() if n >= 4) / len(issues) > 0.70

    # Every stored rating is what the rules give for its scores.
    for rating in ComplexityRating.objects.select_related("assessment").prefetch_related(
        "assessment__scores__area"
    )[:200]:
        scores = sorted(rating.assessment.scores.all(), key=lambda s: s.area.order)
        expected = rate(
            scores=[(s.area.name, s.score, s.complex_issue) for s in scores],
            safeguarding=rating.assessment.safeguarding_concern,
        )
        assert (rating.rating, rating.issue_areas) == (expected.rating, list(expected.issue_areas))
    # Reviews come after triage.
    for person_id in triaged.values_list("person_id", flat=True)[:100]:
        dates = dict(
            Assessment.objects.filter(person_id=person_id).values_list("kind", "assessed_on")
        )
        if "review" in dates:
            assert dates["review"] > dates["triage"]


def test_the_showcase_resident_is_seen_differently_by_each_partner() -> None:
    _build(seed=1, people=300)
    jordan = Person.objects.get(given_name="Jordan", family_name="Ellis")
    keyworker = User.objects.get(email="keyworker@council.northvale.example")
    adviser = User.objects.get(email="debtadviser@cab.northvale.example")
    history = selectors.rating_history(actor=actor_for(keyworker), person=jordan)
    assert [r.label for r in history.ratings] == ["Amber", "Red"]
    latest = selectors.latest_assessment(actor=actor_for(adviser), person=jordan)
    assert latest is not None and latest.kind == "review"
    seen = {a.code for a in latest.areas}
    assert "money_debt" in seen and "mental_wellbeing" not in seen
    assert latest.hidden_area_count > 0
    assert {a.code: a.change for a in latest.areas}["money_debt"] == 2


class _RollBackError(Exception):
    """Raised to undo a build after taking its snapshot."""


def _snapshot(seed: int) -> list[tuple[object, ...]]:
    taken: list[tuple[object, ...]] = []
    try:
        with transaction.atomic():
            _build(seed=seed, people=200)
            taken = sorted(
                ComplexityRating.objects.values_list(
                    "id", "person_id", "assessment__assessed_on", "assessment__kind", "rating"
                )
            )
            raise _RollBackError
    except _RollBackError:
        pass
    return taken


def test_the_same_seed_builds_the_same_assessments() -> None:
    first = _snapshot(5)
    assert first and first == _snapshot(5)
    assert first != _snapshot(6)
