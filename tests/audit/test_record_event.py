"""Writing audit events (SEC-20) and failing closed when they cannot be written (SEC-21)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.audit.models import (
    GENESIS_HASH,
    AuditAction,
    AuditBasis,
    AuditChainHead,
    AuditEvent,
)
from joinedup.audit.selectors import events_for_person
from joinedup.audit.services import AuditEntry, AuditWriteError, record_event, record_events
from joinedup.core.actor import Actor

from ..factories import OrganisationFactory
from .tampering import HEAD_TABLE, tamper

pytestmark = pytest.mark.django_db


def test_record_event_writes_who_what_when_where_and_why(actor: Actor, staff_user: User) -> None:
    """SEC-20: one event with actor, organisation, UTC time, person, categories, action,
    basis, request id and address."""
    person_id = uuid.uuid4()
    before = timezone.now()

    event = record_event(
        actor=actor,
        action=AuditAction.VIEW,
        person_id=person_id,
        categories=["health", "core"],
        basis=AuditBasis.CONSENT,
        detail={"page": "person_record"},
    )

    assert AuditEvent.objects.count() == 1
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == staff_user.pk
    assert event.actor_name == "Kirsty Walker"
    assert event.organisation_id == staff_user.organisation_id
    assert event.organisation_name == "Northvale Borough Council"
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert before <= event.occurred_at <= timezone.now()
    assert event.person_id == person_id
    assert event.categories == ["core", "health"]
    assert event.action == "view"
    assert event.basis == "consent"
    assert event.request_id == "r1"
    assert event.ip_address == "192.0.2.1"
    assert event.process == ""
    assert event.detail == {"page": "person_record"}
    assert event.sequence == 1
    assert event.previous_hash == GENESIS_HASH
    assert event.hash == event.compute_hash()


def test_system_actor_is_named_with_its_process() -> None:
    """SEC-20: work done by a command is audited as the system, naming the command."""
    event = record_event(
        actor=Actor.system(process="import_people"), action=AuditAction.CREATE, basis=""
    )
    event.refresh_from_db()
    assert (event.actor_id, event.actor_name, event.organisation_id) == (None, "System", None)
    assert event.organisation_name == ""
    assert event.process == "import_people"
    assert event.ip_address is None
    assert event.person_id is None


def test_no_query_for_names_already_loaded(actor: Actor) -> None:
    """SEC-20: names come from the loaded user and organisation, not another query."""
    assert actor.user.organisation.name  # loaded, as it is on a signed-in request
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        record_event(actor=actor, action=AuditAction.SEARCH, detail={"query": "Smith"})
    assert not [q for q in queries.captured_queries if "accounts_" in q["sql"]]


def test_acting_for_another_organisation_records_that_organisation(staff_user: User) -> None:
    """SEC-20: the organisation is the one the actor acts for."""
    other = OrganisationFactory(name="Citizens Advice Northvale")
    event = record_event(
        actor=Actor(user=staff_user, organisation_id=other.pk, request_id="r2"),
        action=AuditAction.VIEW,
    )
    assert (event.organisation_id, event.organisation_name) == (
        other.pk,
        "Citizens Advice Northvale",
    )


def test_detail_values_are_stored_as_json_text(actor: Actor) -> None:
    """SEC-20: UUIDs, dates and decimals in detail are kept as strings."""
    ref = uuid.uuid4()
    event = record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        detail={
            "ref": ref,
            "from": date(2025, 4, 1),
            "at": datetime(2025, 4, 1, 9, 30, tzinfo=UTC),
            "cost": Decimal("12.50"),
            "ids": (1, 2),
        },
    )
    event.refresh_from_db()
    assert event.detail == {
        "ref": str(ref),
        "from": "2025-04-01",
        "at": "2025-04-01T09:30:00Z",
        "cost": "12.50",
        "ids": [1, 2],
    }
    assert event.hash == event.compute_hash()


def test_text_postgresql_cannot_store_is_made_safe(actor: Actor) -> None:
    """SEC-20: a NUL in a search term must not stop the audit (and so the search)."""
    event = record_event(actor=actor, action=AuditAction.SEARCH, detail={"q": "Sm\x00ith"})
    event.refresh_from_db()
    assert event.detail == {"q": "Sm\ufffdith"}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("not an address", None),
    ],
)
def test_addresses_are_stored_in_one_form(staff_user: User, given: str, stored: str | None) -> None:
    """SEC-20: the client address is stored as an address, whatever form it came in."""
    actor = Actor(user=staff_user, organisation_id=None, request_id="r3", ip_address=given)
    event = record_event(actor=actor, action=AuditAction.VIEW)
    event.refresh_from_db()
    assert event.ip_address == stored
    assert event.hash == event.compute_hash()


def test_unknown_action_basis_or_detail_are_refused(actor: Actor) -> None:
    """SEC-20: an event must say what happened in the agreed terms."""
    with pytest.raises(ValueError, match="action"):
        record_event(actor=actor, action="peek")
    with pytest.raises(ValueError, match="basis"):
        record_event(actor=actor, action=AuditAction.VIEW, basis="because")
    with pytest.raises(TypeError, match="detail"):
        record_event(actor=actor, action=AuditAction.VIEW, detail={"f": object()})
    with pytest.raises(TypeError, match="detail"):
        record_event(actor=actor, action=AuditAction.VIEW, detail={"x": float("nan")})
    with pytest.raises(TypeError, match="categories"):
        record_event(actor=actor, action=AuditAction.VIEW, categories="health")
    assert AuditEvent.objects.count() == 0


def test_record_events_writes_one_event_per_person_in_one_append(actor: Actor) -> None:
    """SEC-20: a page of search results opened at once is one event per person."""
    record_event(actor=actor, action=AuditAction.SEARCH, detail={"q": "Smith"})
    people = [uuid.uuid4() for _ in range(3)]

    events = record_events(
        actor=actor,
        action=AuditAction.VIEW,
        entries=[
            AuditEntry(person_id=people[0], categories=["core"], basis="own_organisation"),
            AuditEntry(person_id=people[1], categories=["core"], basis="consent"),
            AuditEntry(person_id=people[2], basis="restricted", detail={"view": "restricted"}),
        ],
    )

    assert [e.sequence for e in events] == [2, 3, 4]
    assert all(e.pk for e in events)
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [e.person_id for e in stored[1:]] == people
    assert [e.basis for e in stored[1:]] == ["own_organisation", "consent", "restricted"]
    for before, after in itertools.pairwise(stored):
        assert after.previous_hash == before.hash
        assert after.hash == after.compute_hash()
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, stored[-1].hash)
    assert record_events(actor=actor, action=AuditAction.VIEW, entries=[]) == []


def test_events_for_person_newest_first(actor: Actor) -> None:
    """SEC-20: a person's audit trail, newest first, and only theirs."""
    person, other = uuid.uuid4(), uuid.uuid4()
    first = record_event(actor=actor, action=AuditAction.VIEW, person_id=person)
    record_event(actor=actor, action=AuditAction.VIEW, person_id=other)
    second = record_event(actor=actor, action=AuditAction.UPDATE, person_id=person)
    assert list(events_for_person(person_id=person)) == [second, first]


