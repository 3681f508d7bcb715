"""Open Referral UK import and export: all or nothing, every bad entry reported, idempotent on
the ORUK id, and an export that reads back unchanged (F12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.directory import oruk, selectors, services
from joinedup.directory.models import Service, ServiceContact, ServiceLocation, ServiceNeed
from joinedup.directory.needs import NeedArea

from ..conftest import actor_for
from ..factories import OrganisationFactory, UserFactory
from .factories import ServiceContactFactory, ServiceFactory, ServiceLocationFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system(process="test")


def oruk_service(
    number: int, organisation: str = "Citizens Advice Northvale", **extra: Any
) -> dict[str, Any]:
    """An ORUK service in the original UK profile's shape."""
    entry: dict[str, Any] = {
        "id": f"cab-{number}",
        "name": f"Advice service {number}",
        "description": "Free, confidential advice.",
        "url": "https://www.cab.example/advice",
        "email": "advice@cab.example",
        "status": "active",
        "fees": "",
        "assured_date": "2026-09-01",
        "organization": {"id": "org-1", "name": organisation},
        "eligibilitys": [
            {
                "id": "e1",
                "eligibility": "Adults in Northvale",
                "minimum_age": 18,
                "maximum_age": None,
            }
        ],
        "service_at_locations": [
            {
                "id": "sal-1",
                "location": {
                    "id": "loc-1",
                    "name": "Advice centre",
                    "latitude": 54.97,
                    "longitude": -1.61,
                    "physical_addresses": [
                        {
                            "id": "a1",
                            "address_1": "7 Chapel Lane",
                            "city": "Northvale",
                            "postal_code": "nv2 5ln",
                        }
                    ],
                },
            }
        ],
        "contacts": [
            {
                "id": "c1",
                "name": "Sam Clarke",
                "title": "Debt adviser",
                "phones": [{"id": "p1", "number": "01632 960 123"}],
            }
        ],
        "service_taxonomys": [
            {"id": "t1", "taxonomy": {"id": "x", "name": "Debt advice", "vocabulary": "esd"}}
        ],
    }
    entry.update(extra)
    return entry


def _import(
    data: Any,
    *,
    actor: Actor = SYSTEM,
    resolver: Callable[[str], Organisation | None] | None = None,
    **kwargs: Any,
) -> services.ImportReport:
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    return services.import_oruk(
        actor=actor,
        data=text,
        organisation_resolver=resolver or selectors.organisation_resolver(),
        **kwargs,
    )


def _snapshot() -> list[tuple[Any, ...]]:
    return (
        sorted(Service.objects.values_list("id", "name", "oruk_id", "modified_on"))
        + sorted(ServiceNeed.objects.values_list("id", "need"))
        + sorted(ServiceLocation.objects.values_list("id", "name"))
        + sorted(ServiceContact.objects.values_list("id", "name"))
    )


