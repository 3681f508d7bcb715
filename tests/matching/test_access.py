"""Who sees which agency records (second review of issue 6): system admins see no matching
page; a data officer sees a record's fields only for their own organisation's extracts or
those shared with it under a current agreement, decides only pairs of records they may both
see, and the audit records only what was shown; loading another organisation's extract needs
a current agreement naming both; the review queue after an incremental run; huge page
numbers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.matching import selectors
from joinedup.matching.models import (
    CandidatePair,
    Extract,
    ExtractRecord,
    LinkageRun,
    LinkedPerson,
    PairDecision,
    SourceKind,
)

from ..conftest import actor_for, client_for
from ..factories import OrganisationFactory, UserFactory
from .conftest import (
    POLICE_FIELDS,
    council_tax_csv,
    load,
    make_agreement,
    police_csv,
)
from .test_pages import PAGES, WEIGHTS, html, make_pair, step_one

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_files")]


def record(source_record_id: str) -> ExtractRecord:
    return ExtractRecord.objects.get(source_record_id=source_record_id)


def finished_run(kind: str = LinkageRun.Kind.FULL, minutes_ago: int = 0) -> LinkageRun:
    return LinkageRun.objects.create(
        kind=kind,
        status=LinkageRun.Status.SUCCEEDED,
        finished_on=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def system_admin(council: Any) -> User:
    return UserFactory(organisation=council, roles=[Role.SYSTEM_ADMIN], full_name="Sys Admin")


@pytest.fixture
def housing() -> Any:
    return OrganisationFactory(name="Northvale Homes")


@pytest.fixture
def housing_officer(housing: Any) -> User:
    """A data officer of an organisation no agreement shares the extracts with."""
    return UserFactory(organisation=housing, roles=[Role.DATA_OFFICER], full_name="Hal Homes")


# ----------------------------------------------------------------------------- 1. system admins


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_system_admins_are_refused_every_matching_page(
    name: str, kwargs: dict[str, Any], system_admin: User
) -> None:
    client = client_for(system_admin)
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_system_admins_are_refused_the_insight_pages(system_admin: User) -> None:
    client = client_for(system_admin)
    for name, args in (
        ("matching:insight", []),
        ("matching:insight_households", []),
        ("matching:insight_person", ["P0000001"]),
        ("matching:insight_refer", ["P0000001"]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403, name


def test_system_admins_get_no_overview_counts(system_admin: User) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.overview(actor=actor_for(system_admin))


# ----------------------------------------------------------------------------- 2. records


@pytest.fixture
def unshared_police_extract(data_officer: User, police: Any) -> Extract:
    """The police's own extract, loaded by the police's data officer, shared with no one."""
    officer = UserFactory(organisation=police, roles=[Role.DATA_OFFICER], full_name="Pol Data")
    return load(
        officer,
        police,
        police_csv(),
        kind=SourceKind.POLICE,
        fields=POLICE_FIELDS,
        id_column="Nominal ID",
        name="police.csv",
    )


@pytest.fixture
def council_records(data_officer: User, council: Any) -> Extract:
    from .conftest import COUNCIL_TAX_FIELDS, COUNCIL_TAX_SIGNALS

    return load(
        data_officer,
        council,
        council_tax_csv(),
        kind=SourceKind.COUNCIL_TAX,
        fields=COUNCIL_TAX_FIELDS,
        signals=COUNCIL_TAX_SIGNALS,
        id_column="Account ref",
        name="council-tax.csv",
    )


class TestRecordsTheOrganisationMaySee:
    def test_a_record_not_shared_is_shown_by_its_holder_only_and_the_weights_hidden(
        self,
        officer_client: Client,
        data_officer: User,
        council_records: Extract,
        unshared_police_extract: Extract,
    ) -> None:
        pair = make_pair(finished_run(), record("CT00022").key, record("N7022").key, 3.0)
        url = reverse("matching:pair", kwargs={"pair": pair.public_id})
        page = html(officer_client.get(url))
        assert "A record held by Northvale Police (not shared with your organisation)" in page
        police_record = record("N7022")
        assert "TREMAINE" not in page and police_record.phone not in page
        assert police_record.source_record_id not in page
        assert f"+{WEIGHTS['surname']:.1f}" not in page and "−2.6" not in page
        assert 'data-testid="not-decidable"' in page
        # The council's own record is shown, and audited on its own basis only.
        assert record("CT00022").ni_number in page
        event = AuditEvent.objects.get(action="view")
        assert event.basis == "own_organisation"
        assert event.detail["records"] == [record("CT00022").key]
        assert event.detail["extracts"] == [council_records.reference]

        # Not decided, not in the queue.
        assert officer_client.post(url, {"decision": "match"}).status_code == 404
        assert not PairDecision.objects.exists()
        queue = html(officer_client.get(reverse("matching:review")))
        assert f"Review pair {pair.pk}" not in queue and 'data-testid="queue-empty"' in queue
        assert selectors.next_pair(actor=actor_for(data_officer)) is None

    def test_an_extract_under_a_current_agreement_is_shown_on_the_lawful_basis(
        self,
        officer_client: Client,
        council: Any,
        police: Any,
        council_records: Extract,
        unshared_police_extract: Extract,
    ) -> None:
        pair = make_pair(finished_run(), record("CT00022").key, record("N7022").key, 3.0)
        url = reverse("matching:pair", kwargs={"pair": pair.public_id})
        for dates in (
            {"ends_on": timezone.localdate() - timedelta(days=1)},
            {"starts_on": timezone.localdate() + timedelta(days=1)},
            {"archived_on": timezone.now()},
        ):
            agreement = make_agreement(council, police, **dates)
            Extract.objects.filter(pk=unshared_police_extract.pk).update(agreement=agreement)
            assert "not shared with your organisation" in html(officer_client.get(url)), dates
        # An agreement not naming the council does not share it either.
        other = make_agreement(police, OrganisationFactory(name="Elsewhere"))
        Extract.objects.filter(pk=unshared_police_extract.pk).update(agreement=other)
        assert "not shared with your organisation" in html(officer_client.get(url))

        current = make_agreement(council, police)
        Extract.objects.filter(pk=unshared_police_extract.pk).update(agreement=current)
        before = AuditEvent.objects.filter(action="view").count()
        page = html(officer_client.get(url))
        assert "not shared" not in page and "TREMAINE" in page and "+6.0" in page
        events = list(AuditEvent.objects.filter(action="view").order_by("sequence")[before:])
        assert [e.basis for e in events] == ["lawful_basis"]
        assert sorted(events[0].detail["records"]) == sorted([pair.left_key, pair.right_key])

    def test_the_linked_person_page_shows_only_what_may_be_seen(
        self,
        housing_officer: User,
        data_officer: User,
        council_records: Extract,
        unshared_police_extract: Extract,
    ) -> None:
        linked = LinkedPerson.objects.create(reference="P0000042")
        ExtractRecord.objects.filter(source_record_id__in=["CT00022", "N7022"]).update(
            linked_person=linked
        )
        url = reverse("matching:person", kwargs={"linked_person_id": linked.pk})
        page = html(client_for(housing_officer).get(url))
        assert "A record held by Northvale Borough Council (not shared" in page
        assert "A record held by Northvale Police (not shared" in page
        assert "Tremaine" not in page and "TREMAINE" not in page
        event = AuditEvent.objects.get(action="view", actor_id=housing_officer.pk)
        assert event.basis == "" and event.categories == [] and event.detail["records"] == []

        page = html(client_for(data_officer).get(url))
        assert "Tremaine" in page and "TREMAINE" not in page
        assert "A record held by Northvale Police (not shared" in page
        event = AuditEvent.objects.get(action="view", actor_id=data_officer.pk)
        assert event.basis == "own_organisation"
        assert event.detail["records"] == [record("CT00022").key]

    def test_a_restricted_joinedup_person_hides_the_key_weights_and_audits_no_basis(
        self, housing_officer: User, person: Any, housing: Any
    ) -> None:
        """The housing officer's own record against a JoinedUp person they have no basis for."""
        extract = Extract.objects.create(
            reference="EHOUSING1",
            organisation=housing,
            source_kind=SourceKind.HOUSING,
            extract_date=date(2026, 1, 5),
            lawful_basis="UK GDPR 6(1)(e)",
            original_name="housing.csv",
            sha256="a" * 64,
        )
        mine = ExtractRecord.objects.create(
            extract=extract, row_number=2, source_record_id="T1", first_name="Jordan"
        )
        pair = make_pair(finished_run(), f"p{person.pk}", mine.key, 2.0)
        client = client_for(housing_officer)
        page = html(client.get(reverse("matching:pair", kwargs={"pair": pair.public_id})))
        assert "JoinedUp record (restricted)" in page and str(person.pk) not in page
        assert "Ellis" not in page and "+6.0" not in page
        events = list(AuditEvent.objects.filter(action="view"))
        assert [(e.person_id, e.basis) for e in events] == [(None, "own_organisation")]
        assert all(e.basis != "lawful_basis" for e in events)
        assert (
            client.post(reverse("matching:pair", kwargs={"pair": pair.public_id})).status_code
            == 404
        )


