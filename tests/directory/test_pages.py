"""The directory pages: anyone on the staff reads; organisation admins change their own
organisation's services; another organisation's service is a 404 on every changing verb (F12)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from joinedup.accounts.models import Organisation
from joinedup.directory.models import Service, ServiceContact, ServiceLocation
from joinedup.directory.needs import NeedArea

from .factories import ServiceContactFactory, ServiceFactory, ServiceLocationFactory

pytestmark = pytest.mark.django_db


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Debt advice drop-in",
        "description": "Free advice on priority debts.",
        "need_areas": [NeedArea.MONEY_DEBT, NeedArea.HOUSING],
        "referral_method": Service.ReferralMethod.JOINEDUP_REFERRAL,
        "accepting_referrals": "yes",
        "status": Service.Status.ACTIVE,
        "waiting_time_days": "10",
        "minimum_age": "18",
    }
    data.update(overrides)
    return data


def _changing_requests(service: Service) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, URL, data) that changes a service."""
    location = ServiceLocationFactory(service=service)
    contact = ServiceContactFactory(service=service)
    urls = {
        "edit": reverse("directory:service_edit", args=[service.pk]),
        "archive": reverse("directory:service_archive", args=[service.pk]),
        "location": reverse("directory:location_add", args=[service.pk]),
        "contact": reverse("directory:contact_add", args=[service.pk]),
    }
    return [
        ("get", urls["edit"], {}),
        ("post", urls["edit"], _form(name="Taken over")),
        ("get", urls["archive"], {}),
        ("post", urls["archive"], {"reason": "Taken over"}),
        ("get", urls["location"], {}),
        ("post", urls["location"], {"name": "Somewhere"}),
        ("get", urls["contact"], {}),
        ("post", urls["contact"], {"name": "Someone"}),
        ("post", reverse("directory:location_remove", args=[service.pk, location.pk]), {}),
        ("post", reverse("directory:contact_remove", args=[service.pk, contact.pk]), {}),
    ]