class TestImport:
    def test_reads_the_original_uk_profile(self, cab: Organisation) -> None:
        report = _import([oruk_service(1)])
        assert report.ok and report.written
        assert (report.entries, report.created, report.updated) == (1, 1, 0)
        service = Service.objects.get()
        assert service.organisation == cab
        assert service.oruk_id == "cab-1"
        assert service.eligibility_description == "Adults in Northvale"
        assert (service.minimum_age, service.maximum_age) == (18, None)
        assert service.last_reviewed == date(2026, 9, 1)
        assert service.need_codes == [NeedArea.MONEY_DEBT]
        location = service.locations.get()
        assert (location.name, location.address_1, location.city, location.postcode) == (
            "Advice centre",
            "7 Chapel Lane",
            "Northvale",
            "NV2 5LN",
        )
        assert (location.latitude, location.longitude) == (
            Decimal("54.970000"),
            Decimal("-1.610000"),
        )
        contact = service.contacts.get()
        assert (contact.name, contact.title, contact.phone) == (
            "Sam Clarke",
            "Debt adviser",
            "01632 960 123",
        )

    def test_reads_an_api_page_and_hsds3_names(self, cab: Organisation) -> None:
        entry = {
            "id": "hsds-1",
            "name": "Wellbeing group",
            "description": "A weekly group.",
            "status": "temporarily closed",
            "organization": {"name": "citizens advice northvale "},
            "eligibility_description": "Anyone",
            "minimum_age": 16,
            "maximum_age": 25,
            "application_process": "Just come along",
            "wait_time": "2 weeks",
            "fees_description": "Free",
            "attributes": [
                {"taxonomy_term": {"name": "Mental Health"}},
                {"taxonomy_term": {"name": "Self-esteem"}},
                {"taxonomy_term": {"name": "Sport"}},
            ],
            "service_at_locations": [
                {
                    "location": {
                        "name": "Library",
                        "addresses": [{"address_1": "1 Main St", "postal_code": "NV1 5DF"}],
                    }
                }
            ],
        }
        report = _import({"total_items": 1, "content": [entry]})
        assert report.ok, report.problems
        assert report.warnings == [
            "Entry 1 (index 0): the taxonomy term ‘Sport’ matches no need area and was left out"
        ]
        service = Service.objects.get()
        assert service.status == Service.Status.INACTIVE
        assert (service.eligibility_description, service.minimum_age, service.maximum_age) == (
            "Anyone",
            16,
            25,
        )
        assert service.how_to_refer == "Just come along"
        assert service.waiting_time_days == 14
        assert service.fees == "Free"
        assert service.need_codes == [NeedArea.MENTAL_WELLBEING, NeedArea.CONFIDENCE_MOTIVATION]
        assert service.locations.get().postcode == "NV1 5DF"
        assert _import({"contents": [entry]}).updated == 1

    def test_every_bad_entry_is_reported_and_nothing_is_written(self, cab: Organisation) -> None:
        existing = ServiceFactory(organisation=cab, oruk_id="cab-1", name="Before")
        before = _snapshot()
        entries: list[Any] = [
            oruk_service(1, name="After"),  # good: would update
            oruk_service(2, organisation="Unknown Trust"),
            "not an object",
            oruk_service(4, id=None, name=""),
            oruk_service(5, need_areas=["astrology"], service_taxonomys=[]),
            oruk_service(6, status="sleeping", email="nope"),
            oruk_service(7, contacts=[{"phones": [{"number": "call me"}]}]),
            oruk_service(
                8,
                service_at_locations=[
                    {"location": {"name": "X", "physical_addresses": [{"postal_code": "ZZ"}]}}
                ],
            ),
            oruk_service(1),  # the same id again
            oruk_service(10),  # good: would be created
            oruk_service(11, eligibilitys=[{"minimum_age": 30, "maximum_age": 20}]),
            oruk_service(12, service_taxonomys=[]),
        ]
        report = _import(entries)
        assert not report.ok and not report.written
        assert (report.created, report.updated) == (0, 0)
        by_index = {problem.index: problem.reasons for problem in report.problems}
        assert sorted(by_index) == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
        assert by_index[1] == (
            "The organisation ‘Unknown Trust’ is not in JoinedUp: add it, or map it to one that is",
        )
        assert by_index[2] == ("The entry must be a JSON object (a service)",)
        assert by_index[3] == (
            "The service has no ‘id’, so a later import could not recognise it",
            "Enter the name of the service",
        )
        assert by_index[4][0].startswith("‘astrology’ is not a need area")
        assert by_index[5] == (
            "‘status’ must be active, inactive, defunct or temporarily closed, not ‘sleeping’",
            "Enter an email address in the correct format, like name@example.org",
        )
        assert by_index[6] == (
            "Contact 1: Enter a phone number, like 01632 960 001 or +44 1632 960 001",
        )
        assert by_index[7] == ("Location 1: Enter a real postcode, like NV1 4AB",)
        assert by_index[8] == ("Entry 1 has the same id for the same organisation",)
        assert by_index[10] == ("Maximum age must be the same as or more than the minimum age",)
        assert by_index[11] == ("Select at least one need area the service helps with",)
        assert str(report.problems[0]) == (
            "Entry 2 (index 1, id cab-2, ‘Advice service 2’): The organisation ‘Unknown Trust’ "
            "is not in JoinedUp: add it, or map it to one that is"
        )
        assert _snapshot() == before
        existing.refresh_from_db()
        assert existing.name == "Before"

    def test_bad_values_are_reported_in_govuk_words(self, cab: Organisation) -> None:
        report = _import([oruk_service(1, email="nope")])
        assert report.problems[0].reasons == (
            "Enter an email address in the correct format, like name@example.org",
        )

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (
                "{not json",
                "The file is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
            ),
            (b"\xff\xfe\x00", "The file must be JSON text in UTF-8"),
            (
                '{"services": []}',
                "The file must hold a list of services, or an ORUK page with a ‘content’ list",
            ),
            ("[]", "The file has no services"),
        ],
    )
    def test_a_file_that_is_not_oruk_is_one_problem(self, data: str | bytes, reason: str) -> None:
        report = services.import_oruk(
            actor=SYSTEM, data=data, organisation_resolver=lambda name: None
        )
        assert [(p.index, p.reasons) for p in report.problems] == [(None, (reason,))]
        assert str(report.problems[0]) == f"The file: {reason}"

    def test_importing_again_updates_rather_than_duplicates(self, cab: Organisation) -> None:
        entries = [oruk_service(1), oruk_service(2)]
        first = _import(entries)
        assert (first.created, first.updated) == (2, 0)
        ids = set(Service.objects.values_list("id", flat=True))
        entries[0]["name"] = "Renamed"
        entries[0]["contacts"] = []
        second = _import(entries)
        assert (second.created, second.updated) == (0, 2)
        assert set(Service.objects.values_list("id", flat=True)) == ids
        assert Service.objects.get(oruk_id="cab-1").name == "Renamed"
        assert not ServiceContact.objects.filter(service__oruk_id="cab-1").exists()
        assert ServiceLocation.objects.count() == 2
        assert ServiceNeed.objects.count() == 2

    def test_the_same_id_in_two_organisations_is_two_services(
        self, cab: Organisation, jcp: Organisation
    ) -> None:
        report = _import([oruk_service(1), oruk_service(1, organisation=jcp.name)])
        assert report.created == 2
        assert set(Service.objects.values_list("organisation__name", flat=True)) == {
            cab.name,
            jcp.name,
        }

    def test_a_dry_run_counts_but_writes_nothing(self, cab: Organisation) -> None:
        ServiceFactory(organisation=cab, oruk_id="cab-1")
        report = _import([oruk_service(1), oruk_service(2)], dry_run=True)
        assert report.ok and not report.written
        assert (report.created, report.updated) == (1, 1)
        assert Service.objects.count() == 1

    def test_org_admins_import_only_their_own_organisations_services(
        self, cab: Organisation, jcp: Organisation
    ) -> None:
        cab_admin = UserFactory(organisation=cab, roles=[Role.ORGANISATION_ADMIN])
        report = _import(
            [oruk_service(1), oruk_service(2, organisation=jcp.name)], actor=actor_for(cab_admin)
        )
        assert [(p.index, p.reasons) for p in report.problems] == [
            (
                1,
                (
                    "You can only import your own organisation's services, not Jobcentre Plus Northvale's",
                ),
            )
        ]
        assert not Service.objects.exists()
        assert _import([oruk_service(1)], actor=actor_for(cab_admin)).created == 1

    def test_organisations_are_never_created_and_can_be_mapped(self, cab: Organisation) -> None:
        entry = oruk_service(1, organisation="Northvale CAB")
        assert not _import([entry]).ok
        assert Organisation.objects.count() == 1
        resolver = selectors.organisation_resolver(
            mapping={"northvale cab": "Citizens Advice Northvale"}
        )
        assert _import([entry], resolver=resolver).created == 1

    def test_archived_organisations_are_not_found(self, cab: Organisation) -> None:
        from django.utils import timezone

        cab.archived_on = timezone.now()
        cab.save()
        assert selectors.organisation_resolver()("Citizens Advice Northvale") is None