# SEC-21: fail closed ---------------------------------------------------------------------


def open_person_record(actor: Actor, person_id: uuid.UUID, new_name: str) -> str | None:
    """How a caller uses the audit: the read or change and its event in one transaction. When
    the event cannot be written the change is undone and nothing is returned."""
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=actor.organisation_id).update(name=new_name)
            record = Organisation.objects.get(pk=actor.organisation_id).name
            record_event(actor=actor, action=AuditAction.UPDATE, person_id=person_id)
    except AuditWriteError:
        return None
    return record


def test_when_the_event_cannot_be_written_no_data_is_returned(actor: Actor) -> None:
    """SEC-21: the audit write fails, so the caller's transaction rolls back and returns
    nothing: no audit row, no change, no data."""
    person_id = uuid.uuid4()
    with mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("disk full")):
        assert open_person_record(actor, person_id, "Changed Name") is None

    assert AuditEvent.objects.count() == 0
    assert not Organisation.objects.filter(name="Changed Name").exists()
    assert not AuditChainHead.objects.exclude(sequence=0).exists()

    # With the audit working again the same call goes ahead, audited.
    assert open_person_record(actor, person_id, "Changed Name") == "Changed Name"
    assert AuditEvent.objects.get().person_id == person_id


def test_audit_write_error_wraps_the_database_error(actor: Actor) -> None:
    """SEC-21: a failed write raises AuditWriteError, caused by the database's error."""
    with (
        mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("disk full")),
        pytest.raises(AuditWriteError) as raised,
    ):
        record_event(actor=actor, action=AuditAction.VIEW)
    assert isinstance(raised.value.__cause__, DatabaseError)


def test_a_real_database_failure_leaves_the_callers_transaction_usable(actor: Actor) -> None:
    """SEC-21: the append runs in a savepoint: after a real failure (here a clash with an
    event put in behind the service's back) the caller can still roll back or report."""
    with transaction.atomic():
        first = record_event(actor=actor, action=AuditAction.VIEW)
        AuditEvent.objects.create(
            sequence=2,
            occurred_at=timezone.now(),
            actor_name="forged",
            action="view",
            previous_hash=first.hash,
            hash="f" * 64,
        )
        with pytest.raises(AuditWriteError):
            record_event(actor=actor, action=AuditAction.VIEW)
        assert AuditChainHead.objects.get().sequence == 1  # the failed append left no trace
        assert Organisation.objects.filter(pk=actor.organisation_id).exists()


def test_a_batch_is_written_whole_or_not_at_all(actor: Actor) -> None:
    """SEC-21: if any event of a batch cannot be written, none is."""
    with (
        mock.patch.object(AuditEvent.objects, "bulk_create", side_effect=DatabaseError("no space")),
        pytest.raises(AuditWriteError),
    ):
        record_events(
            actor=actor,
            action=AuditAction.VIEW,
            entries=[AuditEntry(person_id=uuid.uuid4()) for _ in range(3)],
        )
    assert AuditEvent.objects.count() == 0


def test_no_event_is_written_when_the_chain_head_is_gone(actor: Actor) -> None:
    """SEC-21, SEC-23: if the chain head was removed, appends refuse rather than start a new
    chain that would hide it."""
    record_event(actor=actor, action=AuditAction.VIEW)
    tamper("DELETE FROM audit_auditchainhead", table=HEAD_TABLE)
    with pytest.raises(AuditWriteError, match="head is missing"):
        record_event(actor=actor, action=AuditAction.VIEW)
    assert AuditEvent.objects.count() == 1
