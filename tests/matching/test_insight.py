"""Insight: "known to several agencies" (issue 6, F13). The lists, their filters and
households, the explainable priority with recency weighting, pseudonymisation and the audit,
a fixed number of queries per page, and the referral for triage with its lawful basis (and how
triage matches a referral that carries no consent).

The data is built directly with the ORM: organisations, extracts, records with signals and the
linked people that join them (no Splink run is needed)."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.matching import insight
from joinedup.matching.models import (
    Extract,
    ExtractRecord,
    InsightReferral,
    LinkedPerson,
    SourceKind,
)
from joinedup.people.models import Person
from joinedup.people.services import register_person
from joinedup.referrals import services as referral_services
from joinedup.referrals.models import Referral
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import Consent
from joinedup.triage import services as triage_services

from ..conftest import actor_for, client_for
from ..factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASIS = "UK GDPR 6(1)(e) public task; Crime and Disorder Act 1998 s.115"
#: Names in the agencies' records: never on a pseudonymised page.
RECORD_GIVEN, RECORD_FAMILY = "Rosalind", "Quartermaine"

KIND_OF = {
    "council": SourceKind.COUNCIL_TAX,
    "housing": SourceKind.HOUSING,
    "police": SourceKind.POLICE,
    "social_care": SourceKind.SOCIAL_CARE,
    "schools": SourceKind.SCHOOLS,
    "jobcentre": SourceKind.JOBCENTRE,
    "health": SourceKind.HEALTH,
}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _council_is_the_hub(settings, council) -> None:  # type: ignore[no-untyped-def]
    """The council triages residents' own referrals, and so referrals from the list too."""
    settings.JOINEDUP_SELF_REFERRAL_ORGANISATION = council.name
    settings.JOINEDUP_SEVERAL_AGENCIES = 3


@pytest.fixture
def agencies(council) -> dict[str, Organisation]:  # type: ignore[no-untyped-def]
    return {
        "council": council,
        "housing": OrganisationFactory(name="Northvale Homes"),
        "police": OrganisationFactory(name="Northvale Police"),
        "social_care": OrganisationFactory(name="Northvale Children's Services"),
        "schools": OrganisationFactory(name="Northvale Schools Trust"),
        "jobcentre": OrganisationFactory(name="Jobcentre Plus Northvale"),
        "health": OrganisationFactory(name="Northvale NHS Trust"),
    }


@pytest.fixture
def officer(council) -> User:  # type: ignore[no-untyped-def]
    """A data and insight officer at the council (the hub)."""
    return UserFactory(organisation=council, roles=[Role.DATA_OFFICER], full_name="Dana Okoro")


@pytest.fixture
def police_officer(agencies) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=agencies["police"], roles=[Role.DATA_OFFICER], full_name="Pat Reid"
    )


@pytest.fixture
def analyst(council) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(
        organisation=council, roles=[Role.PERFORMANCE_ANALYST], full_name="Ana Lister"
    )


class Data:
    """Builds extracts (one per agency, kind and date), records and linked people."""

    def __init__(self, agencies: dict[str, Organisation]) -> None:
        self.agencies = agencies
        self.extracts: dict[tuple[str, str, date], Extract] = {}
        self.rows = itertools.count(2)
        self.numbers = itertools.count(1)

    def extract(
        self, key: str, taken: date | None = None, kind: str | None = None, basis: str = BASIS
    ) -> Extract:
        taken = taken or timezone.localdate() - timedelta(days=30)
        kind = kind or KIND_OF[key]
        found = self.extracts.get((key, kind, taken))
        if found is None:
            found = self.extracts[(key, kind, taken)] = Extract.objects.create(
                reference=f"E{len(self.extracts) + 1:07d}",
                organisation=self.agencies[key],
                source_kind=kind,
                extract_date=taken,
                lawful_basis=f"{basis} ({key})",
                original_name=f"{key}.csv",
                sha256=uuid.uuid4().hex * 2,
            )
        return found

    def record(
        self,
        extract: Extract,
        linked: LinkedPerson,
        signals: dict[str, Any] | None = None,
        **f: Any,
    ) -> ExtractRecord:
        values: dict[str, Any] = {
            "first_name": RECORD_GIVEN,
            "surname": RECORD_FAMILY,
            "date_of_birth": "04/11/1990",
            "postcode": "NV1 4AB",
        }
        values.update(f)
        return ExtractRecord.objects.create(
            extract=extract,
            row_number=next(self.rows),
            source_record_id=f"X{next(self.numbers)}",
            signals=signals or {},
            linked_person=linked,
            **values,
        )

    def person(
        self,
        *keys: str,
        signals: dict[str, dict[str, Any]] | None = None,
        taken: date | None = None,
        person: Person | None = None,
        reference: str | None = None,
        **fields: Any,
    ) -> LinkedPerson:
        """A linked person with one record from each agency in ``keys``."""
        number = next(self.numbers)
        linked = LinkedPerson.objects.create(reference=reference or f"P{number:07d}", person=person)
        for key in keys:
            self.record(self.extract(key, taken), linked, (signals or {}).get(key), **fields)
        return linked


