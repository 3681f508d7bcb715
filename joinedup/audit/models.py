"""The audit log: one append-only, hash-chained row per look at or change of personal data.

SEC-20 says what each event holds; SEC-22 makes the table append-only on PostgreSQL (a trigger,
see migration 0002); SEC-23 chains the events so that an altered or removed row is found by
``manage.py verify_audit``.

The chain: every event carries a ``sequence`` (1, 2, 3, ... with no gaps), the ``hash`` of the
event before it (``previous_hash``; 64 zeros for the first) and its own ``hash``, a SHA-256 over a
canonical JSON of all its fields (``event_hash``). The single ``AuditChainHead`` row remembers the
last sequence and hash; writers lock it, so appends are serialised and removing events from the
end of the chain is noticed too.

Events hold identifiers, names as they were at the time and the category codes seen, never the
personal data itself. There are no foreign keys, so nothing cascades into the log and events
outlive the records they describe.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import models

#: ``previous_hash`` of the first event in the chain.
GENESIS_HASH = "0" * 64
#: The primary key of the one ``AuditChainHead`` row.
CHAIN_HEAD_PK = 1

ACTOR_NAME_LENGTH = 254
ORGANISATION_NAME_LENGTH = 200
REQUEST_ID_LENGTH = 64
PROCESS_LENGTH = 100


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    ARCHIVE = "archive", "Archived"
    UNARCHIVE = "unarchive", "Restored from the archive"
    DELETE = "delete", "Deleted"
    BREAK_GLASS = "break_glass", "Broke the glass"
    REQUEST_ACCESS = "request_access", "Requested access"
    CONSENT = "consent", "Recorded or withdrew consent"
    LAWFUL_BASIS = "lawful_basis", "Asked for or decided a lawful basis"
    REVIEW = "review", "Reviewed"
    DUPLICATE_OVERRIDE = "duplicate_override", "Overrode a possible duplicate"


class AuditBasis(models.TextChoices):
    """Why the actor could see what they saw. The values match ``sharing.policy.Basis``."""

    BLANK = "", "Not recorded"
    OWN_ORGANISATION = "own_organisation", "Own organisation's record"
    CONSENT = "consent", "Consent"
    LAWFUL_BASIS = "lawful_basis", "Approved lawful basis"
    BREAK_GLASS = "break_glass", "Break-glass"
    RESTRICTED = "restricted", "Restricted view"
    NONE = "none", "No basis"


class AuditEvent(models.Model):
    """One audited action. Written only by ``audit.services``; never updated or deleted."""

    id = models.BigAutoField(primary_key=True)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True, editable=False, help_text="UTC.")
    actor_id = models.UUIDField(null=True, blank=True, editable=False)
    actor_name = models.CharField(max_length=ACTOR_NAME_LENGTH, editable=False)
    organisation_id = models.UUIDField(null=True, blank=True, editable=False)
    organisation_name = models.CharField(
        max_length=ORGANISATION_NAME_LENGTH, blank=True, editable=False
    )
    person_id = models.UUIDField(null=True, blank=True, editable=False)
    categories = models.JSONField(default=list, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=AuditAction.choices, editable=False)
    basis = models.CharField(max_length=32, choices=AuditBasis.choices, blank=True, editable=False)
    request_id = models.CharField(max_length=REQUEST_ID_LENGTH, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    process = models.CharField(
        max_length=PROCESS_LENGTH,
        blank=True,
        editable=False,
        help_text="The command or job, if any.",
    )
    detail = models.JSONField(default=dict, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["sequence"]
        indexes = [
            # Covers lookups by person alone too, so person_id needs no index of its own.
            models.Index(fields=["person_id", "occurred_at"], name="audit_event_person_time"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_event_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_name}: {self.action}"

    def compute_hash(self) -> str:
        """The hash this event should carry, from its fields as they are now."""
        return event_hash(
            sequence=self.sequence,
            occurred_at=self.occurred_at,
            actor_id=self.actor_id,
            actor_name=self.actor_name,
            organisation_id=self.organisation_id,
            organisation_name=self.organisation_name,
            person_id=self.person_id,
            categories=self.categories,
            action=self.action,
            basis=self.basis,
            request_id=self.request_id,
            ip_address=self.ip_address,
            process=self.process,
            detail=self.detail,
            previous_hash=self.previous_hash,
        )


class AuditChainHead(models.Model):
    """The one row (pk 1) holding the last event's sequence and hash. Appends lock it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=CHAIN_HEAD_PK)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=CHAIN_HEAD_PK), name="audit_chain_head_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"Audit chain head at event {self.sequence}"


def event_hash(
    *,
    sequence: int,
    occurred_at: datetime,
    actor_id: uuid.UUID | str | None,
    actor_name: str,
    organisation_id: uuid.UUID | str | None,
    organisation_name: str,
    person_id: uuid.UUID | str | None,
    categories: Any,
    action: str,
    basis: str,
    request_id: str,
    ip_address: str | None,
    process: str,
    detail: Any,
    previous_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical JSON of an event's fields.

    The one hash function, used when events are written and when the chain is verified. Values
    are put in one form first, so an event hashes the same before it is saved and after it is
    read back from either database (PostgreSQL's ``jsonb`` and ``inet`` rewrite some values).
    """
    payload = {
        "sequence": int(sequence),
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": _uuid_text(actor_id),
        "actor_name": str(actor_name),
        "organisation_id": _uuid_text(organisation_id),
        "organisation_name": str(organisation_name),
        "person_id": _uuid_text(person_id),
        "categories": _canonical(categories),
        "action": str(action),
        "basis": str(basis),
        "request_id": str(request_id),
        "ip_address": canonical_ip(ip_address),
        "process": str(process),
        "detail": _canonical(detail),
        "previous_hash": str(previous_hash),
    }
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def canonical_ip(address: str | None) -> str | None:
    """An IP address in one written form, the same on every Python version and database:
    compressed lower-case IPv6, and IPv4-mapped IPv6 as ``::ffff:192.0.2.1``. ``None`` for an
    empty address; ``ValueError`` for something that is not an address."""
    if not address:
        return None
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return f"::ffff:{parsed.ipv4_mapped}"
    return str(parsed)


def _uuid_text(value: uuid.UUID | str | None) -> str | None:
    if value is None or value == "":
        return None
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _canonical(value: Any) -> Any:
    """JSON data in one form. A whole-number float becomes the integer it stands for:
    ``jsonb`` hands back ``1e16`` as ``10000000000000000``, so both must hash alike."""
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(Decimal(repr(value)))
    return value
