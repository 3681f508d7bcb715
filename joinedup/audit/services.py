"""Writing audit events (SEC-20, SEC-21, SEC-23).

``record_event`` appends one event to the hash chain; ``record_events`` appends several under
one lock (a page of search results, an export of many people).

Fail closed (architecture rule 3): write the event in the same transaction as the read or write
it records, and let ``AuditWriteError`` end that transaction::

    with transaction.atomic():
        person = Person.objects.get(pk=person_id)
        record_event(actor=actor, action=AuditAction.VIEW, person_id=person.pk, ...)
    return person  # only reached when the event was written

The append runs in a savepoint, so a failed write leaves the caller's transaction usable (on
PostgreSQL too) for the caller to roll back or report.

Appends lock the chain head row until the caller's transaction ends, so writers queue behind
each other: record the event as the last step of the transaction, after the slow work.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.core.actor import Actor

from .models import (
    ACTOR_NAME_LENGTH,
    CHAIN_HEAD_PK,
    ORGANISATION_NAME_LENGTH,
    PROCESS_LENGTH,
    REQUEST_ID_LENGTH,
    AuditAction,
    AuditBasis,
    AuditChainHead,
    AuditEvent,
    canonical_ip,
)

#: The name recorded for work done by the system itself (``Actor.system``).
SYSTEM_ACTOR_NAME = "System"

_ACTIONS = frozenset(AuditAction.values)
_BASES = frozenset(AuditBasis.values)


class AuditWriteError(Exception):
    """An audit event could not be written. Whatever it records must not go ahead (SEC-21)."""


@dataclass(frozen=True)
class AuditEntry:
    """One event of a ``record_events`` batch: the person and what was seen of them."""

    person_id: uuid.UUID | None
    categories: Iterable[str] = ()
    basis: str = ""
    detail: Mapping[str, Any] | None = None


def record_event(
    *,
    actor: Actor,
    action: str,
    person_id: uuid.UUID | None = None,
    categories: Iterable[str] = (),
    basis: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event: ``actor`` did ``action`` to ``person_id`` (if about a person),
    seeing ``categories`` on ``basis``. ``detail`` holds anything else worth keeping (what was
    searched for, which export); UUIDs, dates and decimals in it are stored as strings.

    Raises ``AuditWriteError`` if the event cannot be written, and ``ValueError`` or
    ``TypeError`` for an unknown action or basis or a ``detail`` that is not JSON data.
    """
    (event,) = record_events(
        actor=actor,
        action=action,
        entries=[
            AuditEntry(person_id=person_id, categories=categories, basis=basis, detail=detail)
        ],
    )
    return event