@pytest.fixture
def data(agencies) -> Data:  # type: ignore[no-untyped-def]
    return Data(agencies)


def references(page: insight.InsightPage) -> list[str]:
    return [row.reference for row in page.rows]


def html_of(client: Client, name: str = "matching:insight", **query: Any) -> str:
    response = client.get(reverse(name), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def refer(user: User, linked: LinkedPerson, to: Organisation, **changes: Any) -> InsightReferral:
    values: dict[str, Any] = {
        "lawful_basis": BASIS,
        "reason": "Known to four agencies with rent arrears.",
    }
    values.update(changes)
    return insight.refer_for_triage(
        actor=actor_for(user), linked_person=linked, to_organisation=to, **values
    )


# ----------------------------------------------------------------------------- who is listed


class TestKnownToSeveral:
    def test_the_minimum_number_of_agencies(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        two = data.person("council", "police")
        three = data.person("council", "police", "health")
        four = data.person("council", "police", "health", "schools")
        # Two kinds of extract from one organisation are one agency.
        also_two = data.person("council", "police")
        data.record(data.extract("council", kind=SourceKind.HOUSING), also_two)
        # Someone merged into another is not listed on their own.
        merged = data.person("council", "police", "health", "jobcentre")
        LinkedPerson.objects.filter(pk=merged.pk).update(
            status=LinkedPerson.Status.MERGED, merged_into=four
        )
        actor = actor_for(officer)
        listed = insight.known_to_several(actor=actor)
        assert set(references(listed)) == {three.reference, four.reference}
        assert listed.minimum == 3
        assert set(references(insight.known_to_several(actor=actor, minimum=2))) == {
            two.reference,
            also_two.reference,
            three.reference,
            four.reference,
        }
        assert references(insight.known_to_several(actor=actor, minimum=4)) == [four.reference]
        row = insight.known_to_several(actor=actor, minimum=4).rows[0]
        assert row.agency_count == 4
        assert row.agency_names == [
            "Northvale Borough Council",
            "Northvale NHS Trust",
            "Northvale Police",
            "Northvale Schools Trust",
        ]
        assert "Council tax" in row.kinds and "Schools attendance" in row.kinds

    def test_age_band_and_district_but_no_name_address_or_postcode(
        self, data, officer, analyst
    ) -> None:  # type: ignore[no-untyped-def]
        with time_machine.travel("2026-11-20 10:00", tick=False):
            data.person(
                "council",
                "police",
                "health",
                date_of_birth="1990-11-04",
                postcode="nv14ab",
                address="12 Larkspur Gardens",
            )
            row = insight.known_to_several(actor=actor_for(officer)).rows[0]
            assert (row.age_band, row.district) == ("35 to 44", "NV1")
            html = html_of(client_for(analyst))
        assert "NV1" in html and "35 to 44" in html
        for secret in (RECORD_GIVEN, RECORD_FAMILY, "Larkspur", "4AB", "1990"):
            assert secret not in html

    def test_empty_state(self, officer) -> None:  # type: ignore[no-untyped-def]
        html = html_of(client_for(officer))
        assert "No one is known to 3 or more agencies yet" in html
        assert "run the matching" in html
        assert "How priority is worked out" in html

    def test_who_may_see_the_list(self, data, officer, analyst, council_worker) -> None:  # type: ignore[no-untyped-def]
        data.person("council", "police", "health")
        assert client_for(council_worker).get(reverse("matching:insight")).status_code == 403
        with pytest.raises(PermissionDenied):
            insight.known_to_several(actor=actor_for(council_worker))
        assert client_for(analyst).get(reverse("matching:insight")).status_code == 200
        assert client_for(officer).get(reverse("matching:insight_households")).status_code == 200


# ----------------------------------------------------------------------------- households


class TestHouseholds:
    def test_members_records_together(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        # The same property by UPRN, written differently by two agencies.
        mother = data.person("council", "housing", uprn="000100023456", postcode="NV2 1AA")
        son = data.person("schools", "police", uprn="100023456", postcode="NV2 1AA")
        # The same address and postcode, without a UPRN, written differently.
        father = data.person("jobcentre", address="12 High Street, Northvale", postcode="nv3 9zz")
        daughter = data.person(
            "health", "social_care", address="12 high street northvale.", postcode="NV39ZZ"
        )
        # Someone known to four agencies on their own, living alone.
        data.person("council", "police", "health", "schools", uprn="555", postcode="NV4 1AA")
        actor = actor_for(officer)
        listing = insight.households_known_to_several(actor=actor)
        assert [(r.agency_count, r.member_count) for r in listing.rows] == [(4, 2), (3, 2)]
        first, second = listing.rows
        assert [ref for ref, _ in first.members] == sorted([mother.reference, son.reference])
        assert [ref for ref, _ in second.members] == sorted([father.reference, daughter.reference])
        assert first.district == "NV2" and second.district == "NV3"
        assert first.label.startswith("H") and "100023456" not in first.label
        # Neither adult is known to three agencies on their own.
        assert mother.reference not in references(insight.known_to_several(actor=actor))
        assert len(insight.households_known_to_several(actor=actor, minimum=4).rows) == 1
        # Filters: area and agency.
        assert [
            r.district for r in insight.households_known_to_several(actor=actor, area="NV3").rows
        ] == ["NV3"]
        assert [
            r.district
            for r in insight.households_known_to_several(
                actor=actor, agency=data.agencies["jobcentre"]
            ).rows
        ] == ["NV3"]

    def test_the_page_shows_no_address(self, data, analyst) -> None:  # type: ignore[no-untyped-def]
        data.person("council", "housing", uprn="100023456", address="7 Foxglove Way")
        data.person("schools", "police", uprn="100023456", address="7 Foxglove Way")
        html = html_of(client_for(analyst), "matching:insight_households")
        assert 'data-testid="household-row"' in html and "Foxglove" not in html
        assert "100023456" not in html and RECORD_FAMILY not in html


# ----------------------------------------------------------------------------- filters


class TestFilters:
    def test_area_agency_and_minimum(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        north = data.person("council", "police", "health", postcode="NV1 4AB")
        south = data.person("council", "schools", "jobcentre", postcode="NV2 3CD")
        # The latest record's postcode decides the area: moved from NV2 to NV1.
        moved = data.person("council", "police", "health", postcode="NV2 3CD")
        data.record(data.extract("police", timezone.localdate()), moved, postcode="NV1 9XY")
        actor = actor_for(officer)
        assert set(references(insight.known_to_several(actor=actor, area="NV1"))) == {
            north.reference,
            moved.reference,
        }
        assert references(insight.known_to_several(actor=actor, area="nv2")) == [south.reference]
        assert references(
            insight.known_to_several(actor=actor, agency=data.agencies["schools"])
        ) == [south.reference]
        assert (
            references(
                insight.known_to_several(actor=actor, area="NV2", agency=data.agencies["police"])
            )
            == []
        )
        choices = insight.filter_choices(actor=actor)
        assert choices.districts == ["NV1", "NV2"]
        assert "Northvale Police" in [name for _, name in choices.agencies]

    def test_the_filter_form_is_get_and_keeps_pagination(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        for _ in range(insight.PAGE_SIZE + 3):
            data.person("council", "police", postcode="NV1 4AB")
        data.person("council", "police", postcode="NV2 4AB")
        police = data.agencies["police"]
        client = client_for(officer)
        html = html_of(client, minimum="2", area="NV1", agency=str(police.pk))
        assert f"{insight.PAGE_SIZE + 3} people known to 2 or more agencies" in html
        assert 'method="get"' in html
        assert f"minimum=2&amp;area=NV1&amp;agency={police.pk}&amp;page=2" in html
        second = html_of(client, minimum="2", area="NV1", agency=str(police.pk), page="2")
        assert second.count('data-testid="insight-row"') == 3
        # Past the end: the last page, as Django's paginator does.
        beyond = insight.known_to_several(
            actor=actor_for(officer), minimum=2, area="NV1", page="99"
        )
        assert beyond.page.number == 2 and len(beyond.rows) == 3
        assert beyond.page.paginator.count == insight.PAGE_SIZE + 3
        # The households tab keeps the filters too.
        assert f"/matching/insight/households/?minimum=2&amp;area=NV1&amp;agency={police.pk}" in (
            html
        )
        # Filtered to nothing: a different empty state.
        assert "matches these filters" in html_of(client, area="NV2")
        # Nonsense in the query string is an error on the form, not a crash.
        assert "Select a valid choice" in html_of(client, area="<script>")


# ----------------------------------------------------------------------------- the priority


class TestPriority:
    def test_reasons_and_order(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        with time_machine.travel("2026-11-20 10:00", tick=False):
            taken = date(2026, 10, 12)
            rent = data.person(
                "council",
                "housing",
                "police",
                "health",
                taken=taken,
                signals={"housing": {"rent_arrears": 1240.0}, "police": {"incidents_12m": 1}},
            )
            quiet = data.person("council", "housing", "police", "health", taken=taken)
            worried = data.person(
                "council",
                "social_care",
                "police",
                taken=taken,
                signals={
                    "social_care": {"open_referral": 1.0},
                    "police": {"incidents_12m": 4, "asb_incidents_12m": 2},
                    "council": {"arrears_amount": 499.99},
                },
            )
            listing = insight.known_to_several(actor=actor_for(officer))
        assert references(listing) == [worried.reference, rent.reference, quiet.reference]
        first, second, third = listing.rows
        assert first.priority == 15 + 30 + 20 + 10
        assert [r.text for r in first.reasons] == [
            "Known to 3 agencies",
            "Open social care referral (social care, Oct 2026)",
            "4 police incidents in 12 months (police, Oct 2026)",
            "2 anti-social behaviour incidents in 12 months (police, Oct 2026)",
        ]
        assert second.priority == 40
        assert [(r.text, r.points) for r in second.reasons] == [
            ("Known to 4 agencies", 20),
            ("Rent arrears £1,240 (housing, Oct 2026)", 20),
        ]
        assert third.priority == 20 and len(third.reasons) == 1
        # The signals themselves, by agency, with the extract's date.
        police = next(a for a in first.agencies if a.organisation == "Northvale Police")
        assert police.sources[0].extract_date == taken
        assert ("Police incidents in 12 months", "4") in police.sources[0].signals
        housing = next(a for a in second.agencies if a.organisation == "Northvale Homes")
        assert housing.sources[0].signals == [("Rent arrears", "£1,240")]
        for row in listing.rows:
            assert row.priority == sum(r.points for r in row.reasons)

    def test_recency_weighting_and_the_latest_extract(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        with time_machine.travel("2026-11-20 10:00", tick=False):
            linked = data.person("council", "police", "health")
            # Council tax: arrears in an old extract, none in the latest: only the latest counts.
            data.record(
                data.extract("council", date(2026, 1, 5)), linked, {"arrears_amount": 900.0}
            )
            data.record(data.extract("council", date(2026, 9, 1)), linked, {"arrears_amount": 0})
            # Rent arrears 3 months old (full), police 9 months old (half), A&E 17 months (none).
            data.record(data.extract("housing", date(2026, 8, 10)), linked, {"rent_arrears": 600.0})
            data.record(data.extract("police", date(2026, 2, 14)), linked, {"incidents_12m": 5})
            data.record(data.extract("health", date(2025, 6, 1)), linked, {"ae_attendances_12m": 6})
            # The other records of the police and health are older still.
            ExtractRecord.objects.filter(
                linked_person=linked, extract__extract_date=timezone.localdate() - timedelta(30)
            ).exclude(extract__organisation=data.agencies["council"]).update(
                extract=data.extract("schools", date(2024, 1, 1))
            )
            row = insight.known_to_several(actor=actor_for(officer)).rows[0]
            texts = {r.text: r.points for r in row.reasons}
            assert texts == {
                "Known to 5 agencies": 25,
                "Rent arrears £600 (housing, Aug 2026)": 20,
                "5 police incidents in 12 months (police, Feb 2026): half points, the extract "
                "is 6 to 12 months old": 10,
                "6 A&E attendances in 12 months (health, Jun 2025): no points, the extract is "
                "more than 12 months old": 0,
            }
            assert row.priority == 55
        # A year on, the rent arrears are 15 months old and count for nothing.
        with time_machine.travel("2027-11-20 10:00", tick=False):
            row = insight.known_to_several(actor=actor_for(officer)).rows[0]
            assert row.priority == 25

    def test_the_database_and_the_reasons_always_agree(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        """The database sorts by its own sum; the reasons are worked out again for the page.
        With random signals and dates they must give the same number."""
        rng = random.Random(13)
        keys = list(KIND_OF)
        values = {
            "arrears_amount": [0, 499.99, 500, 2500.5],
            "rent_arrears": [0, 500, 1240],
            "incidents_12m": [0, 2, 3, 9],
            "asb_incidents_12m": [1, 2],
            "open_referral": [0.0, 1.0],
            "attendance_pct": [89.9, 90, 100],
            "months_claiming": [11, 12, 40],
            "ae_attendances_12m": [2, 3],
        }
        today = timezone.localdate()
        for _ in range(30):
            linked = data.person()
            for key in rng.sample(keys, rng.randint(2, 6)):
                taken = today - timedelta(days=rng.choice([1, 100, 182, 183, 200, 364, 366, 900]))
                signals = {
                    code: rng.choice(options)
                    for code, options in rng.sample(sorted(values.items()), 3)
                }
                data.record(data.extract(key, taken), linked, signals)
        listing = insight.known_to_several(actor=actor_for(officer), minimum=2)
        assert len(listing.rows) == insight.PAGE_SIZE
        for row in listing.rows:
            assert row.priority == sum(r.points for r in row.reasons), row.reasons
        priorities = [row.priority for row in listing.rows]
        assert priorities == sorted(priorities, reverse=True)

    def test_the_scheme_is_on_the_page(self, officer) -> None:  # type: ignore[no-untyped-def]
        html = html_of(client_for(officer))
        assert "How priority is worked out" in html
        assert "£500 or more" in html and "less than 90%" in html and "half points" in html


# ----------------------------------------------------------------------------- queries


def _people_with_records(data: Data, count: int, visible: list[Person]) -> None:
    """``count`` people known to three agencies; the ``visible`` ones (on the shared record,
    registered by the council) have the highest priority, so they are on the first page."""
    for number in range(count):
        data.person(
            "council",
            "police",
            "health",
            signals={"police": {"incidents_12m": 9 if number < len(visible) else number % 3}},
            person=visible[number] if number < len(visible) else None,
            postcode=f"NV{number % 3 + 1} 4AB",
        )


def _queries(user: User) -> tuple[int, int]:
    actor = actor_for(user)
    insight.known_to_several(actor=actor)  # the audit chain's head is made on first use
    with CaptureQueriesContext(connection) as selector:
        insight.known_to_several(actor=actor)
    client = client_for(user)
    with CaptureQueriesContext(connection) as page:
        html_of(client)
    return len(selector.captured_queries), len(page.captured_queries)


def test_queries_do_not_grow_with_the_number_of_people(data, officer, council_worker) -> None:  # type: ignore[no-untyped-def]
    visible = [
        register_person(
            actor=actor_for(council_worker),
            values={"given_name": f"Visible{n}", "family_name": "Known"},
        )
        for n in range(3)
    ]
    _people_with_records(data, 5, visible)
    few = _queries(officer)
    _people_with_records(data, 35, [])
    many = _queries(officer)
    listing = insight.known_to_several(actor=actor_for(officer))
    assert listing.page.paginator.count == 40 and len(listing.rows) == insight.PAGE_SIZE
    assert sorted(row.name for row in listing.rows if row.name) == [
        "Visible0 Known",
        "Visible1 Known",
        "Visible2 Known",
    ]
    assert few == many, (few, many)
    assert few[0] <= 15


def test_household_queries_do_not_grow(data, officer) -> None:  # type: ignore[no-untyped-def]
    def households(count: int) -> None:
        for number in range(count):
            data.person("council", "police", uprn=f"9{number}")
            data.person("health", uprn=f"9{number}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            insight.households_known_to_several(actor=actor_for(officer))
        return len(captured.captured_queries)

    households(5)
    queries()  # the audit chain's head is made on first use
    few = queries()
    households(35)
    assert few == queries()


# ----------------------------------------------------------------------------- names and audit


class TestPseudonymisation:
    def test_analysts_never_see_names(self, data, analyst, person) -> None:  # type: ignore[no-untyped-def]
        # Jordan Ellis is on the shared record, registered by the analyst's own organisation.
        linked = data.person("council", "police", "health", person=person)
        html = html_of(client_for(analyst))
        assert linked.reference in html
        for secret in ("Jordan", "Ellis", RECORD_GIVEN, RECORD_FAMILY, str(person.pk)):
            assert secret not in html
        detail = client_for(analyst).get(
            reverse("matching:insight_person", args=[linked.reference])
        )
        assert detail.status_code == 200 and "Ellis" not in detail.content.decode()
        row = insight.known_to_several(actor=actor_for(analyst)).rows[0]
        assert row.name == "" and row.person_id is None

    def test_names_shown_with_a_basis_and_audited(
        self, data, officer, police_officer, person
    ) -> None:  # type: ignore[no-untyped-def]
        linked = data.person("council", "police", "health", person=person)
        data.person("council", "police", "health")
        # The council registered Jordan Ellis: its data officer may see who they are.
        before = AuditEvent.objects.count()
        html = html_of(client_for(officer))
        assert "Jordan Ellis" in html
        assert reverse("people:detail", args=[person.pk]) in html
        events = list(AuditEvent.objects.order_by("sequence")[before:])
        assert len(events) == 2
        named, listed = events
        assert named.person_id == person.pk and named.categories == [IDENTITY]
        assert named.basis == "own_organisation" and named.action == "view"
        assert named.detail["linked person"] == linked.reference
        assert listed.person_id is None and listed.detail["count"] == 2
        assert listed.detail["filters"] == {"minimum agencies": 3, "area": "", "agency": ""}
        # One batch: written together, for one request.
        assert named.occurred_at == listed.occurred_at
        assert named.request_id == listed.request_id
        # The police have no basis for Jordan Ellis: pseudonymised.
        police_html = html_of(client_for(police_officer))
        assert linked.reference in police_html and "Ellis" not in police_html

    def test_one_audit_batch_per_page(self, data, analyst) -> None:  # type: ignore[no-untyped-def]
        for _ in range(3):
            data.person("council", "police", "health", postcode="NV1 4AB")
        before = AuditEvent.objects.count()
        html_of(client_for(analyst), area="NV1")
        (event,) = AuditEvent.objects.order_by("sequence")[before:]
        assert event.action == "view" and event.person_id is None
        assert event.detail["filters"]["area"] == "NV1" and event.detail["count"] == 3
        assert len(event.detail["linked people"]) == 3


# ----------------------------------------------------------------------------- the referral


class TestReferral:
    def test_referral_for_triage_with_its_lawful_basis(
        self, data, officer, council, council_worker, police_officer
    ) -> None:  # type: ignore[no-untyped-def]
        linked = data.person(
            "council",
            "housing",
            "police",
            "health",
            signals={"housing": {"rent_arrears": 1240.0}},
        )
        # The most complete record the council may see gives the referral its identity
        # details: the police's, shared with the council under the matching agreement.
        from .conftest import make_agreement

        shared = data.extract("police", timezone.localdate())
        shared.agreement = make_agreement(council, shared.organisation)
        shared.save(update_fields=["agreement"])
        data.record(
            shared,
            linked,
            first_name="Alex",
            surname="O'Neill",
            date_of_birth="04/11/1990",
            postcode="nv2 3ab",
            phone="07700 900982",
            email="alex@example.com",
        )
        client = client_for(officer)
        url = reverse("matching:insight_refer", args=[linked.reference])
        form = client.get(url).content.decode()
        assert "There is no consent" in form and BASIS in form
        assert "Rent arrears £1,240" in form  # the reason, pre-filled
        assert f'value="{council.pk}" selected' in form  # the hub, by default
        before = AuditEvent.objects.count()
        response = client.post(
            url,
            {
                "to_organisation": str(council.pk),
                "lawful_basis": BASIS,
                "reason": "Known to four agencies; rent arrears.",
            },
        )
        assert response.status_code == 302
        made = InsightReferral.objects.get()
        referral = made.referral
        assert referral.source == Referral.Source.DATA_MATCHING
        assert referral.to_organisation == council and referral.person is None
        assert referral.consent_to_share is False
        assert referral.referred_by_organisation == council and referral.referred_by == officer
        assert (referral.given_name, referral.family_name) == ("Alex", "O'Neill")
        assert referral.date_of_birth == date(1990, 11, 4) and referral.postcode == "NV2 3AB"
        assert referral.phone == "07700 900982" and referral.email == "alex@example.com"
        assert made.lawful_basis == BASIS and made.linked_person == linked
        assert made.priority == 40 and made.made_by == officer
        assert {"text": "Known to 4 agencies", "points": 20} in made.reasons
        (create,) = [
            e for e in AuditEvent.objects.order_by("sequence")[before:] if e.action == "create"
        ]
        assert create.detail["referral"] == referral.reference
        assert create.detail["lawful basis"] == BASIS
        assert not Consent.objects.exists()  # there was none
        # The list says so: with the reference for the referring organisation only.
        html = html_of(client)
        assert f"Referred ({referral.reference}) on" in html
        police_html = html_of(client_for(police_officer))
        assert "Referred on" in police_html and referral.reference not in police_html
        # It is in the hub's inbox, and can be triaged: a new record from its details.
        inbox = client_for(council_worker).get(reverse("referrals:inbox")).content.decode()
        assert referral.reference in inbox and "O&#x27;Neill" in inbox
        person = triage_services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        assert (person.given_name, person.family_name) == ("Alex", "O'Neill")
        assert person.registered_by == council

    def test_a_record_not_shared_with_the_officer_gives_the_referral_nothing(
        self, data, officer, council
    ) -> None:  # type: ignore[no-untyped-def]
        linked = data.person("council", "housing", "police", "health")
        data.record(
            data.extract("police", timezone.localdate()),  # no agreement with the council
            linked,
            first_name="Alex",
            surname="O'Neill",
            date_of_birth="04/11/1990",
            email="alex@example.com",
        )
        from joinedup.matching.insight import refer_for_triage

        referral = refer_for_triage(
            actor=actor_for(officer),
            linked_person=linked,
            to_organisation=council,
            lawful_basis=BASIS,
            reason="Known to four agencies.",
        ).referral
        assert "O'Neill" not in (referral.family_name, referral.given_name)
        assert referral.email != "alex@example.com"

    def test_triage_matches_an_unseen_record_only_with_its_own_basis(
        self, data, officer, council, council_worker, cab_adviser
    ) -> None:  # type: ignore[no-untyped-def]
        """A data-matching referral records no consent: no one asked. A record the triaging
        organisation cannot see stays out of reach (a self-referral's strong match would have
        recorded the resident's consent); a record it can see is matched as usual."""
        values = {
            "given_name": "Alex",
            "family_name": "O'Neill",
            "date_of_birth": date(1990, 11, 4),
            "postcode": "NV2 3AB",
        }
        theirs = register_person(actor=actor_for(cab_adviser), values=values)
        linked = data.person(
            "council",
            "police",
            "health",
            first_name="Alex",
            surname="O'Neill",
            date_of_birth="1990-11-04",
            postcode="NV2 3AB",
        )
        referral = refer(officer, linked, council).referral
        actor = actor_for(council_worker)
        with pytest.raises(ValidationError) as error:
            triage_services.match_referral_to_person(
                actor=actor,
                referral=referral,
                person_id=theirs.pk,
                shown=[theirs.pk],
                identity_checked=True,
            )
        assert "no consent to record" in str(error.value.message_dict["person"])
        assert not Consent.objects.exists()
        referral.refresh_from_db()
        assert referral.person is None
        # A record the council holds itself is matched.
        ours = register_person(
            actor=actor,
            values={**values, "given_name": "Alexander"},
            possible_duplicates=[theirs.pk],
        )
        matched = triage_services.match_referral_to_person(
            actor=actor,
            referral=referral,
            person_id=ours.pk,
            shown=[theirs.pk, ours.pk],
            identity_checked=True,
        )
        assert matched == ours and not Consent.objects.exists()

    def test_the_shared_record_when_the_receiver_has_a_basis(
        self, data, officer, council, cab, person
    ) -> None:  # type: ignore[no-untyped-def]
        """Jordan Ellis's record is the council's: a referral to the council names it. The
        Citizens Advice has no basis: its referral carries the agencies' details instead."""
        linked = data.person("council", "police", "health", person=person)
        to_council = refer(officer, linked, council).referral
        assert to_council.person == person and to_council.given_name == ""
        Referral.objects.filter(pk=to_council.pk).update(status=Referral.Status.CLOSED)
        to_cab = refer(officer, linked, cab).referral
        assert to_cab.person is None
        assert (to_cab.given_name, to_cab.family_name) == (RECORD_GIVEN, RECORD_FAMILY)

    def test_only_data_officers_refer(self, data, analyst, council, council_worker) -> None:  # type: ignore[no-untyped-def]
        linked = data.person("council", "police", "health")
        url = reverse("matching:insight_refer", args=[linked.reference])
        post = {"to_organisation": str(council.pk), "lawful_basis": BASIS, "reason": "Because."}
        assert client_for(analyst).post(url, post).status_code == 403
        assert client_for(analyst).get(url).status_code == 403
        for user in (analyst, council_worker):
            with pytest.raises(PermissionDenied):
                refer(user, linked, council)
        assert not Referral.objects.exists() and not InsightReferral.objects.exists()
        # The analyst's person page has no button.
        page = client_for(analyst).get(reverse("matching:insight_person", args=[linked.reference]))
        assert 'data-testid="refer"' not in page.content.decode()

    def test_a_lawful_basis_is_required(self, data, officer, council) -> None:  # type: ignore[no-untyped-def]
        linked = data.person("council", "police", "health")
        response = client_for(officer).post(
            reverse("matching:insight_refer", args=[linked.reference]),
            {"to_organisation": str(council.pk), "lawful_basis": "  ", "reason": "Because."},
        )
        assert response.status_code == 200
        assert "Enter the lawful basis for sharing their details" in response.content.decode()
        with pytest.raises(ValidationError) as error:
            refer(officer, linked, council, lawful_basis="")
        assert "lawful_basis" in error.value.message_dict
        assert not Referral.objects.exists() and not InsightReferral.objects.exists()

    def test_a_second_open_referral_is_refused(
        self, data, officer, council, council_worker
    ) -> None:  # type: ignore[no-untyped-def]
        linked = data.person("council", "police", "health")
        first = refer(officer, linked, council)
        with pytest.raises(ValidationError, match="already referred for triage") as error:
            refer(officer, linked, council)
        assert first.referral.reference in str(error.value)
        response = client_for(officer).post(
            reverse("matching:insight_refer", args=[linked.reference]),
            {"to_organisation": str(council.pk), "lawful_basis": BASIS, "reason": "Again."},
        )
        assert "already referred for triage" in response.content.decode()
        assert Referral.objects.count() == 1
        page = client_for(officer).get(reverse("matching:insight_person", args=[linked.reference]))
        assert "still open" in page.content.decode()
        # Once the hub declines it, a new referral may be made.
        referral_services.decline_referral(
            actor=actor_for(council_worker), referral=first.referral, reason="Not for us."
        )
        second = refer(officer, linked, council)
        assert second.pk != first.pk and InsightReferral.objects.count() == 2

    def test_a_referral_for_an_id_merged_into_this_one_is_still_open(
        self, data, officer, council
    ) -> None:  # type: ignore[no-untyped-def]
        """A was referred, then merged (through another) into B: B may not be referred
        again while A's referral is open."""
        earlier = data.person("council", "police", "health")
        survivor = data.person("council", "police", "jobcentre")
        first = refer(officer, earlier, council)
        middle = data.person("council", "housing")
        middle.status = LinkedPerson.Status.MERGED
        middle.merged_into = survivor
        middle.save()
        earlier.status = LinkedPerson.Status.MERGED
        earlier.merged_into = middle  # merged twice over
        earlier.save()
        earlier.records.update(linked_person=survivor)
        with pytest.raises(ValidationError, match="already referred for triage"):
            refer(officer, survivor, council)
        page = client_for(officer).get(
            reverse("matching:insight_person", args=[survivor.reference])
        )
        text = page.content.decode()
        assert "still open" in text and first.referral.reference in text
        response = client_for(officer).post(
            reverse("matching:insight_refer", args=[survivor.reference]),
            {"to_organisation": str(council.pk), "lawful_basis": BASIS, "reason": "Again."},
        )
        assert "already referred for triage" in response.content.decode()
        assert Referral.objects.count() == 1


class TestPersonPage:
    def test_signals_by_agency_and_reasons(self, data, officer) -> None:  # type: ignore[no-untyped-def]
        linked = data.person(
            "council",
            "schools",
            "police",
            signals={"schools": {"attendance_pct": 84.5}, "council": {"arrears_amount": 750}},
        )
        html = (
            client_for(officer)
            .get(reverse("matching:insight_person", args=[linked.reference]))
            .content.decode()
        )
        assert "Northvale Schools Trust" in html and "84.5%" in html
        assert "School attendance 84.5% (schools," in html
        assert "Council tax arrears £750 (council tax," in html
        assert BASIS in html and 'data-testid="refer"' in html
        assert RECORD_FAMILY not in html
        missing = client_for(officer).get(reverse("matching:insight_person", args=["P9999999"]))
        assert missing.status_code == 404

    def test_the_demo_journey(self, data, officer, council, council_worker) -> None:  # type: ignore[no-untyped-def]
        """A data officer refers a person known to four agencies for triage, from the list."""
        linked = data.person(
            "council",
            "housing",
            "police",
            "schools",
            signals={"housing": {"rent_arrears": 1240.0}, "schools": {"attendance_pct": 82}},
        )
        client = client_for(officer)
        listing = html_of(client, minimum="4")
        assert linked.reference in listing and "Known to 4 agencies" in listing
        page = client.get(reverse("matching:insight_person", args=[linked.reference]))
        assert reverse("matching:insight_refer", args=[linked.reference]) in page.content.decode()
        form = client.get(reverse("matching:insight_refer", args=[linked.reference]))
        assert form.status_code == 200
        response = client.post(
            reverse("matching:insight_refer", args=[linked.reference]),
            {
                "to_organisation": str(council.pk),
                "lawful_basis": BASIS,
                "reason": "Known to four agencies.",
            },
            follow=True,
        )
        referral = Referral.objects.get()
        assert f"referral {referral.reference}" in response.content.decode()
        assert referral.reference in (
            client_for(council_worker).get(reverse("referrals:inbox")).content.decode()
        )