class TestExport:
    def test_round_trip(self, council: Organisation, cab: Organisation) -> None:
        full = ServiceFactory(
            organisation=cab,
            name="Debt advice",
            description="Priority debts first.",
            url="https://www.cab.example/debt",
            email="debt@cab.example",
            status=Service.Status.INACTIVE,
            eligibility_description="Adults",
            minimum_age=18,
            maximum_age=99,
            how_to_refer="Refer through JoinedUp.",
            referral_method=Service.ReferralMethod.EMAIL,
            waiting_time_days=12,
            accepting_referrals=False,
            fees="Free",
            last_reviewed=date(2026, 5, 4),
            needs=[NeedArea.MONEY_DEBT, NeedArea.HOUSING, NeedArea.CONFIDENCE_MOTIVATION],
        )
        ServiceLocationFactory(
            service=full, latitude=Decimal("54.978300"), longitude=Decimal("-1.617800")
        )
        ServiceLocationFactory(
            service=full, name="Second office", address_1="", city="", postcode=""
        )
        ServiceContactFactory(service=full)
        ServiceContactFactory(service=full, name="", title="", phone="", email="team@cab.example")
        bare = ServiceFactory(organisation=council, name="Bare", needs=[NeedArea.OFFENDING])

        def state() -> list[dict[str, Any]]:
            return [
                {
                    "service": Service.objects.filter(pk=s.pk).values(
                        "organisation_id", "oruk_id", *services.ServiceValues.MODEL_FIELDS
                    )[0],
                    "needs": s.need_codes,
                    "locations": sorted(
                        s.locations.values_list(
                            "name", "address_1", "city", "postcode", "latitude", "longitude"
                        )
                    ),
                    "contacts": sorted(s.contacts.values_list("name", "title", "phone", "email")),
                }
                for s in Service.objects.order_by("name")
            ]

        before = state()
        exported = services.export_oruk(Service.objects.all())
        assert {entry["id"] for entry in exported} == {full.oruk_id, bare.oruk_id}
        text = json.dumps(exported)
        Service.objects.all().delete()
        assert _import(text).created == 2
        assert state() == before
        # And importing the export over the imported directory changes nothing.
        assert _import(text).updated == 2
        assert state() == before

    def test_export_is_oruk_shaped(self, cab: Organisation) -> None:
        service = ServiceFactory(
            organisation=cab, needs=[NeedArea.DRUGS_ALCOHOL], waiting_time_days=3
        )
        ServiceLocationFactory(service=service)
        ServiceContactFactory(service=service)
        [entry] = services.export_oruk([service])
        assert entry["organization"]["name"] == "Citizens Advice Northvale"
        assert entry["status"] == "active"
        assert entry["wait_time"] == "3 days"
        address = entry["service_at_locations"][0]["location"]["physical_addresses"][0]
        assert address["postal_code"] == "NV1 4AB"
        assert entry["contacts"][0]["phones"] == [
            {"id": f"{service.contacts.get().pk}:phone", "number": "01632 960001"}
        ]
        assert entry["service_taxonomys"][0]["taxonomy"] == {
            "id": "drugs_alcohol",
            "name": "Drugs and alcohol",
            "vocabulary": oruk.NEED_AREA_VOCABULARY,
        }
        assert entry["need_areas"] == ["drugs_alcohol"]

    def test_export_of_many_services_takes_a_fixed_number_of_queries(
        self,
        django_assert_max_num_queries,  # type: ignore[no-untyped-def]
    ) -> None:
        for _ in range(15):
            service = ServiceFactory()
            ServiceLocationFactory(service=service)
            ServiceContactFactory(service=service)
        with django_assert_max_num_queries(4):
            assert len(services.export_oruk(Service.objects.all())) == 15