def record_events(*, actor: Actor, action: str, entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """Append one event per entry, in order, under one lock of the chain head. All are written
    or none is. Returns the events (an empty list for no entries)."""
    action = _checked_action(action)
    prepared = [_prepared_entry(entry) for entry in entries]
    if not prepared:
        return []
    request_id = _fit(actor.request_id, REQUEST_ID_LENGTH)
    ip_address = _normalised_ip(actor.ip_address)
    process = _fit(actor.process, PROCESS_LENGTH)
    try:
        actor_name, organisation_name = _actor_names(actor)
        with transaction.atomic():
            head = _locked_head()
            occurred_at = timezone.now()
            events: list[AuditEvent] = []
            previous_hash = head.hash
            for offset, (person_id, categories, basis, detail) in enumerate(prepared, start=1):
                event = AuditEvent(
                    sequence=head.sequence + offset,
                    occurred_at=occurred_at,
                    actor_id=actor.user_id,
                    actor_name=actor_name,
                    organisation_id=actor.organisation_id,
                    organisation_name=organisation_name,
                    person_id=person_id,
                    categories=categories,
                    action=action,
                    basis=basis,
                    request_id=request_id,
                    ip_address=ip_address,
                    process=process,
                    detail=detail,
                    previous_hash=previous_hash,
                )
                event.hash = event.compute_hash()
                previous_hash = event.hash
                events.append(event)
            if len(events) == 1:
                events[0].save(force_insert=True)
            else:
                events = AuditEvent.objects.bulk_create(events, batch_size=500)
            head.sequence = events[-1].sequence
            head.hash = events[-1].hash
            head.save(update_fields=["sequence", "hash"])
    except DatabaseError as exc:
        raise AuditWriteError("The audit event could not be written.") from exc
    return events


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends; made on the first append ever."""
    for _attempt in range(3):
        head = AuditChainHead.objects.select_for_update().filter(pk=CHAIN_HEAD_PK).first()
        if head is not None:
            return head
        try:
            with transaction.atomic():
                head = AuditChainHead.objects.create(pk=CHAIN_HEAD_PK)
                # Only now, holding the new row, is "no head" certain rather than a race
                # with another first writer. With events already written the head was
                # removed: starting a new chain would hide that, so refuse and let an
                # operator look (``manage.py verify_audit``).
                if AuditEvent.objects.exists():
                    raise AuditWriteError("The audit chain head is missing but events exist.")
                return head
        except IntegrityError:
            continue  # another writer made it first; lock theirs
    raise AuditWriteError("The audit chain head could not be locked.")


def _actor_names(actor: Actor) -> tuple[str, str]:
    """The actor's and their organisation's names as they are now, without a query when the
    user and their organisation are already loaded."""
    user = actor.user
    if user is None:
        actor_name = SYSTEM_ACTOR_NAME
    else:
        actor_name = (
            getattr(user, "full_name", "") or getattr(user, "email", "") or str(actor.user_id)
        )
    organisation_name = ""
    if actor.organisation_id is not None:
        if user is not None and getattr(user, "organisation_id", None) == actor.organisation_id:
            organisation_name = user.organisation.name
        else:
            organisation_name = (
                Organisation.objects.filter(pk=actor.organisation_id)
                .values_list("name", flat=True)
                .first()
                or ""
            )
    return (
        _fit(actor_name, ACTOR_NAME_LENGTH),
        _fit(organisation_name, ORGANISATION_NAME_LENGTH),
    )


def _checked_action(action: str) -> str:
    value = str(action)
    if value not in _ACTIONS:
        raise ValueError(f"Unknown audit action {value!r}.")
    return value


def _prepared_entry(
    entry: AuditEntry,
) -> tuple[uuid.UUID | None, list[str], str, dict[str, Any]]:
    basis = str(entry.basis)
    if basis not in _BASES:
        raise ValueError(f"Unknown audit basis {basis!r}.")
    if isinstance(entry.categories, str):
        raise TypeError("categories must be a collection of category codes, not one string.")
    categories = sorted({_clean_text(str(code)) for code in entry.categories})
    person_id = None if entry.person_id is None else uuid.UUID(str(entry.person_id))
    return person_id, categories, basis, _json_detail(entry.detail)


def _json_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """``detail`` as plain JSON data: UUIDs, dates and decimals become strings, and text is
    made storable in PostgreSQL (no NUL characters or lone surrogates)."""
    if detail is None:
        return {}
    if not isinstance(detail, Mapping):
        raise TypeError("detail must be a mapping.")
    try:
        data = json.loads(json.dumps(dict(detail), cls=DjangoJSONEncoder, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"detail must be JSON data: {exc}") from exc
    cleaned: dict[str, Any] = _clean_json(data)
    return cleaned


def _clean_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {_clean_text(key): _clean_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, str):
        return _clean_text(value)
    return value


def _clean_text(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _normalised_ip(address: str | None) -> str | None:
    if not address:
        return None
    try:
        # Without any IPv6 zone ("%eth0"): PostgreSQL's inet type does not take one.
        return canonical_ip(address.split("%", 1)[0])
    except ValueError:
        return None


def _fit(text: str, max_length: int) -> str:
    """Text cut to the column's length: an over-long name must not stop the audit."""
    return _clean_text(text or "")[:max_length]
