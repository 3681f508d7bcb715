"""Tampering with audit rows the way someone with direct database access would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from joinedup.audit.models import AuditChainHead, AuditEvent

EVENTS_TABLE = AuditEvent._meta.db_table
HEAD_TABLE = AuditChainHead._meta.db_table


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def triggers_disabled(table: str = EVENTS_TABLE) -> Iterator[None]:
    """Switch off the append-only trigger (PostgreSQL) while a test plays the tamperer; on
    SQLite there is none to switch off."""
    if connection.vendor == "postgresql":
        execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def tamper(sql: str, params: list[Any] | None = None, *, table: str = EVENTS_TABLE) -> None:
    """Run raw SQL against the audit table behind the application's back."""
    with triggers_disabled(table):
        execute(sql, params)
