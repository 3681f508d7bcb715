"""Fixtures and helpers for the assessment tests: the shipped scale, answers for every area,
and consent for a partner."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.assessments import selectors, services
from joinedup.assessments.models import Assessment, AssessmentScale
from joinedup.assessments.services import AreaAnswer
from joinedup.sharing import services as sharing_services
from joinedup.sharing.models import InformationCategory

from ..conftest import actor_for


@pytest.fixture
def scale() -> AssessmentScale:
    """The shipped "Holistic assessment" scale, installed by the data migration."""
    return selectors.active_scale()


def answers(
    scale: AssessmentScale, default: int | None = 6, **overrides: Any
) -> dict[str, AreaAnswer]:
    """An answer for every area: ``default`` unless overridden by area code with a score, a
    (score, complex flag) pair or a full AreaAnswer."""
    result = {}
    for area in scale.areas.all():
        value = overrides.get(area.code, default)
        if isinstance(value, AreaAnswer):
            result[area.code] = value
        elif isinstance(value, tuple):
            result[area.code] = AreaAnswer(*value)
        else:
            result[area.code] = AreaAnswer(value, False, "")
    return result


def assess(
    user: User,
    person: Any,
    scale: AssessmentScale,
    *,
    assessed_on: date | None = None,
    kind: str = "triage",
    default: int | None = 6,
    **kwargs: Any,
) -> Assessment:
    scores = kwargs.pop("scores", None) or answers(scale, default, **kwargs.pop("areas", {}))
    return services.record_assessment(
        actor=actor_for(user),
        person=person,
        scale=scale,
        kind=kind,
        assessed_on=assessed_on or timezone.localdate(),
        scores=scores,
        **kwargs,
    )


def consent_for(person: Any, recorder: User, organisation: Any, *codes: str) -> Any:
    return sharing_services.record_consent(
        actor=actor_for(recorder),
        person=person,
        organisations=[organisation],
        categories=list(InformationCategory.objects.filter(code__in=codes)),
        purpose="One plan",
        how_given="verbal",
        given_on=timezone.localdate(),
    )
