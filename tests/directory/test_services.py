"""Writing to the directory: who may change which services, and the checks on what they
enter (F12)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.directory import services
from joinedup.directory.models import Service, ServiceContact, ServiceLocation
from joinedup.directory.needs import NeedArea
from joinedup.directory.services import ContactValues, LocationValues, ServiceValues

from ..conftest import actor_for
from ..factories import UserFactory
from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def _values(**overrides: object) -> ServiceValues:
    fields: dict[str, object] = {
        "name": "Debt advice drop-in",
        "description": "Free advice on priority debts.",
        "need_areas": [NeedArea.MONEY_DEBT],
    }
    fields.update(overrides)
    return ServiceValues(**fields)  # type: ignore[arg-type]


def _problems(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


class TestWhoMayChangeServices:
    def test_org_admin_adds_a_service_for_their_own_organisation(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        service = services.create_service(
            actor=actor_for(org_admin),
            organisation=organisation,
            values=_values(need_areas=[NeedArea.MONEY_DEBT, NeedArea.HOUSING]),
            locations=[LocationValues(name="Hub", postcode="nv1 4ab")],
            contacts=[ContactValues(name="Jo Bell", phone="01632 960 001")],
        )
        service.refresh_from_db()
        assert service.organisation == organisation
        assert service.created_by == org_admin
        assert service.oruk_id == str(service.pk)
        assert service.need_codes == [NeedArea.MONEY_DEBT, NeedArea.HOUSING]
        assert [loc.postcode for loc in service.locations.all()] == ["NV1 4AB"]
        assert [c.phone for c in service.contacts.all()] == ["01632 960 001"]

    def test_org_admin_cannot_touch_another_organisations_service(
        self, org_admin: User, other_organisation: Organisation
    ) -> None:
        theirs = ServiceFactory(organisation=other_organisation, name="Their service")
        actor = actor_for(org_admin)
        with pytest.raises(Http404):
            services.create_service(actor=actor, organisation=other_organisation, values=_values())
        with pytest.raises(Http404):
            services.update_service(actor=actor, service=theirs, values=_values(name="Mine now"))
        with pytest.raises(Http404):
            services.archive_service(actor=actor, service=theirs, reason="Gone")
        with pytest.raises(Http404):
            services.add_location(actor=actor, service=theirs, values=LocationValues(name="X"))
        with pytest.raises(Http404):
            services.add_contact(actor=actor, service=theirs, values=ContactValues(name="X"))
        theirs.refresh_from_db()
        assert theirs.name == "Their service" and not theirs.is_archived
        assert Service.objects.filter(organisation=other_organisation).count() == 1

    def test_system_admin_changes_any_organisations_service(
        self, system_admin: User, other_organisation: Organisation
    ) -> None:
        theirs = ServiceFactory(organisation=other_organisation)
        services.update_service(
            actor=actor_for(system_admin), service=theirs, values=_values(name="Renamed")
        )
        theirs.refresh_from_db()
        assert theirs.name == "Renamed"

    @pytest.mark.parametrize(
        "role",
        [Role.KEY_WORKER, Role.PARTNER_PRACTITIONER, Role.TEAM_MANAGER, Role.DATA_OFFICER],
    )
    def test_staff_without_an_admin_role_are_refused(
        self, role: str, organisation: Organisation
    ) -> None:
        user = UserFactory(organisation=organisation, roles=[role])
        ours = ServiceFactory(organisation=organisation)
        actor = actor_for(user)
        with pytest.raises(PermissionDenied):
            services.create_service(actor=actor, organisation=organisation, values=_values())
        with pytest.raises(PermissionDenied):
            services.update_service(actor=actor, service=ours, values=_values())
        with pytest.raises(PermissionDenied):
            services.archive_service(actor=actor, service=ours, reason="No")
        with pytest.raises(PermissionDenied):
            services.import_oruk(actor=actor, data="[]", organisation_resolver=lambda name: None)

    def test_a_deactivated_admin_is_refused(self, organisation: Organisation) -> None:
        admin = UserFactory(organisation=organisation, roles=[Role.ORGANISATION_ADMIN])
        admin.is_active = False
        admin.save()
        with pytest.raises(PermissionDenied):
            services.create_service(
                actor=actor_for(admin), organisation=organisation, values=_values()
            )

    def test_the_system_itself_may_write(self, organisation: Organisation) -> None:
        service = services.create_service(
            actor=Actor.system(process="test"), organisation=organisation, values=_values()
        )
        assert service.created_by is None

    def test_archiving_needs_a_reason_and_takes_the_service_out(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        ours = ServiceFactory(organisation=organisation)
        actor = actor_for(org_admin)
        with pytest.raises(ValidationError) as error:
            services.archive_service(actor=actor, service=ours, reason="  ")
        assert _problems(error.value) == {"reason": ["Enter why the service is being archived"]}
        services.archive_service(actor=actor, service=ours, reason="Funding ended")
        ours.refresh_from_db()
        assert ours.is_archived and ours.archive_reason == "Funding ended"
        assert ours.archived_by == org_admin
        with pytest.raises(Http404):
            services.update_service(actor=actor, service=ours, values=_values())


class TestValidation:
    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"name": "  "}, "name", "Enter the name of the service"),
            ({"name": "x" * 201}, "name", "Name must be 200 characters or fewer"),
            ({"description": ""}, "description", "Enter what the service does"),
            (
                {"url": "not a website"},
                "url",
                "Enter a website address in the correct format, like https://www.example.org",
            ),
            (
                {"email": "nobody-at-example"},
                "email",
                "Enter an email address in the correct format, like name@example.org",
            ),
            ({"status": "paused"}, "status", "Select whether the service is running"),
            (
                {"minimum_age": -1},
                "minimum_age",
                "Minimum age must be a whole number between 0 and 120",
            ),
            (
                {"minimum_age": 25, "maximum_age": 18},
                "maximum_age",
                "Maximum age must be the same as or more than the minimum age",
            ),
            (
                {"referral_method": "pigeon"},
                "referral_method",
                "Select how people are referred to the service",
            ),
            (
                {"referral_method": Service.ReferralMethod.EMAIL},
                "email",
                "Enter the email address referrals are sent to",
            ),
            (
                {"referral_method": Service.ReferralMethod.WEB},
                "url",
                "Enter the website where people are referred",
            ),
            (
                {"waiting_time_days": 1000},
                "waiting_time_days",
                "Usual wait must be a whole number of days between 0 and 730",
            ),
            (
                {"last_reviewed": timezone.localdate() + timedelta(days=2)},
                "last_reviewed",
                "Date last reviewed must be today or in the past",
            ),
            (
                {"need_areas": []},
                "need_areas",
                "Select at least one need area the service helps with",
            ),
        ],
    )
    def test_each_bad_value_is_named_in_govuk_words(
        self,
        org_admin: User,
        organisation: Organisation,
        overrides: dict[str, object],
        field: str,
        message: str,
    ) -> None:
        with pytest.raises(ValidationError) as error:
            services.create_service(
                actor=actor_for(org_admin), organisation=organisation, values=_values(**overrides)
            )
        assert _problems(error.value)[field] == [message]
        assert not Service.objects.exists()

    def test_an_unknown_need_area_is_named(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        with pytest.raises(ValidationError) as error:
            services.create_service(
                actor=actor_for(org_admin),
                organisation=organisation,
                values=_values(need_areas=["money_debt", "astrology"]),
            )
        assert _problems(error.value)["need_areas"][0].startswith("‘astrology’ is not a need area")

    def test_every_problem_is_reported_at_once(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        with pytest.raises(ValidationError) as error:
            services.create_service(
                actor=actor_for(org_admin),
                organisation=organisation,
                values=_values(name="", description="", need_areas=[], email="x"),
                locations=[LocationValues(name="", postcode="NOT A POSTCODE")],
                contacts=[ContactValues()],
            )
        problems = _problems(error.value)
        assert set(problems) == {
            "name",
            "description",
            "need_areas",
            "email",
            "locations",
            "contacts",
        }
        assert problems["locations"] == [
            "Location 1: Enter the name of the location; "
            "Location 1: Enter a real postcode, like NV1 4AB"
        ]
        assert problems["contacts"] == [
            "Contact 1: Enter a name, job title, phone number or email address for the contact"
        ]

    def test_text_is_trimmed_and_duplicated_need_areas_kept_once(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        service = services.create_service(
            actor=actor_for(org_admin),
            organisation=organisation,
            values=_values(
                name="  Debt advice  ",
                email=" Debt@Partner.Example ",
                need_areas=[NeedArea.MONEY_DEBT, NeedArea.MONEY_DEBT],
            ),
        )
        assert service.name == "Debt advice"
        assert service.email == "debt@partner.example"
        assert service.needs.count() == 1

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            (
                {"name": "Hub", "postcode": "NV1"},
                "postcode",
                "Enter a real postcode, like NV1 4AB",
            ),
            (
                {"name": "Hub", "latitude": Decimal("54.9")},
                "longitude",
                "Enter both the latitude and the longitude, or neither",
            ),
            (
                {"name": "Hub", "latitude": Decimal("95"), "longitude": Decimal("1")},
                "latitude",
                "Latitude must be a number between -90 and 90",
            ),
        ],
    )
    def test_location_checks(
        self,
        org_admin: User,
        organisation: Organisation,
        values: dict[str, object],
        field: str,
        message: str,
    ) -> None:
        ours = ServiceFactory(organisation=organisation)
        with pytest.raises(ValidationError) as error:
            services.add_location(
                actor=actor_for(org_admin),
                service=ours,
                values=LocationValues(**values),  # type: ignore[arg-type]
            )
        assert _problems(error.value) == {field: [message]}
        assert not ServiceLocation.objects.exists()

    @pytest.mark.parametrize(
        "phone", ["01632 960", "call me", "0163296000100000000", "01+632960001"]
    )
    def test_a_phone_number_must_look_like_one(
        self, org_admin: User, organisation: Organisation, phone: str
    ) -> None:
        ours = ServiceFactory(organisation=organisation)
        with pytest.raises(ValidationError) as error:
            services.add_contact(
                actor=actor_for(org_admin), service=ours, values=ContactValues(phone=phone)
            )
        assert _problems(error.value) == {
            "phone": ["Enter a phone number, like 01632 960 001 or +44 1632 960 001"]
        }
        assert not ServiceContact.objects.exists()

    @pytest.mark.parametrize("phone", ["01632 960001", "+44 (0)1632 960 001", "01632-960-001"])
    def test_phone_numbers_as_people_write_them_are_accepted(
        self, org_admin: User, organisation: Organisation, phone: str
    ) -> None:
        ours = ServiceFactory(organisation=organisation)
        contact = services.add_contact(
            actor=actor_for(org_admin), service=ours, values=ContactValues(phone=phone)
        )
        assert contact.phone == phone

    def test_update_replaces_need_areas_and_keeps_locations_unless_given(
        self, org_admin: User, organisation: Organisation
    ) -> None:
        ours = ServiceFactory(organisation=organisation, needs=[NeedArea.HOUSING])
        ServiceLocation.objects.create(service=ours, name="Old office")
        actor = actor_for(org_admin)
        services.update_service(
            actor=actor,
            service=ours,
            values=_values(need_areas=[NeedArea.MONEY_DEBT, NeedArea.HOUSING]),
        )
        assert sorted(ours.needs.values_list("need", flat=True)) == ["housing", "money_debt"]
        assert list(ours.locations.values_list("name", flat=True)) == ["Old office"]
        services.update_service(
            actor=actor,
            service=ours,
            values=_values(need_areas=[NeedArea.MONEY_DEBT]),
            locations=[LocationValues(name="New office")],
        )
        assert list(ours.needs.values_list("need", flat=True)) == ["money_debt"]
        assert list(ours.locations.values_list("name", flat=True)) == ["New office"]
        assert ours.modified_by == org_admin

    def test_an_oruk_id_is_unique_within_an_organisation_only(
        self, system_admin: User, organisation: Organisation, other_organisation: Organisation
    ) -> None:
        actor = actor_for(system_admin)
        services.create_service(
            actor=actor, organisation=organisation, values=_values(), oruk_id="svc-1"
        )
        with pytest.raises(ValidationError) as error:
            services.create_service(
                actor=actor, organisation=organisation, values=_values(), oruk_id="svc-1"
            )
        assert _problems(error.value) == {
            "oruk_id": ["This organisation already has a service with this ORUK id"]
        }
        services.create_service(
            actor=actor, organisation=other_organisation, values=_values(), oruk_id="svc-1"
        )
        assert Service.objects.filter(oruk_id="svc-1").count() == 2
