"""The access policy, consent, lawful bases, break-glass and access requests (F3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.sharing import services
from joinedup.sharing.categories import DRUGS_ALCOHOL, FAMILY, IDENTITY, MONEY_DEBT, OFFENDING
from joinedup.sharing.models import (
    AccessRequest,
    BreakGlass,
    Gateway,
    InformationCategory,
    LawfulBasis,
    SharingAgreement,
)
from joinedup.sharing.policy import Basis, access_to_people, access_to_person

from ..conftest import actor_for, client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def cats(*codes: str) -> list[InformationCategory]:
    return list(InformationCategory.objects.filter(code__in=codes))


def give_consent(person, recorder: User, organisation, *codes: str, **extra):  # type: ignore[no-untyped-def]
    return services.record_consent(
        actor=actor_for(recorder),
        person=person,
        organisations=[organisation],
        categories=cats(*codes),
        purpose="To work together on one plan.",
        how_given="written",
        given_on=extra.pop("given_on", timezone.localdate()),
        **extra,
    )


class TestPolicy:
    def test_deny_by_default_and_own_organisation(
        self, person, council_worker, cab_adviser
    ) -> None:
        """SEC-15/SEC-16: with no basis, nothing; the holder sees its own record."""
        holder = access_to_person(actor=actor_for(council_worker), person=person)
        assert holder.decide(IDENTITY).basis is Basis.OWN_ORGANISATION
        assert holder.decide(OFFENDING).basis is Basis.OWN_ORGANISATION
        partner = access_to_person(actor=actor_for(cab_adviser), person=person)
        assert partner.decide(IDENTITY).basis is Basis.NONE
        assert partner.restricted

    def test_a_page_decides_once_for_each_person_it_shows(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        """One page's lists share their decisions: a person decided already costs no query,
        only the new ones are asked about, and each answer is the one a fresh decision gives."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from joinedup.people.services import register_person

        give_consent(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        other = register_person(
            actor=actor_for(council_worker), values={"given_name": "Ola", "family_name": "Ade"}
        )
        actor = actor_for(cab_adviser)
        known: dict = {}
        first = access_to_people(actor=actor, people=[person], known=known)
        assert set(known) == {person.pk} and first[person.pk].allows(MONEY_DEBT)
        with CaptureQueriesContext(connection) as again:
            repeat = access_to_people(actor=actor, people=[person], known=known)
        assert len(again) == 0 and repeat[person.pk] is first[person.pk]
        both = access_to_people(actor=actor, people=[person, other], known=known)
        assert set(both) == set(known) == {person.pk, other.pk}
        assert both[other.pk] == access_to_person(actor=actor, person=other)
        assert both[other.pk].restricted and not both[person.pk].restricted

    def test_consent_covers_only_its_organisation_and_categories(
        self, person, council_worker, cab, cab_adviser, jcp_coach
    ) -> None:
        """SEC-15: consent covering that category and organisation, nothing more."""
        consent = give_consent(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        access = access_to_person(actor=actor_for(cab_adviser), person=person)
        assert access.decide(IDENTITY) == access.decide(IDENTITY)
        assert access.decide(MONEY_DEBT).basis is Basis.CONSENT
        assert access.decide(MONEY_DEBT).reference == str(consent.pk)
        assert access.decide(DRUGS_ALCOHOL).basis is Basis.NONE
        assert access_to_person(actor=actor_for(jcp_coach), person=person).restricted

    def test_withdrawal_takes_effect_on_the_next_request(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        """SEC-15: withdrawal removes access on the next request."""
        consent = give_consent(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        client = client_for(cab_adviser)
        assert (
            "QQ 12 34 56 C"
            in client.get(reverse("people:detail", args=[person.pk])).content.decode()
        )
        services.withdraw_consent(
            actor=actor_for(council_worker), consent=consent, reason="Asked us to stop"
        )
        html = client.get(reverse("people:detail", args=[person.pk])).content.decode()
        assert 'data-testid="restricted-view"' in html
        assert "QQ 12 34 56 C" not in html

    def test_expiry_takes_effect_on_the_next_request(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        """SEC-15: with a frozen clock, access ends the day after the consent's end date."""
        with time_machine.travel("2026-06-30 16:00", tick=False) as traveller:
            give_consent(
                person,
                council_worker,
                cab,
                IDENTITY,
                given_on=date(2026, 1, 5),
                expires_on=date(2026, 6, 30),
            )
            assert not access_to_person(actor=actor_for(cab_adviser), person=person).restricted
            traveller.move_to("2026-07-01 09:00")
            assert access_to_person(actor=actor_for(cab_adviser), person=person).restricted

    def test_agreement_consent_needs_the_agreement_in_force(
        self, person, council, council_worker, cab, cab_adviser
    ) -> None:
        agreement = SharingAgreement.objects.create(
            name="Northvale ISA",
            purpose="One plan",
            starts_on=date(2024, 1, 1),
            ends_on=date(2030, 1, 1),
        )
        agreement.parties.set([council, cab])
        agreement.categories.set(cats(IDENTITY))
        services.record_consent(
            actor=actor_for(council_worker),
            person=person,
            agreement=agreement,
            categories=cats(IDENTITY),
            purpose="Partnership working",
            how_given="digital",
            given_on=timezone.localdate(),
        )
        assert not access_to_person(actor=actor_for(cab_adviser), person=person).restricted
        agreement.ends_on = timezone.localdate() - timedelta(days=1)
        agreement.save()
        assert access_to_person(actor=actor_for(cab_adviser), person=person).restricted

    def test_roles_that_do_not_work_with_people_see_nothing(self, person, council) -> None:
        analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
        access = access_to_person(actor=actor_for(analyst), person=person)
        assert access.decide(IDENTITY).basis is Basis.NONE

    def test_agreement_consent_gives_only_what_the_agreement_covers(
        self, person, council, council_worker, cab, cab_adviser
    ) -> None:
        """SEC-15: consent under an agreement never reaches past the agreement's categories."""
        agreement = SharingAgreement.objects.create(
            name="Narrow ISA", purpose="Contact only", starts_on=date(2024, 1, 1)
        )
        agreement.parties.set([council, cab])
        agreement.categories.set(cats(IDENTITY))
        with pytest.raises(ValidationError, match="does not cover"):
            services.record_consent(
                actor=actor_for(council_worker),
                person=person,
                agreement=agreement,
                categories=cats(IDENTITY, DRUGS_ALCOHOL),
                purpose="x",
                how_given="digital",
                given_on=timezone.localdate(),
            )
        consent = services.record_consent(
            actor=actor_for(council_worker),
            person=person,
            agreement=agreement,
            categories=cats(IDENTITY),
            purpose="x",
            how_given="digital",
            given_on=timezone.localdate(),
        )
        consent.categories.add(*cats(DRUGS_ALCOHOL))  # even if the ledger somehow says more
        access = access_to_person(actor=actor_for(cab_adviser), person=person)
        assert access.decide(IDENTITY).basis is Basis.CONSENT
        assert access.decide(DRUGS_ALCOHOL).basis is Basis.NONE


class TestRecordingConsent:
    def test_consent_form_records_and_audits(self, person, council_worker, cab) -> None:
        client = client_for(council_worker)
        today = timezone.localdate()
        evidence = SimpleUploadedFile(
            "signed.pdf", b"%PDF-1.4 signed form", content_type="application/pdf"
        )
        response = client.post(
            reverse("sharing:record_consent", args=[person.pk]),
            {
                "organisations": [cab.pk],
                "categories": [c.pk for c in cats(IDENTITY, MONEY_DEBT)],
                "purpose": "To sort out debts with the key worker.",
                "how_given": "written",
                "given_on_0": today.day,
                "given_on_1": today.month,
                "given_on_2": today.year,
                "evidence": evidence,
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        consent = person.consents.get()
        assert consent.evidence.name.startswith("consent-evidence/")
        event = AuditEvent.objects.filter(action="consent").latest("sequence")
        assert sorted(event.categories) == sorted([IDENTITY, MONEY_DEBT])

    def test_bad_consent_input_gets_clear_messages_and_writes_nothing(
        self, person, council_worker
    ) -> None:
        client = client_for(council_worker)
        future = timezone.localdate() + timedelta(days=3)
        fake = SimpleUploadedFile(
            "form.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
        )
        response = client.post(
            reverse("sharing:record_consent", args=[person.pk]),
            {
                "categories": [c.pk for c in cats(IDENTITY)],
                "purpose": "x",
                "how_given": "written",
                "given_on_0": future.day,
                "given_on_1": future.month,
                "given_on_2": future.year,
                "evidence": fake,
            },
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Date consent was given must be in the past" in html
        assert person.consents.count() == 0
        with pytest.raises(ValidationError) as error:
            services.record_consent(
                actor=actor_for(council_worker),
                person=person,
                categories=cats(IDENTITY),
                purpose="x",
                how_given="written",
                given_on=timezone.localdate(),
                evidence=fake,
            )
        assert "organisations" in error.value.message_dict
        assert person.consents.count() == 0

    def test_evidence_must_really_be_the_type_it_claims(self) -> None:
        with pytest.raises(ValidationError, match="not a real PDF"):
            services.check_evidence_file(SimpleUploadedFile("x.pdf", b"MZ\x90\x00 an exe"))
        with pytest.raises(ValidationError, match="PDF, JPG or PNG"):
            services.check_evidence_file(SimpleUploadedFile("x.html", b"<html>"))
        big = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024))
        with pytest.raises(ValidationError, match="smaller than 5 MB"):
            services.check_evidence_file(big)

    def test_evidence_is_served_only_through_the_permission_check(
        self, person, council_worker, cab, cab_adviser, jcp_coach
    ) -> None:
        consent = give_consent(
            person,
            council_worker,
            cab,
            IDENTITY,
            evidence=SimpleUploadedFile(
                "signed.pdf", b"%PDF-1.4 evidence", content_type="application/pdf"
            ),
        )
        url = reverse("sharing:consent_evidence", args=[consent.pk])
        response = client_for(cab_adviser).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert client_for(jcp_coach).get(url).status_code == 404
        # Nothing serves the files directory directly.
        assert (
            client_for(cab_adviser).get("/private-files/" + consent.evidence.name).status_code
            == 404
        )

    def test_services_refuse_an_actor_without_a_basis(self, person, jcp, jcp_coach) -> None:
        """SEC-18: calling the service directly as an unauthorised actor raises and writes nothing."""
        with pytest.raises(PermissionDenied):
            give_consent(person, jcp_coach, jcp, IDENTITY)
        assert person.consents.count() == 0


class TestLawfulBasis:
    def _request(self, person, requester):  # type: ignore[no-untyped-def]
        return services.request_lawful_basis(
            actor=actor_for(requester),
            person=person,
            organisations=[requester.organisation],
            categories=cats(IDENTITY, OFFENDING),
            gateway=Gateway.CRIME_AND_DISORDER,
            justification="To prevent reoffending; the person will not engage with consent.",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=180),
        )

    def test_only_approval_by_information_governance_gives_access(
        self, person, jcp_coach, council_ig
    ) -> None:
        """SEC-15: a recorded lawful basis approved by information governance."""
        basis = self._request(person, jcp_coach)
        assert access_to_person(actor=actor_for(jcp_coach), person=person).restricted
        with pytest.raises(PermissionDenied):
            services.decide_lawful_basis(
                actor=actor_for(jcp_coach), basis=basis, approve=True, note="me"
            )
        services.decide_lawful_basis(
            actor=actor_for(council_ig), basis=basis, approve=True, note="Proportionate"
        )
        access = access_to_person(actor=actor_for(jcp_coach), person=person)
        assert access.decide(OFFENDING).basis is Basis.LAWFUL_BASIS
        assert access.decide(MONEY_DEBT).basis is Basis.NONE

    def test_only_the_holders_information_governance_decides(self, person, jcp, jcp_coach) -> None:
        """SEC-18: an IG officer of another organisation cannot approve access for themselves."""
        basis = self._request(person, jcp_coach)
        jcp_ig = UserFactory(organisation=jcp, roles=[Role.INFORMATION_GOVERNANCE])
        with pytest.raises(PermissionDenied):
            services.decide_lawful_basis(
                actor=actor_for(jcp_ig), basis=basis, approve=True, note="Mine"
            )
        basis.refresh_from_db()
        assert basis.status == LawfulBasis.Status.PENDING
        assert access_to_person(actor=actor_for(jcp_coach), person=person).restricted

    def test_a_refused_basis_gives_nothing(self, person, jcp_coach, council_ig) -> None:
        basis = self._request(person, jcp_coach)
        services.decide_lawful_basis(
            actor=actor_for(council_ig), basis=basis, approve=False, note="Not necessary"
        )
        assert access_to_person(actor=actor_for(jcp_coach), person=person).restricted
        assert LawfulBasis.objects.get().status == LawfulBasis.Status.REFUSED

    def test_information_governance_decides_from_the_queue(
        self, person, jcp_coach, council_ig
    ) -> None:
        basis = self._request(person, jcp_coach)
        client = client_for(council_ig)
        queue = client.get(reverse("sharing:review_queue")).content.decode()
        assert reverse("sharing:decide_lawful_basis", args=[basis.pk]) in queue
        response = client.post(
            reverse("sharing:decide_lawful_basis", args=[basis.pk]),
            {"decision": "approve", "note": "Fine"},
        )
        assert response.status_code == 302
        basis.refresh_from_db()
        assert basis.status == LawfulBasis.Status.APPROVED


class TestBreakGlassAndRequests:
    def test_break_glass_needs_a_reason_is_time_limited_and_is_reviewed(
        self, person, jcp_coach, council_ig
    ) -> None:
        """SEC-19: reason required, limited time, lands in the information governance queue."""
        client = client_for(jcp_coach)
        url = reverse("sharing:break_glass", args=[person.pk])
        response = client.post(url, {"reason": "urgent"})
        assert "at least 20 characters" in response.content.decode()
        assert not BreakGlass.objects.exists()
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            client = client_for(jcp_coach)
            response = client.post(
                url, {"reason": "Threat of eviction tonight; need the housing details now."}
            )
            assert response.status_code == 302
            html = client.get(reverse("people:detail", args=[person.pk])).content.decode()
            assert "QQ 12 34 56 C" in html
            event = AuditEvent.objects.filter(person_id=person.pk, action="view").latest("sequence")
            assert event.basis == "break_glass"
            traveller.shift(timedelta(hours=4, minutes=1))
            assert access_to_person(actor=actor_for(jcp_coach), person=person).restricted
        glass = BreakGlass.objects.get()
        queue = client_for(council_ig).get(reverse("sharing:review_queue")).content.decode()
        assert reverse("sharing:review_break_glass", args=[glass.pk]) in queue
        response = client_for(council_ig).post(
            reverse("sharing:review_break_glass", args=[glass.pk]),
            {"outcome": "appropriate", "note": ""},
        )
        assert response.status_code == 302
        glass.refresh_from_db()
        assert glass.reviewed_by == council_ig

    def test_only_related_information_governance_reviews_break_glass(
        self, person, cab, jcp_coach
    ) -> None:
        """SEC-19: an unrelated organisation's IG officer cannot sign off a break-glass."""
        glass = services.break_glass(
            actor=actor_for(jcp_coach), person=person, reason="Threat of eviction tonight; urgent."
        )
        cab_ig = UserFactory(organisation=cab, roles=[Role.INFORMATION_GOVERNANCE])
        with pytest.raises(PermissionDenied):
            services.review_break_glass(
                actor=actor_for(cab_ig), glass=glass, outcome="appropriate", note=""
            )
        glass.refresh_from_db()
        assert glass.reviewed_on is None

    def test_request_access_notifies_the_holding_organisation(
        self, person, council, jcp_coach, council_ig, django_capture_on_commit_callbacks
    ) -> None:  # type: ignore[no-untyped-def]
        """SEC-16: without a basis, a partner can request access; the holder is told."""
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(jcp_coach).post(
                reverse("sharing:request_access", args=[person.pk]),
                {
                    "reason": "Supporting their job search; need contact details to arrange interviews."
                },
            )
        assert response.status_code == 302
        request = AccessRequest.objects.get()
        assert request.holding_organisation == council
        assert mail.outbox and council_ig.email in mail.outbox[0].to
        assert "Jordan" not in mail.outbox[0].body  # the e-mail names no one
        queue = client_for(council_ig).get(reverse("sharing:review_queue")).content.decode()
        assert reverse("sharing:answer_access_request", args=[request.pk]) in queue


class TestCategories:
    def test_defaults_are_shipped_and_editable_by_information_governance(
        self, council_ig, council_worker
    ) -> None:
        assert InformationCategory.objects.count() == 11
        assert {FAMILY, IDENTITY, DRUGS_ALCOHOL} <= set(
            InformationCategory.objects.values_list("code", flat=True)
        )
        url = reverse("sharing:category_change", args=[IDENTITY])
        assert client_for(council_worker).get(url).status_code == 403
        response = client_for(council_ig).post(
            url, {"name": "Identity, contact and identifiers", "description": "d"}
        )
        assert response.status_code == 302
        assert (
            InformationCategory.objects.get(code=IDENTITY).name
            == "Identity, contact and identifiers"
        )
