"""Audit events are append-only: on PostgreSQL a trigger refuses UPDATE and DELETE (SEC-22)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from joinedup.audit.models import AuditChainHead, AuditEvent
from joinedup.audit.services import record_event
from joinedup.core.actor import Actor

from .tampering import execute

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the append-only trigger is PostgreSQL's; this runs in make test-postgres",
    ),
]


def snapshot() -> list[tuple[object, ...]]:
    return list(AuditEvent.objects.order_by("sequence").values_list())


def test_the_orm_cannot_update_or_delete_events(chain: list[AuditEvent]) -> None:
    """SEC-22: QuerySet.update(), QuerySet.delete() and Model.delete() are refused and
    change nothing."""
    before = snapshot()
    attempts = [
        lambda: AuditEvent.objects.filter(sequence=10).update(actor_name="Someone Else"),
        lambda: AuditEvent.objects.filter(sequence__gte=40).delete(),
        lambda: AuditEvent.objects.get(sequence=50).delete(),
        lambda: AuditEvent.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert snapshot() == before


def test_raw_sql_cannot_update_or_delete_events(chain: list[AuditEvent]) -> None:
    """SEC-22: the trigger holds for SQL sent straight to the database too."""
    before = snapshot()
    for sql in (
        "UPDATE audit_auditevent SET detail = '{}'::jsonb WHERE sequence = 5",
        "UPDATE audit_auditevent SET actor_name = 'x'",
        "DELETE FROM audit_auditevent WHERE sequence = 50",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            execute(sql)
    assert snapshot() == before


def test_the_chain_head_only_moves_forward(chain: list[AuditEvent], actor: Actor) -> None:
    """SEC-22: the head cannot be wound back or removed to hide events taken off the end."""
    for sql in (
        "UPDATE audit_auditchainhead SET sequence = sequence - 1",
        "DELETE FROM audit_auditchainhead",
    ):
        with pytest.raises(DatabaseError, match="chain head"), transaction.atomic():
            execute(sql)
    assert AuditChainHead.objects.get().sequence == 50
    # Appends, which move it forward, still work.
    assert record_event(actor=actor, action="view").sequence == 51
