"""Fixtures for the outcomes tests: a case at the council for Jordan Ellis, and helpers to
record outcomes and consent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.cases.models import Case, Programme
from joinedup.cases.services import open_case
from joinedup.outcomes import services
from joinedup.outcomes.models import Outcome
from joinedup.sharing import services as sharing_services
from joinedup.sharing.models import Consent, InformationCategory

from ..conftest import actor_for

PROGRAMME = "Employment and skills support"


@pytest.fixture
def programme() -> Programme:
    return Programme.objects.get(name=PROGRAMME)


@pytest.fixture
def case(person, council_worker, programme) -> Case:  # type: ignore[no-untyped-def]
    return open_case(
        actor=actor_for(council_worker),
        person=person,
        programme=programme,
        key_worker=council_worker,
    )


def valid_fields(kind: str, **changes: Any) -> dict[str, Any]:
    """A valid outcome of each kind (a job sustained needs its ``job_start`` added)."""
    today = timezone.localdate()
    by_kind: dict[str, dict[str, Any]] = {
        "job_start": {
            "employer": "Northvale Logistics",
            "role": "Warehouse operative",
            "hours_per_week": Decimal("37.5"),
            "pay": Decimal("12.21"),
            "contract_type": "permanent",
        },
        "job_sustained": {"weeks": 13},
        "training_started": {"course": "Forklift licence", "provider": "Northvale College"},
        "training_completed": {"course": "Forklift licence", "provider": "Northvale College"},
        "qualification": {"qualification_level": "2", "subject": "Functional Skills Maths"},
        "volunteering": {"employer": "Northvale Food Bank", "role": "Driver"},
        "debt_reduced": {
            "debt_before": Decimal("4250"),
            "debt_after": Decimal("1200.50"),
            "debt_how": "Repayment plan agreed with creditors",
        },
        "income_gained": {
            "income_gained_per_year": Decimal("3640"),
            "description": "Carer's Allowance awarded",
        },
        "housing_secured": {"description": "Council tenancy at Elm Court"},
        "tenancy_sustained": {"description": "Arrears cleared; notice withdrawn"},
        "treatment_started": {"provider": "Northvale Recovery Service"},
        "treatment_completed": {"provider": "Northvale Recovery Service"},
        "wellbeing_change": {"description": "WEMWBS up from 38 to 49"},
    }
    return {"achieved_on": today, **by_kind[kind], **changes}


def record(user: User, case: Case, kind: str, **changes: Any) -> Outcome:
    return services.record_outcome(
        actor=actor_for(user), case=case, kind=kind, **valid_fields(kind, **changes)
    )


def consent_for(person, organisation, by, *codes: str, given_on: date | None = None) -> Consent:  # type: ignore[no-untyped-def]
    """The person consents to ``organisation`` seeing the categories ``codes``."""
    return sharing_services.record_consent(
        actor=actor_for(by),
        person=person,
        categories=InformationCategory.objects.filter(code__in=codes),
        purpose="Working together on their plan",
        how_given="verbal",
        given_on=given_on or timezone.localdate(),
        organisations=[organisation],
    )
