"""Fixtures for the audit tests: an actor and a chain of events."""

from __future__ import annotations

import uuid

import pytest

from joinedup.accounts.models import Organisation, User
from joinedup.audit.models import AuditAction, AuditBasis, AuditEvent
from joinedup.audit.services import record_event
from joinedup.core.actor import Actor

from ..factories import UserFactory


@pytest.fixture
def staff_user(organisation: Organisation) -> User:
    """A key worker at Northvale Borough Council (the ``organisation`` fixture)."""
    return UserFactory(organisation=organisation, full_name="Kirsty Walker")


@pytest.fixture
def actor(staff_user: User) -> Actor:
    return Actor(
        user=staff_user,
        organisation_id=staff_user.organisation_id,
        request_id="r1",
        ip_address="192.0.2.1",
    )


@pytest.fixture
def chain(actor: Actor) -> list[AuditEvent]:
    """50 events about five people, written through the service."""
    people = [uuid.uuid4() for _ in range(5)]
    return [
        record_event(
            actor=actor,
            action=AuditAction.VIEW,
            person_id=people[number % 5],
            categories=["core", "health"] if number % 2 else ["core"],
            basis=AuditBasis.OWN_ORGANISATION,
            detail={"page": "person", "number": number},
        )
        for number in range(50)
    ]