class TestTaxonomy:
    @pytest.mark.parametrize(
        ("term", "code"),
        [
            ("Debt Advice", "money_debt"),
            ("Drug & Alcohol Misuse", "drugs_alcohol"),
            ("Self-Esteem", "confidence_motivation"),
            ("ESOL", "basic_digital_skills"),
            ("Long-term conditions", "physical_health"),
            ("Mental health and wellbeing", "mental_wellbeing"),
            ("work_skills", "work_skills"),
        ],
    )
    def test_term_names_map_to_need_areas(self, term: str, code: str) -> None:
        assert oruk.TAXONOMY_TO_NEED[oruk.term_key(term)] == code

    def test_every_need_area_can_be_reached_by_name(self) -> None:
        assert set(oruk.TAXONOMY_TO_NEED.values()) == set(NeedArea.values)


class TestCommands:
    def _write(self, tmp_path: Path, data: Any, name: str = "services.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return str(path)

    def test_import_prints_every_bad_entry_and_exits_non_zero(
        self, tmp_path: Path, cab: Organisation
    ) -> None:
        path = self._write(
            tmp_path,
            [oruk_service(1), oruk_service(2, organisation="Nobody"), oruk_service(3, email="x")],
        )
        err = StringIO()
        with pytest.raises(
            CommandError, match=r"2 of 3 entries have problems\. Nothing was imported\."
        ):
            call_command("import_oruk", path, stdout=StringIO(), stderr=err)
        lines = err.getvalue().splitlines()
        assert lines[0].startswith("Entry 2 (index 1, id cab-2")
        assert lines[1].startswith("Entry 3 (index 2, id cab-3")
        assert not Service.objects.exists()

    def test_import_with_a_mapping_then_again(self, tmp_path: Path, cab: Organisation) -> None:
        path = self._write(tmp_path, [oruk_service(1, organisation="Northvale CAB")])
        mapping = self._write(tmp_path, {"Northvale CAB": "Citizens Advice Northvale"}, "map.json")
        out = StringIO()
        call_command("import_oruk", path, "--organisation-mapping", mapping, stdout=out)
        assert "Imported 1 services: 1 new, 0 updated." in out.getvalue()
        out = StringIO()
        call_command("import_oruk", path, "--organisation-mapping", mapping, stdout=out)
        assert "1 new" not in out.getvalue() and "0 new, 1 updated" in out.getvalue()
        assert Service.objects.count() == 1

    def test_import_dry_run(self, tmp_path: Path, cab: Organisation) -> None:
        out = StringIO()
        call_command(
            "import_oruk", self._write(tmp_path, [oruk_service(1)]), "--dry-run", stdout=out
        )
        assert "Would import 1 services: 1 new, 0 updated." in out.getvalue()
        assert not Service.objects.exists()

    def test_import_refuses_a_missing_file_or_a_bad_mapping(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_oruk", str(tmp_path / "missing.json"))
        path = self._write(tmp_path, [])
        bad = self._write(tmp_path, ["not", "a", "mapping"], "map.json")
        with pytest.raises(CommandError, match="must be a JSON object"):
            call_command("import_oruk", path, "--organisation-mapping", bad)

    def test_export_to_a_file_reads_back(
        self, tmp_path: Path, cab: Organisation, council: Organisation
    ) -> None:
        ServiceFactory(organisation=cab, needs=[NeedArea.HOUSING])
        ServiceFactory(organisation=council)
        output = tmp_path / "out.json"
        call_command("export_oruk", "--output", str(output), stderr=StringIO())
        assert len(json.loads(output.read_text())) == 2
        out = StringIO()
        call_command("export_oruk", "--organisation", "citizens advice northvale", stdout=out)
        [entry] = json.loads(out.getvalue())
        assert entry["need_areas"] == ["housing"]
        report = _import(output.read_text())
        assert (report.created, report.updated) == (0, 2)

    def test_export_refuses_an_unknown_organisation(self) -> None:
        with pytest.raises(CommandError, match="no organisation called Nobody"):
            call_command("export_oruk", "--organisation", "Nobody")


def test_the_system_admin_actor_fixture_imports(system_admin: User, jcp: Organisation) -> None:
    report = _import([oruk_service(1, organisation=jcp.name)], actor=actor_for(system_admin))
    assert report.created == 1
    assert Service.objects.get().created_by == system_admin


def test_a_new_organisation_gets_no_services_from_the_factory() -> None:
    assert OrganisationFactory().directory_services.count() == 0