class TestReading:
    def test_a_key_worker_finds_a_service_and_sees_how_to_refer(
        self, key_worker_client: Client, cab: Organisation
    ) -> None:
        service = ServiceFactory(
            organisation=cab,
            name="Debt advice",
            how_to_refer="Ring the duty adviser first.",
            waiting_time_days=9,
            needs=[NeedArea.MONEY_DEBT, NeedArea.HOUSING],
        )
        ServiceLocationFactory(service=service, name="Chapel Lane office", postcode="NV2 5LN")
        ServiceContactFactory(service=service, name="Sam Clarke", phone="01632 960123")
        response = key_worker_client.get(reverse("directory:search"), {"q": "debt"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "1 service found" in html
        assert reverse("directory:service_detail", args=[service.pk]) in html
        assert "Add a service" not in html and "Import services" not in html

        html = key_worker_client.get(
            reverse("directory:service_detail", args=[service.pk])
        ).content.decode()
        for text in (
            "Debt advice",
            "Citizens Advice Northvale",
            "Ring the duty adviser first.",
            "9 days",
            "Money, benefits and debt",
            "Housing",
            "Chapel Lane office",
            "NV2 5LN",
            "Sam Clarke",
            'href="tel:01632960123"',
            "Taking referrals",
        ):
            assert text in html, text
        assert "Change the service's details" not in html
        assert "Archive this service" not in html
        assert "Remove" not in html

    def test_an_archived_or_missing_service_is_404(self, key_worker_client: Client) -> None:
        from django.utils import timezone

        service = ServiceFactory(archived_on=timezone.now())
        assert (
            key_worker_client.get(
                reverse("directory:service_detail", args=[service.pk])
            ).status_code
            == 404
        )

    def test_the_empty_directory_says_so(
        self, key_worker_client: Client, org_admin_client: Client
    ) -> None:
        html = key_worker_client.get(reverse("directory:search")).content.decode()
        assert "There are no services in the directory yet" in html
        assert "Ask your organisation's admin to add yours" in html
        html = org_admin_client.get(reverse("directory:search")).content.decode()
        assert "Add your organisation's services one by one" in html

    def test_a_search_that_finds_nothing_says_what_to_try(self, key_worker_client: Client) -> None:
        ServiceFactory(name="Debt advice")
        response = key_worker_client.get(reverse("directory:search"), {"q": "astrology"})
        html = response.content.decode()
        assert "No services match your search" in html
        assert "Clear filters" in html

    def test_a_bad_filter_is_explained_and_ignored(self, key_worker_client: Client) -> None:
        ServiceFactory(name="Debt advice")
        response = key_worker_client.get(reverse("directory:search"), {"need": "astrology"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in html and "Select a need area from the list" in html
        assert "Debt advice" in html

    def test_results_are_paged_and_the_filters_carried(self, key_worker_client: Client) -> None:
        for number in range(45):
            ServiceFactory(name=f"Housing service {number:02d}", needs=[NeedArea.HOUSING])
        ServiceFactory(name="Debt only", needs=[NeedArea.MONEY_DEBT])
        url = reverse("directory:search")
        html = key_worker_client.get(url, {"need": "housing"}).content.decode()
        assert "45 services found" in html
        assert "Housing service 00" in html and "Housing service 20" not in html
        assert 'href="?need=housing&amp;page=2"' in html
        assert "Showing 1 to 20 of 45" in html
        html = key_worker_client.get(url, {"need": "housing", "page": "3"}).content.decode()
        assert "Housing service 44" in html and "Housing service 39" not in html
        assert "Debt only" not in html

    def test_export_downloads_oruk_json_of_the_filtered_services(
        self, key_worker_client: Client
    ) -> None:
        ServiceFactory(name="Housing advice", needs=[NeedArea.HOUSING])
        ServiceFactory(name="Debt advice", needs=[NeedArea.MONEY_DEBT])
        response = key_worker_client.get(reverse("directory:export"), {"need": "housing"})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Content-Disposition"].startswith(
            'attachment; filename="joinedup-directory-'
        )
        data = json.loads(response.content)
        assert [entry["name"] for entry in data] == ["Housing advice"]
        empty = key_worker_client.get(reverse("directory:export"), {"q": "astrology"})
        assert json.loads(empty.content) == []


class TestKeyWorkersDoNotEdit:
    def test_every_changing_page_is_refused(
        self, key_worker_client: Client, organisation: Organisation
    ) -> None:
        service = ServiceFactory(organisation=organisation, name="Ours")
        requests = [
            *_changing_requests(service),
            ("get", reverse("directory:service_create"), {}),
            ("post", reverse("directory:service_create"), _form(organisation=str(organisation.pk))),
            ("get", reverse("directory:import"), {}),
            ("post", reverse("directory:import"), {}),
        ]
        for method, url, data in requests:
            response = getattr(key_worker_client, method)(url, data)
            assert response.status_code == 403, (method, url)
        service.refresh_from_db()
        assert service.name == "Ours" and not service.is_archived
        assert Service.objects.count() == 1
        assert ServiceLocation.objects.count() == 1 and ServiceContact.objects.count() == 1


class TestOrganisationAdmins:
    def test_add_a_service_then_a_location_and_a_contact(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        page = org_admin_client.get(reverse("directory:service_create"))
        assert page.status_code == 200
        response = org_admin_client.post(
            reverse("directory:service_create"),
            _form(
                organisation=str(organisation.pk),
                **{"last_reviewed_0": "3", "last_reviewed_1": "2", "last_reviewed_2": "2026"},
            ),
        )
        assert response.status_code == 302
        service = Service.objects.get()
        assert response["Location"] == reverse("directory:service_detail", args=[service.pk])
        assert service.organisation == organisation
        assert service.need_codes == [NeedArea.MONEY_DEBT, NeedArea.HOUSING]
        assert (service.waiting_time_days, service.minimum_age, service.accepting_referrals) == (
            10,
            18,
            True,
        )
        assert str(service.last_reviewed) == "2026-02-03"

        response = org_admin_client.post(
            reverse("directory:location_add", args=[service.pk]),
            {
                "name": "Hub",
                "address_1": "12 Market Street",
                "city": "Northvale",
                "postcode": "nv1 4ab",
            },
        )
        assert response.status_code == 302
        assert service.locations.get().postcode == "NV1 4AB"
        response = org_admin_client.post(
            reverse("directory:contact_add", args=[service.pk]),
            {"title": "Referrals coordinator", "phone": "01632 960001"},
        )
        assert response.status_code == 302
        html = org_admin_client.get(response["Location"]).content.decode()
        assert "Referrals coordinator" in html and "Remove" in html
        assert "Change the service's details" in html

    def test_change_and_archive_their_own_service(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        service = ServiceFactory(organisation=organisation, name="Old name")
        location = ServiceLocationFactory(service=service)
        contact = ServiceContactFactory(service=service)
        edit = reverse("directory:service_edit", args=[service.pk])
        assert 'value="Old name"' in org_admin_client.get(edit).content.decode()
        response = org_admin_client.post(edit, _form(name="New name", accepting_referrals="no"))
        assert response.status_code == 302
        service.refresh_from_db()
        assert service.name == "New name" and not service.accepting_referrals

        org_admin_client.post(reverse("directory:location_remove", args=[service.pk, location.pk]))
        org_admin_client.post(reverse("directory:contact_remove", args=[service.pk, contact.pk]))
        assert not service.locations.exists() and not service.contacts.exists()

        archive = reverse("directory:service_archive", args=[service.pk])
        response = org_admin_client.post(archive, {"reason": ""})
        assert "Enter why the service is being archived" in response.content.decode()
        response = org_admin_client.post(archive, {"reason": "Funding ended"})
        assert response["Location"] == reverse("directory:search")
        service.refresh_from_db()
        assert service.is_archived
        assert (
            org_admin_client.get(reverse("directory:service_detail", args=[service.pk])).status_code
            == 404
        )

    def test_another_organisations_service_is_404_on_every_verb(
        self, org_admin_client: Client, other_organisation: Organisation
    ) -> None:
        theirs = ServiceFactory(organisation=other_organisation, name="Theirs")
        for method, url, data in _changing_requests(theirs):
            response = getattr(org_admin_client, method)(url, data)
            assert response.status_code == 404, (method, url)
        theirs.refresh_from_db()
        assert theirs.name == "Theirs" and not theirs.is_archived
        assert ServiceLocation.objects.count() == 1 and ServiceContact.objects.count() == 1
        # They may still read it, like everyone, without the changing links.
        html = org_admin_client.get(
            reverse("directory:service_detail", args=[theirs.pk])
        ).content.decode()
        assert "Theirs" in html and "Archive this service" not in html

    def test_they_cannot_add_a_service_to_another_organisation(
        self, org_admin_client: Client, organisation: Organisation, other_organisation: Organisation
    ) -> None:
        html = org_admin_client.get(reverse("directory:service_create")).content.decode()
        assert other_organisation.name not in html
        response = org_admin_client.post(
            reverse("directory:service_create"), _form(organisation=str(other_organisation.pk))
        )
        assert response.status_code == 200
        assert "Select the organisation that runs the service" in response.content.decode()
        assert not Service.objects.exists()

    def test_the_form_reports_every_problem_in_govuk_words(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        response = org_admin_client.post(
            reverse("directory:service_create"), {"organisation": str(organisation.pk)}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<title>Error: Add a service" in html
        for message in (
            "Enter the name of the service",
            "Enter what the service does",
            "Select at least one need area the service helps with",
            "Select how people are referred to the service",
            "Select yes if the service is taking new referrals",
            "Select whether the service is running",
        ):
            assert html.count(message) == 2, message  # in the summary and at the field

        response = org_admin_client.post(
            reverse("directory:service_create"),
            _form(
                organisation=str(organisation.pk),
                minimum_age="30",
                maximum_age="20",
                waiting_time_days="soon",
                referral_method=Service.ReferralMethod.EMAIL,
            ),
        )
        html = response.content.decode()
        assert "Usual wait in days must be a whole number, like 18" in html
        assert not Service.objects.exists()
        response = org_admin_client.post(
            reverse("directory:service_create"),
            _form(
                organisation=str(organisation.pk),
                minimum_age="30",
                maximum_age="20",
                referral_method=Service.ReferralMethod.EMAIL,
            ),
        )
        html = response.content.decode()
        assert "Maximum age must be the same as or more than the minimum age" in html
        assert "Enter the email address referrals are sent to" in html
        assert not Service.objects.exists()

    def test_location_and_contact_problems(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        service = ServiceFactory(organisation=organisation)
        html = org_admin_client.post(
            reverse("directory:location_add", args=[service.pk]),
            {"name": "", "postcode": "NOPE", "latitude": "north"},
        ).content.decode()
        assert "Enter the name of the location" in html
        assert "Latitude must be a number, like 54.9783" in html
        html = org_admin_client.post(
            reverse("directory:location_add", args=[service.pk]),
            {"name": "Hub", "postcode": "NOPE"},
        ).content.decode()
        assert "Enter a real postcode, like NV1 4AB" in html
        html = org_admin_client.post(
            reverse("directory:contact_add", args=[service.pk]), {}
        ).content.decode()
        assert "Enter a name, job title, phone number or email address for the contact" in html
        assert not ServiceLocation.objects.exists() and not ServiceContact.objects.exists()

    def test_system_admins_add_for_any_organisation(
        self, system_admin_client: Client, other_organisation: Organisation
    ) -> None:
        response = system_admin_client.post(
            reverse("directory:service_create"), _form(organisation=str(other_organisation.pk))
        )
        assert response.status_code == 302
        assert Service.objects.get().organisation == other_organisation


def _upload(data: Any) -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("services.json", content, content_type="application/json")


class TestImportPage:
    def _entry(self, number: int, organisation: str) -> dict[str, Any]:
        return {
            "id": f"svc-{number}",
            "name": f"Service {number}",
            "description": "Helps.",
            "organization": {"name": organisation},
            "need_areas": ["housing"],
        }

    def test_every_bad_entry_is_listed_and_nothing_imported(
        self, org_admin_client: Client, organisation: Organisation, other_organisation: Organisation
    ) -> None:
        entries = [
            self._entry(1, organisation.name),
            self._entry(2, "Nobody"),
            self._entry(3, other_organisation.name),
            {**self._entry(4, organisation.name), "need_areas": []},
        ]
        response = org_admin_client.post(reverse("directory:import"), {"file": _upload(entries)})
        html = response.content.decode()
        assert response.status_code == 200
        assert "The file has 3 problems. Nothing has been imported." in html
        assert "3 entries have problems" in html
        assert "The organisation ‘Nobody’ is not in JoinedUp" in html
        assert "You can only import your own organisation&#x27;s services" in html
        assert "Select at least one need area the service helps with" in html
        assert "(index 1)" in html and "(index 2)" in html and "(index 3)" in html
        assert not Service.objects.exists()

    def test_a_good_file_is_imported_and_can_be_checked_first(
        self, org_admin_client: Client, organisation: Organisation
    ) -> None:
        entries = [self._entry(1, organisation.name), self._entry(2, organisation.name)]
        response = org_admin_client.post(
            reverse("directory:import"), {"file": _upload(entries), "dry_run": "on"}
        )
        assert "The file is ready to import" in response.content.decode()
        assert not Service.objects.exists()
        response = org_admin_client.post(
            reverse("directory:import"), {"file": _upload(entries)}, follow=True
        )
        assert "The file has been imported: 2 new services, 0 updated." in response.content.decode()
        assert Service.objects.count() == 2
        response = org_admin_client.post(
            reverse("directory:import"), {"file": _upload(entries)}, follow=True
        )
        assert "0 new services, 2 updated." in response.content.decode()
        assert Service.objects.count() == 2

    def test_no_file_or_not_json(self, org_admin_client: Client) -> None:
        html = org_admin_client.post(reverse("directory:import"), {}).content.decode()
        assert "Select an Open Referral UK JSON file" in html
        html = org_admin_client.post(
            reverse("directory:import"), {"file": _upload(b"<xml/>")}
        ).content.decode()
        assert "The file has 1 problem. Nothing has been imported." in html
        assert "The file is not valid JSON" in html