# ----------------------------------------------------------------------------- 3. loading


class TestLoadingAnotherOrganisationsExtract:
    def test_needs_a_current_agreement_naming_both(
        self, officer_client: Client, council: Any, police: Any
    ) -> None:
        response = step_one(officer_client, police_csv(), police, name="police.csv")
        assert response.status_code == 200
        assert "Choose the current sharing agreement between your organisation and" in html(
            response
        )
        # An agreement the council is not party to is not even offered.
        theirs = make_agreement(police, OrganisationFactory(name="Elsewhere"))
        response = step_one(
            officer_client, police_csv(), police, name="police.csv", agreement=str(theirs.pk)
        )
        assert response.status_code == 200 and "Select a valid choice" in html(response)
        # An agreement that has ended is not offered either.
        ended = make_agreement(council, police, ends_on=timezone.localdate() - timedelta(days=1))
        response = step_one(
            officer_client, police_csv(), police, name="police.csv", agreement=str(ended.pk)
        )
        assert response.status_code == 200 and "Select a valid choice" in html(response)
        # One naming the council but not the police.
        ours = make_agreement(council, OrganisationFactory(name="Another"))
        response = step_one(
            officer_client, police_csv(), police, name="police.csv", agreement=str(ours.pk)
        )
        assert "Northvale Police is not a party to" in html(response)

        both = make_agreement(council, police)
        response = step_one(
            officer_client, police_csv(), police, name="police.csv", agreement=str(both.pk)
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("matching:load_columns")

    def test_own_organisations_extract_needs_only_a_lawful_basis(
        self, officer_client: Client, council: Any
    ) -> None:
        response = step_one(officer_client, council_tax_csv(), council)
        assert response.status_code == 302

    def test_the_agreement_is_checked_again_at_the_second_step(
        self, officer_client: Client, council: Any, police: Any
    ) -> None:
        both = make_agreement(council, police)
        step_one(officer_client, police_csv(), police, name="police.csv", agreement=str(both.pk))
        both.parties.remove(council)
        response = officer_client.get(reverse("matching:load_columns"))
        assert response.status_code == 302 and response["Location"] == reverse("matching:load")
        assert not Extract.objects.exists()


# ----------------------------------------------------------------------------- 4. the queue


def test_the_queue_holds_the_full_run_and_the_incremental_runs_since(
    officer_client: Client, data_officer: User, council_records: Extract
) -> None:
    keys = [record(f"CT{n:05d}").key for n in range(8)]
    older_full = finished_run(minutes_ago=60)
    make_pair(older_full, keys[0], keys[1], 1.0)  # superseded by the newer full run
    full = finished_run(minutes_ago=30)
    in_full = make_pair(full, keys[2], keys[3], 2.0)
    rescored = make_pair(full, keys[4], keys[5], -1.0)
    incremental = finished_run(LinkageRun.Kind.INCREMENTAL, minutes_ago=10)
    newest_score = make_pair(incremental, keys[4], keys[5], 3.0)
    in_incremental = make_pair(incremental, keys[6], keys[7], 1.5)
    decided = make_pair(incremental, keys[0], keys[7], 0.5)
    PairDecision.objects.create(left_key=decided.left_key, right_key=decided.right_key)

    queue = selectors.review_queue(actor=actor_for(data_officer), page=1)
    assert [item.pair.pk for item in queue.items] == [
        newest_score.pk,
        in_full.pk,
        in_incremental.pk,
    ]
    assert queue.waiting == 3
    assert rescored.pk not in [item.pair.pk for item in queue.items]
    page = html(officer_client.get(reverse("matching:review")))
    assert 'data-testid="waiting">3<' in page
    assert selectors.next_pair(actor=actor_for(data_officer)) == newest_score
    assert CandidatePair.objects.count() == 6


# ----------------------------------------------------------------------------- 5. paging


@pytest.mark.parametrize("number", ["99999999999999999999", "-99999999999999999999", "x", "1e9"])
def test_any_page_number_of_a_matching_list(officer_client: Client, number: str) -> None:
    for name in (
        "matching:extracts",
        "matching:runs",
        "matching:review",
        "matching:changes",
        "matching:insight",
        "matching:insight_households",
    ):
        response = officer_client.get(reverse(name), {"page": number})
        assert response.status_code == 200, (name, number)


def test_a_huge_page_number_is_the_last_page(officer_client: Client) -> None:
    run = finished_run()
    people = [
        LinkedPerson.objects.create(reference=f"P{n:07d}", created_by_run=run) for n in range(2)
    ]
    from joinedup.matching.models import ClusterChange

    ClusterChange.objects.bulk_create(
        ClusterChange(kind="split", person=people[0], other=people[1], records=["r1"], run=run)
        for _ in range(30)
    )
    page = html(officer_client.get(reverse("matching:changes"), {"page": "9" * 20}))
    assert "Showing 26 to 30 of 30" in page
