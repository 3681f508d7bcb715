"""Checking the audit hash chain (SEC-23): is every event there, unaltered and in order?

``verify_chain`` reads the events in batches, in sequence order, and stops at the first one
that is wrong:

- a **gap** in the sequence (1, 2, 3, ...) means events were removed; the event after the gap
  is reported, naming the missing sequence numbers;
- a **stored hash** that differs from the hash of the event's fields means the row was altered;
- a **previous hash** that differs from the hash of the event before means the chain was
  re-linked (an altered event given a fresh hash, or an event put in from elsewhere);
- the **chain head** must agree with the last event: a head ahead of the last event means
  events were removed from the end; events beyond the head were not written by the service.

The head is read before the events, so events appended while the check runs are no alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import CHAIN_HEAD_PK, GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    events_checked: int
    #: The sequence of the first event found wrong (or, for removed events, the first missing).
    first_broken_sequence: int | None = None
    #: The database id of that event, when the row still exists.
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(
    *,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> VerificationResult:
    """Verify the whole chain. ``progress(events_checked, events_expected)`` is called after
    each batch, for a progress bar."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_PK).first()
    expected_total = head.sequence if head is not None else 0
    checked = 0
    last_sequence = 0
    previous_hash = GENESIS_HASH
    hash_at_head: str | None = None

    while True:
        try:
            batch = list(
                AuditEvent.objects.filter(sequence__gt=last_sequence).order_by("sequence")[
                    :batch_size
                ]
            )
        except (ValueError, TypeError, ValidationError) as exc:
            return VerificationResult(
                ok=False,
                events_checked=checked,
                first_broken_sequence=last_sequence + 1,
                reason=f"an event after event {last_sequence} cannot be read (altered): {exc}",
            )
        if not batch:
            break
        for event in batch:
            problem = _problem(
                event, expected_sequence=last_sequence + 1, previous_hash=previous_hash
            )
            if problem:
                return VerificationResult(
                    ok=False,
                    events_checked=checked,
                    first_broken_sequence=event.sequence,
                    first_broken_id=event.pk,
                    reason=problem,
                )
            checked += 1
            last_sequence = event.sequence
            previous_hash = event.hash
            if head is not None and event.sequence == head.sequence:
                hash_at_head = event.hash
        if progress is not None:
            progress(checked, max(expected_total, checked))

    return _check_head(
        head, checked=checked, last_sequence=last_sequence, hash_at_head=hash_at_head
    )


def _problem(event: AuditEvent, *, expected_sequence: int, previous_hash: str) -> str:
    """What is wrong with this event, or "" if nothing is."""
    if event.sequence != expected_sequence:
        if event.sequence == expected_sequence + 1:
            missing = f"event {expected_sequence} is missing"
        else:
            missing = f"events {expected_sequence} to {event.sequence - 1} are missing"
        return f"{missing} (removed from the chain)"
    try:
        computed = event.compute_hash()
    except (ValueError, TypeError, AttributeError) as exc:
        return f"the event cannot be hashed (the row was altered): {exc}"
    if computed != event.hash:
        return "the event's contents do not match its hash (the row was altered)"
    if event.previous_hash != previous_hash:
        if expected_sequence == 1:
            return "the first event does not start the chain (its previous hash is not zeros)"
        return (
            f"its previous hash does not match the hash of event {expected_sequence - 1} "
            "(an event was altered and re-hashed, or put in from elsewhere)"
        )
    return ""


def _check_head(
    head: AuditChainHead | None, *, checked: int, last_sequence: int, hash_at_head: str | None
) -> VerificationResult:
    """Compare the end of the chain with the chain head."""

    def broken(sequence: int | None, event_id: int | None, reason: str) -> VerificationResult:
        return VerificationResult(
            ok=False,
            events_checked=checked,
            first_broken_sequence=sequence,
            first_broken_id=event_id,
            reason=reason,
        )

    if head is None:
        if checked:
            return broken(None, None, "the chain head is missing (it was removed)")
        return VerificationResult(ok=True, events_checked=0)
    if last_sequence < head.sequence:
        first_missing = last_sequence + 1
        missing = (
            f"event {first_missing} is missing"
            if first_missing == head.sequence
            else f"events {first_missing} to {head.sequence} are missing"
        )
        return broken(
            first_missing,
            None,
            f"{missing}: removed from the end of the chain "
            f"(the chain head records {head.sequence} events)",
        )
    if head.sequence and hash_at_head != head.hash:
        event_id = (
            AuditEvent.objects.filter(sequence=head.sequence).values_list("pk", flat=True).first()
        )
        return broken(
            head.sequence, event_id, "the event's hash does not match the one in the chain head"
        )
    # Appends update the head in the same transaction as the events, so the head as it is now
    # covers every event read above; anything past it was not written by the audit service.
    current = AuditChainHead.objects.filter(pk=CHAIN_HEAD_PK).values_list("sequence", flat=True)
    current_sequence = current.first()
    if current_sequence is not None and last_sequence > current_sequence:
        beyond = current_sequence + 1
        event_id = AuditEvent.objects.filter(sequence=beyond).values_list("pk", flat=True).first()
        return broken(
            beyond,
            event_id,
            f"events after event {current_sequence} are not recorded in the chain head "
            "(they were not written by the audit service)",
        )
    return VerificationResult(ok=True, events_checked=checked)
