"""The hash chain and ``manage.py verify_audit`` (SEC-23): an altered or removed event is found
and named. Tampering is done with raw SQL, as someone with database access would (on
PostgreSQL after switching off the append-only trigger)."""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from joinedup.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from joinedup.audit.services import record_event
from joinedup.audit.verify import verify_chain
from joinedup.core.actor import Actor

from .tampering import HEAD_TABLE, tamper

pytestmark = pytest.mark.django_db


def run_verify_audit(*args: str) -> tuple[int, str, str]:
    """Run the command as cron would: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


# The chain -------------------------------------------------------------------------------


def test_each_event_links_to_the_one_before(chain: list[AuditEvent]) -> None:
    """SEC-23: sequence 1, 2, 3, ...; each previous_hash is the hash of the event before; the
    first links to 64 zeros."""
    stored = list(AuditEvent.objects.all())
    assert [e.sequence for e in stored] == list(range(1, 51))
    assert stored[0].previous_hash == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after.previous_hash == before.hash
    assert len({e.hash for e in stored}) == 50


def test_the_hash_is_sha256_of_the_canonical_json(actor: Actor) -> None:
    """SEC-23: the hash is pinned, so a change to what is hashed is a deliberate one."""
    person_id = uuid.uuid4()
    event = record_event(
        actor=actor,
        action=AuditAction.VIEW,
        person_id=person_id,
        categories=["core"],
        basis="own_organisation",
        detail={"page": "record", "n": 3},
    )
    event.refresh_from_db()
    canonical = json.dumps(
        {
            "sequence": 1,
            "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": str(actor.user.pk),
            "actor_name": "Kirsty Walker",
            "organisation_id": str(actor.organisation_id),
            "organisation_name": "Northvale Borough Council",
            "person_id": str(person_id),
            "categories": ["core"],
            "action": "view",
            "basis": "own_organisation",
            "request_id": "r1",
            "ip_address": "192.0.2.1",
            "process": "",
            "detail": {"n": 3, "page": "record"},
            "previous_hash": GENESIS_HASH,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    assert event.occurred_at.isoformat().endswith("+00:00")
    assert event.hash == hashlib.sha256(canonical.encode()).hexdigest()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(detail=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
@example(
    detail={
        "whole": [1e16, 1e308, 1.0, -0.0, 2**70],
        "fraction": [5e-324, 1.5e-7, 0.1],
        "text": ["\x00", "\u00e9\U0001f600", ""],
        "": {"nested": {"1": None, "b": True}},
    }
)
def test_any_detail_hashes_the_same_after_the_database_round_trip(detail: dict[str, Any]) -> None:
    """SEC-23: whatever JSON detail holds (PostgreSQL's jsonb rewrites numbers such as 1e16),
    the stored event still matches its hash, so an intact chain verifies."""
    event = record_event(actor=Actor.system(process="test"), action="search", detail=detail)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash == event.hash == stored.compute_hash()
    assert verify_chain(batch_size=7).ok


# Verification ----------------------------------------------------------------------------


def test_an_intact_chain_verifies(chain: list[AuditEvent]) -> None:
    """SEC-23: an intact chain of 50 events passes, in one batch or many."""
    for batch_size in (1, 7, 50, 5000):
        result = verify_chain(batch_size=batch_size)
        assert result.ok, result
        assert result.events_checked == 50
        assert result.first_broken_sequence is None
    assert run_verify_audit() == (0, "Audit chain intact: 50 events checked.\n", "")


def test_an_empty_log_verifies() -> None:
    """SEC-23: nothing written yet is nothing broken."""
    assert run_verify_audit() == (0, "Audit chain intact: 0 events checked.\n", "")


def test_an_altered_event_is_named(chain: list[AuditEvent]) -> None:
    """SEC-23: a row changed in the database is reported by sequence and id; exit 1."""
    altered = chain[19]
    tamper(
        "UPDATE audit_auditevent SET actor_name = %s WHERE id = %s",
        ["Someone Else", altered.pk],
    )

    result = verify_chain(batch_size=7)
    assert not result.ok
    assert (result.first_broken_sequence, result.first_broken_id) == (20, altered.pk)
    assert result.events_checked == 19
    assert "altered" in result.reason

    code, out, err = run_verify_audit()
    assert code == 1
    assert out == ""
    assert err.startswith(f"Audit chain BROKEN at event 20 (id {altered.pk}): ")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", '{"page": "person", "number": 99}'),
        ("categories", '["core", "finance"]'),
        ("person_id", "0440fbadea954727b3a28a5cc3423403"),
        ("ip_address", "198.51.100.7"),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_any_altered_column_is_found(chain: list[AuditEvent], column: str, value: str) -> None:
    """SEC-23: every column is covered by the hash."""
    assert column in {f.column for f in AuditEvent._meta.fields}
    tamper(f"UPDATE audit_auditevent SET {column} = %s WHERE sequence = 33", [value])  # noqa: S608

    code, _out, err = run_verify_audit()
    assert code == 1
    assert err.startswith(f"Audit chain BROKEN at event 33 (id {chain[32].pk}): "), err


def test_an_altered_and_rehashed_event_breaks_the_next_link(chain: list[AuditEvent]) -> None:
    """SEC-23: giving an altered row a fresh hash does not help: the next event no longer
    links to it."""
    event = AuditEvent.objects.get(sequence=30)
    event.actor_name = "Someone Else"
    new_hash = event.compute_hash()
    tamper(
        "UPDATE audit_auditevent SET actor_name = %s, hash = %s WHERE id = %s",
        ["Someone Else", new_hash, event.pk],
    )

    result = verify_chain()
    assert (result.ok, result.first_broken_sequence) == (False, 31)
    assert "event 30" in result.reason
    code, _out, err = run_verify_audit()
    assert code == 1 and err.startswith("Audit chain BROKEN at event 31 ")


def test_a_removed_event_is_named(chain: list[AuditEvent]) -> None:
    """SEC-23: a gap in the sequence names the event after it and the missing sequence."""
    tamper("DELETE FROM audit_auditevent WHERE sequence = 25")

    result = verify_chain(batch_size=10)
    assert (result.ok, result.first_broken_sequence, result.first_broken_id) == (
        False,
        26,
        chain[25].pk,
    )
    assert "event 25 is missing" in result.reason
    code, _out, err = run_verify_audit()
    assert code == 1
    assert err.startswith(f"Audit chain BROKEN at event 26 (id {chain[25].pk}): event 25 is")


def test_removed_events_at_the_start_are_named(chain: list[AuditEvent]) -> None:
    """SEC-23: the chain must start at 1."""
    tamper("DELETE FROM audit_auditevent WHERE sequence <= 3")
    result = verify_chain()
    assert (result.first_broken_sequence, result.first_broken_id) == (4, chain[3].pk)
    assert "events 1 to 3 are missing" in result.reason


def test_a_removed_last_event_is_found_from_the_chain_head(chain: list[AuditEvent]) -> None:
    """SEC-23: removing the newest events leaves no gap, but the chain head still records
    them."""
    tamper("DELETE FROM audit_auditevent WHERE sequence = 50")

    result = verify_chain()
    assert not result.ok
    assert (result.first_broken_sequence, result.first_broken_id) == (50, None)
    assert result.events_checked == 49
    assert "removed from the end" in result.reason
    code, _out, err = run_verify_audit()
    assert code == 1
    assert err.startswith("Audit chain BROKEN at event 50: event 50 is missing: removed")


def test_every_event_removed_is_found(chain: list[AuditEvent]) -> None:
    """SEC-23: an emptied table with the head left behind is a broken chain."""
    tamper("DELETE FROM audit_auditevent")
    result = verify_chain()
    assert (result.ok, result.first_broken_sequence) == (False, 1)
    assert "events 1 to 50 are missing" in result.reason


def test_a_removed_chain_head_is_found(chain: list[AuditEvent]) -> None:
    """SEC-23: removing the head as well as the last events is noticed."""
    tamper("DELETE FROM audit_auditchainhead", table=HEAD_TABLE)
    code, _out, err = run_verify_audit()
    assert code == 1
    assert err == "Audit chain BROKEN: the chain head is missing (it was removed)\n"


def test_an_event_put_in_behind_the_services_back_is_found(
    chain: list[AuditEvent], actor: Actor
) -> None:
    """SEC-23: an event that links correctly but was not appended through the chain head (so
    not by the audit service) is reported."""
    last = chain[-1]
    forged = AuditEvent(
        sequence=51,
        occurred_at=timezone.now(),
        actor_name="Kirsty Walker",
        action="view",
        previous_hash=last.hash,
    )
    forged.hash = forged.compute_hash()
    forged.save(force_insert=True)

    result = verify_chain()
    assert (result.ok, result.first_broken_sequence, result.first_broken_id) == (
        False,
        51,
        forged.pk,
    )
    assert "not recorded in the chain head" in result.reason


def test_events_appended_while_verifying_are_not_an_alarm(
    chain: list[AuditEvent], actor: Actor
) -> None:
    """SEC-23: the check can run while people work."""
    appended: list[AuditEvent] = []

    def append_once(checked: int, expected: int) -> None:
        if not appended:
            appended.append(record_event(actor=actor, action="view"))

    result = verify_chain(batch_size=20, progress=append_once)
    assert result.ok, result
    assert result.events_checked == 51


def test_bad_batch_size_is_refused() -> None:
    """SEC-23: a clear message on bad input."""
    with pytest.raises(CommandError, match="batch-size"):
        call_command("verify_audit", "--batch-size", "0")
    with pytest.raises(ValueError, match="batch_size"):
        verify_chain(batch_size=0)
