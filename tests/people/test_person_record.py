"""The one person record: search, duplicate check, the record as each partner sees it, changes,
timeline and household (F2, SEC-13, SEC-14, SEC-16, SEC-20, SEC-21)."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.audit.services import AuditWriteError
from joinedup.people import services
from joinedup.people.models import Household, Person, WarningMarker
from joinedup.sharing import services as sharing_services
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT
from joinedup.sharing.models import InformationCategory

from ..conftest import actor_for, client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db
SECRETS = ("QQ 12 34 56 C", "jordan.ellis@example.com", "27 March 1988", "Secret Ethnicity Value")


def consent_for(person, recorder, organisation, *codes):  # type: ignore[no-untyped-def]
    return sharing_services.record_consent(
        actor=actor_for(recorder),
        person=person,
        organisations=[organisation],
        categories=list(InformationCategory.objects.filter(code__in=codes)),
        purpose="One plan",
        how_given="verbal",
        given_on=timezone.localdate(),
    )


def search(client: Client, **terms: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("people:search"), terms)


class TestTheRecordAsEachPartnerSeesIt:
    def test_holder_sees_everything_and_the_look_is_audited(self, person, council_worker) -> None:
        """SEC-20: each view writes one audit event with actor, organisation, categories, basis."""
        before = AuditEvent.objects.count()
        html = (
            client_for(council_worker)
            .get(reverse("people:detail", args=[person.pk]))
            .content.decode()
        )
        for secret in SECRETS:
            assert secret in html
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.latest("sequence")
        assert event.action == "view"
        assert event.person_id == person.pk
        assert event.actor_id == council_worker.pk
        assert event.organisation_name == "Northvale Borough Council"
        assert event.basis == "own_organisation"
        assert IDENTITY in event.categories
        assert event.request_id and event.ip_address == "127.0.0.1"

    def test_partner_with_consent_sees_only_what_consent_covers(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        html = (
            client_for(cab_adviser).get(reverse("people:detail", args=[person.pk])).content.decode()
        )
        assert "QQ 12 34 56 C" in html
        assert "Secret Ethnicity Value" not in html  # equality monitoring was not shared
        assert "Seen on: Consent" in html
        event = AuditEvent.objects.latest("sequence")
        assert event.basis == "consent"
        assert "equality" not in event.categories

    def test_partner_without_a_basis_gets_the_restricted_view(self, person, jcp_coach) -> None:
        """SEC-16: name and which agencies are involved, and a way to request access."""
        response = client_for(jcp_coach).get(reverse("people:detail", args=[person.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="restricted-view"' in html
        assert "Jordan Ellis" in html
        assert "Northvale Borough Council" in html  # the agency involved
        assert reverse("sharing:request_access", args=[person.pk]) in html
        for secret in SECRETS:
            assert secret not in html
        assert AuditEvent.objects.latest("sequence").basis == "restricted"

    def test_other_pages_of_a_record_you_may_not_see_are_404(self, person, jcp_coach) -> None:
        """SEC-13 / rule 5: 404, not 403, on every verb."""
        client = client_for(jcp_coach)
        for name in (
            "people:change",
            "people:timeline",
            "people:add_other_name",
            "audit:person_access_log",
        ):
            url = reverse(name, args=[person.pk])
            assert client.get(url).status_code == 404, name
            # Read-only pages refuse POST outright (405); the others answer 404.
            expected = 405 if name in ("people:timeline", "audit:person_access_log") else 404
            response = client.post(url, {"given_name": "Hacked", "family_name": "Hacked"})
            assert response.status_code == expected, name
        person.refresh_from_db()
        assert person.given_name == "Jordan"

    def test_staff_who_do_not_work_with_people_cannot_open_records(self, person, council) -> None:
        analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
        response = client_for(analyst).get(reverse("people:detail", args=[person.pk]))
        assert response.status_code == 403
        assert "Jordan" not in response.content.decode()

    def test_an_unknown_or_malformed_id_is_404(self, council_worker) -> None:
        client = client_for(council_worker)
        assert client.get("/people/00000000-0000-4000-8000-000000000000/").status_code == 404
        assert client.get("/people/not-a-uuid/").status_code == 404

    def test_staff_safety_warnings_show_even_in_the_restricted_view(
        self, person, council_worker, jcp_coach
    ) -> None:
        services.add_warning_marker(
            actor=actor_for(council_worker),
            person=person,
            kind=WarningMarker.Kind.LONE_VISIT,
            details="Visit in pairs.",
            review_on=timezone.localdate() + timedelta(days=90),
        )
        html = (
            client_for(jcp_coach).get(reverse("people:detail", args=[person.pk])).content.decode()
        )
        assert 'data-testid="warning-marker"' in html
        assert "Do not visit alone" in html and "Visit in pairs." in html

    def test_audit_failure_returns_no_personal_data(self, person, council_worker) -> None:
        """SEC-21: if the audit event cannot be written, no personal data is returned."""
        client = client_for(council_worker)
        with (
            mock.patch(
                "joinedup.audit.services.AuditEvent.objects.bulk_create",
                side_effect=AuditWriteError("disk full"),
            ),
            mock.patch("joinedup.audit.services._locked_head", side_effect=AuditWriteError("down")),
        ):
            response = client.get(reverse("people:detail", args=[person.pk]))
        html = response.content.decode()
        assert response.status_code == 503
        assert "cannot be shown right now" in html
        for secret in SECRETS:
            assert secret not in html


class TestSearchAndDuplicates:
    def test_search_is_a_post_and_shows_restricted_results_for_no_basis(
        self, person, jcp_coach
    ) -> None:
        """SEC-14, SEC-27: results contain only what the actor may see; nothing in the URL."""
        client = client_for(jcp_coach)
        assert client.get(reverse("people:search") + "?family_name=Ellis").status_code == 200
        response = search(client, family_name="ellis")
        html = response.content.decode()
        assert "Jordan Ellis" in html and "Restricted" in html
        assert "27 March 1988" not in html and "NV1 4AB" not in html
        event = AuditEvent.objects.filter(action="search").latest("sequence")
        assert event.person_id == person.pk and event.basis == "restricted"

    def test_search_finds_nicknames_swapped_dates_and_previous_names(
        self, person, council_worker
    ) -> None:
        client = client_for(council_worker)
        services.add_other_name(
            actor=actor_for(council_worker),
            person=person,
            kind="previous",
            given_name="Jordan",
            family_name="Marsh",
        )
        html = search(client, family_name="Marsh").content.decode()
        assert "Jordan Ellis" in html and "previous name or alias" in html
        robert = services.register_person(
            actor=actor_for(council_worker),
            values={
                "given_name": "Robert",
                "family_name": "Okoro",
                "date_of_birth": date(1990, 4, 7),
            },
        )
        html = search(
            client,
            given_name="Bob",
            family_name="Okoro",
            date_of_birth_0="4",
            date_of_birth_1="7",
            date_of_birth_2="1990",
        ).content.decode()
        assert reverse("people:detail", args=[robert.pk]) in html
        assert "short form" in html and "day and month swapped" in html

    def test_search_needs_something_to_search_for(self, council_worker) -> None:
        html = search(client_for(council_worker)).content.decode()
        assert "Enter a name, a date of birth or a postcode" in html

    def test_adding_someone_already_known_shows_the_match_and_records_the_override(
        self, person, council_worker
    ) -> None:
        client = client_for(council_worker)
        response = client.post(
            reverse("people:add_start"),
            {
                "given_name": "Jordan",
                "family_name": "ELLIS",
                "date_of_birth_0": "27",
                "date_of_birth_1": "3",
                "date_of_birth_2": "1988",
            },
        )
        assert response["Location"] == reverse("people:add_check")
        html = client.get(reverse("people:add_check")).content.decode()
        assert "Is this the same person?" in html
        assert "Same last name" in html and "Same date of birth" in html
        response = client.post(reverse("people:add_check"))
        assert response["Location"] == reverse("people:add_details")
        response = client.post(
            reverse("people:add_details"),
            {
                "given_name": "Jordan",
                "family_name": "Ellis",
                "date_of_birth_0": "27",
                "date_of_birth_1": "3",
                "date_of_birth_2": "1988",
            },
        )
        assert response.status_code == 302
        new = Person.objects.exclude(pk=person.pk).get()
        override = AuditEvent.objects.get(action="duplicate_override")
        assert override.person_id == new.pk
        assert override.detail["possible_duplicates_shown"] == [str(person.pk)]

    def test_adding_someone_new_skips_the_check_and_needs_no_override(self, council_worker) -> None:
        client = client_for(council_worker)
        client.post(reverse("people:add_start"), {"given_name": "Zara", "family_name": "Quennell"})
        assert client.get(reverse("people:add_check"))["Location"] == reverse("people:add_details")
        client.post(
            reverse("people:add_details"), {"given_name": "Zara", "family_name": "Quennell"}
        )
        assert Person.objects.filter(family_name="Quennell").exists()
        assert not AuditEvent.objects.filter(action="duplicate_override").exists()


class TestChangingTheRecord:
    def test_bad_identifiers_get_clear_messages_and_nothing_changes(
        self, person, council_worker
    ) -> None:
        client = client_for(council_worker)
        response = client.post(
            reverse("people:change", args=[person.pk]),
            {
                "given_name": "Jordan",
                "family_name": "Ellis",
                "postcode": "NOT A POSTCODE",
                "ni_number": "BG123456A",
                "nhs_number": "9434765918",
                "email": "not-an-email",
                "date_of_birth_0": "31",
                "date_of_birth_1": "2",
                "date_of_birth_2": "1990",
            },
        )
        html = response.content.decode()
        assert response.status_code == 200
        for message in (
            "Enter a real postcode",
            "National Insurance number in the correct format",
            "valid 10-digit NHS number",
            "Date of birth must be a real date",
            "correct format",
        ):
            assert message in html, message
        person.refresh_from_db()
        assert person.postcode == "NV1 4AB" and person.ni_number == "QQ123456C"

    def test_html_is_stored_as_text_and_shown_escaped(self, person, council_worker) -> None:
        client = client_for(council_worker)
        response = client.post(
            reverse("people:change", args=[person.pk]),
            {
                "given_name": "Jordan",
                "family_name": "Ellis",
                "communication_needs": "<script>alert(1)</script>" + "x" * 10,
            },
        )
        assert response.status_code == 302
        html = client.get(reverse("people:detail", args=[person.pk])).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_changes_are_audited_with_field_names_not_values(self, person, council_worker) -> None:
        services.update_person(
            actor=actor_for(council_worker), person=person, values={"phone": "07700 900123"}
        )
        event = AuditEvent.objects.filter(action="update").latest("sequence")
        assert event.detail["fields"] == ["phone"]
        assert "07700" not in str(event.detail)

    def test_a_partner_cannot_change_categories_it_cannot_see(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        """SEC-18: the policy holds in the service."""
        consent_for(person, council_worker, cab, IDENTITY)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.update_person(
                actor=actor_for(cab_adviser), person=person, values={"ethnicity": "Changed"}
            )
        person.refresh_from_db()
        assert person.ethnicity == "Secret Ethnicity Value"


class TestTimelineAndHousehold:
    def test_timeline_shows_only_entries_the_viewer_may_see(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        services.add_to_household(
            actor=actor_for(council_worker), person=person, household=None, relationship="head"
        )
        consent_for(person, council_worker, cab, IDENTITY)
        holder_view = (
            client_for(council_worker)
            .get(reverse("people:timeline", args=[person.pk]))
            .content.decode()
        )
        assert "Record created by Northvale Borough Council" in holder_view
        assert "Living at" in holder_view and "Consent given" in holder_view
        partner_view = (
            client_for(cab_adviser)
            .get(reverse("people:timeline", args=[person.pk]))
            .content.decode()
        )
        assert "Consent given" in partner_view
        assert "Living at" not in partner_view  # family and relationships were not shared
        assert "not shown because you have no basis" in partner_view

    def test_household_members_are_listed_for_those_who_may_see_family(
        self, person, council_worker
    ) -> None:
        services.add_to_household(
            actor=actor_for(council_worker), person=person, household=None, relationship="head"
        )
        partner = services.register_person(
            actor=actor_for(council_worker), values={"given_name": "Sam", "family_name": "Ellis"}
        )
        services.add_to_household(
            actor=actor_for(council_worker),
            person=partner,
            household=Household.objects.get(),
            relationship="partner",
        )
        html = (
            client_for(council_worker)
            .get(reverse("people:detail", args=[person.pk]))
            .content.decode()
        )
        assert 'data-testid="household"' in html and "Sam Ellis" in html and "Partner" in html


def test_views_never_query_personal_data_models_directly() -> None:
    """Rule 1: views, API endpoints, exports and reports read personal data only through
    selectors and write it only through services. This walks the code."""
    personal = {
        "Person",
        "PersonName",
        "Household",
        "HouseholdMember",
        "Involvement",
        "WarningMarker",
        "Consent",
        "LawfulBasis",
        "BreakGlass",
        "AccessRequest",
        "AuditEvent",
    }
    root = Path(__file__).resolve().parents[2] / "joinedup"
    offenders = []
    for path in root.rglob("*.py"):
        if not re.search(r"(views|serializers|api)", path.name):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "objects"
                and isinstance(node.value, ast.Name)
            ) and node.value.id in personal:
                offenders.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.objects")
    assert offenders == []
