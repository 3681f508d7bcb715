"""Triage services: matching a referral to the one person record, the triage assessment, and
the outcome, with the sharing policy and audit (F5, F6, F12; REL-01)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.assessments.models import Assessment, ComplexityRating
from joinedup.assessments.selectors import active_scale
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Involvement, Person
from joinedup.people.services import register_person
from joinedup.referrals import services as referral_services
from joinedup.referrals.models import Referral, ReferralNeed
from joinedup.sharing.categories import EQUALITY, IDENTITY
from joinedup.sharing.models import Consent
from joinedup.sharing.policy import access_to_person
from joinedup.triage import services
from joinedup.triage.models import Triage

from ..assessments.conftest import answers
from ..conftest import actor_for
from ..directory.factories import ServiceFactory
from ..factories import UserFactory
from ..referrals.test_referrals import refer
from .conftest import self_referral

pytestmark = pytest.mark.django_db


class TestMatching:
    def test_no_match_adds_a_new_record_from_the_referral(self, council, council_worker) -> None:
        referral = self_referral()
        person = services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        referral.refresh_from_db()
        assert referral.person == person
        assert (person.given_name, person.family_name) == ("Alex", "O'Neill")
        assert person.date_of_birth == date(1990, 11, 4) and person.postcode == "NV2 3AB"
        assert person.phone == "07700 900982" and person.registered_by == council
        event = AuditEvent.objects.filter(action="update", person_id=person.pk).latest("sequence")
        assert event.detail["matched"] == "new record"

    def test_matching_a_record_the_hub_cannot_see_records_the_consent_for_identity_only(
        self, council, council_worker, cab, cab_adviser
    ) -> None:
        existing = register_person(
            actor=actor_for(cab_adviser),
            values={
                "given_name": "Alex",
                "family_name": "O'Neill",
                "date_of_birth": date(1990, 11, 4),
                "postcode": "NV2 3AB",
                "ethnicity": "Kept by Citizens Advice",
            },
        )
        actor = actor_for(council_worker)
        assert access_to_person(actor=actor, person=existing).restricted
        referral = self_referral()
        with pytest.raises(ValidationError) as error:
            services.match_referral_to_person(
                actor=actor, referral=referral, person_id=existing.pk, shown=[existing.pk]
            )
        assert "identity_checked" in error.value.message_dict
        assert not Consent.objects.exists()

        services.match_referral_to_person(
            actor=actor,
            referral=referral,
            person_id=existing.pk,
            shown=[existing.pk],
            identity_checked=True,
        )
        access = access_to_person(actor=actor, person=existing)
        assert access.allows(IDENTITY) and not access.allows(EQUALITY)
        consent = Consent.objects.get()
        assert list(consent.organisations.all()) == [council]
        assert [c.code for c in consent.categories.all()] == [IDENTITY]
        assert consent.how_given == Consent.HowGiven.DIGITAL and referral.reference in (
            consent.purpose
        )
        assert Involvement.objects.filter(person=existing, organisation=council).exists()
        assert Person.objects.count() == 1

    def test_only_records_the_duplicate_check_showed_may_be_matched(
        self, council, council_worker, person
    ) -> None:
        referral = self_referral()
        with pytest.raises(ValidationError) as error:
            services.match_referral_to_person(
                actor=actor_for(council_worker),
                referral=referral,
                person_id=person.pk,
                shown=[],
                identity_checked=True,
            )
        assert "person" in error.value.message_dict
        referral.refresh_from_db()
        assert referral.person is None

    def test_a_referral_is_matched_once(self, council, council_worker) -> None:
        referral = self_referral()
        actor = actor_for(council_worker)
        services.match_referral_to_person(actor=actor, referral=referral, person_id=None, shown=[])
        with pytest.raises(ValidationError, match="already been matched"):
            services.match_referral_to_person(
                actor=actor, referral=Referral.objects.get(), person_id=None, shown=[]
            )
        assert Person.objects.count() == 1

    def test_who_may_match(self, council, council_worker, council_ig, cab_adviser) -> None:
        referral = self_referral()
        with pytest.raises(Http404):  # another organisation's referral
            services.match_referral_to_person(
                actor=actor_for(cab_adviser), referral=referral, person_id=None, shown=[]
            )
        with pytest.raises(PermissionDenied):  # information governance keeps no records
            services.match_referral_to_person(
                actor=actor_for(council_ig), referral=referral, person_id=None, shown=[]
            )
        referral_services.decline_referral(
            actor=actor_for(council_worker), referral=referral, reason="Not for us."
        )
        with pytest.raises(ValidationError, match="declined"):
            services.match_referral_to_person(
                actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
            )
        assert not Person.objects.exists()


class TestStaffReferralConsent:
    def test_a_staff_referral_lets_the_receiver_see_who_the_person_is(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        receiver = actor_for(cab_adviser)
        assert access_to_person(actor=receiver, person=person).restricted
        refer(person, council_worker, cab, reason="Debt advice", needs=["money_debt"])
        access = access_to_person(actor=receiver, person=person)
        assert access.allows(IDENTITY) and not access.allows(EQUALITY)
        consent = Consent.objects.get()
        assert consent.how_given == Consent.HowGiven.VERBAL
        assert list(consent.organisations.all()) == [cab]


def _triage(referral: Referral, user, scale, **areas) -> Triage:  # type: ignore[no-untyped-def]
    return services.record_triage_assessment(
        actor=actor_for(user),
        referral=referral,
        scale=scale,
        assessed_on=timezone.localdate(),
        scores=answers(scale, 6, **areas),
    )


class TestTriageAssessment:
    def test_assessment_accepts_the_referral_rates_and_identifies_needs(
        self, council, council_worker, scale
    ) -> None:
        referral = self_referral(needs=["work_skills", "money_debt"])
        services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        triage = _triage(
            referral, council_worker, scale, housing=2, money_debt=3, mental_wellbeing=(7, True)
        )
        referral.refresh_from_db()
        assert referral.status == Referral.Status.ACCEPTED
        assert triage.assessment.kind == Assessment.Kind.TRIAGE
        # Complex issues (housing, money, flagged mental wellbeing) then what they asked for.
        assert triage.identified_needs == [
            "work_skills",
            "money_debt",
            "housing",
            "mental_wellbeing",
        ]
        rating = ComplexityRating.objects.get(assessment=triage.assessment)
        assert rating.rating == "A" and "3 complex issues" in rating.explanation

    def test_redoing_the_assessment_before_the_outcome_updates_the_triage(
        self, council, council_worker, scale
    ) -> None:
        referral = self_referral(needs=["work_skills"])
        services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        first = _triage(referral, council_worker, scale, housing=2)
        second = _triage(Referral.objects.get(), council_worker, scale, offending=1)
        assert first.pk == second.pk and Triage.objects.count() == 1
        assert second.identified_needs == ["work_skills", "offending"]
        assert Assessment.objects.count() == 2

    def test_no_assessment_without_a_record_and_bad_scores_write_nothing(
        self, council, council_worker, scale
    ) -> None:
        referral = self_referral()
        with pytest.raises(ValidationError, match="Find or add"):
            _triage(referral, council_worker, scale)
        services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        with pytest.raises(ValidationError):
            _triage(Referral.objects.get(), council_worker, scale, housing=11)
        assert not Triage.objects.exists() and not Assessment.objects.exists()
        assert Referral.objects.get().status == Referral.Status.NEW


@pytest.fixture
def started(council, council_worker, scale) -> Triage:  # type: ignore[no-untyped-def]
    referral = self_referral(needs=["money_debt"])
    services.match_referral_to_person(
        actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
    )
    return _triage(Referral.objects.get(), council_worker, scale, money_debt=2, housing=3)


class TestOutcome:
    def test_open_case_hands_to_a_key_worker_and_closes_the_loop(
        self, started, council, council_worker
    ) -> None:
        colleague = UserFactory(organisation=council, roles=[Role.KEY_WORKER])
        done = services.complete_triage(
            actor=actor_for(council_worker),
            triage=started,
            outcome="open_case",
            key_worker=colleague,
            handoff_note="Prefers mornings.",
        )
        assert done.is_complete and done.key_worker == colleague and done.case_opened_on is None
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.CLOSED
        assert "A case is being opened" in referral.outcome

    def test_the_key_worker_must_be_an_active_key_worker_here(
        self, started, council, council_worker, cab
    ) -> None:
        elsewhere = UserFactory(organisation=cab, roles=[Role.KEY_WORKER])
        manager = UserFactory(organisation=council, roles=[Role.TEAM_MANAGER])
        left = UserFactory(organisation=council, roles=[Role.KEY_WORKER], is_active=False)
        for candidate in (elsewhere, manager, left, None):
            with pytest.raises(ValidationError) as error:
                services.complete_triage(
                    actor=actor_for(council_worker),
                    triage=started,
                    outcome="open_case",
                    key_worker=candidate,
                )
            assert "key_worker" in error.value.message_dict
        assert not Triage.objects.get().is_complete

    def test_signpost_with_a_referral_to_the_service(
        self, started, council_worker, cab, cab_adviser
    ) -> None:
        debt_advice = ServiceFactory(organisation=cab, name="Debt advice", needs=["money_debt"])
        with pytest.raises(ValidationError) as error:
            services.complete_triage(
                actor=actor_for(council_worker),
                triage=started,
                outcome="signpost",
                service=debt_advice,
                send_referral=True,
            )
        assert "person_agreed" in error.value.message_dict
        done = services.complete_triage(
            actor=actor_for(council_worker),
            triage=started,
            outcome="signpost",
            service=debt_advice,
            send_referral=True,
            person_agreed=True,
        )
        onward = done.onward_referral
        assert onward is not None and onward.to_organisation == cab
        assert onward.to_service == debt_advice and onward.person == done.person
        # Only the identified needs the service helps with travel with the referral.
        assert list(
            ReferralNeed.objects.filter(referral=onward).values_list("need", flat=True)
        ) == ["money_debt"]
        assert access_to_person(actor=actor_for(cab_adviser), person=done.person).allows(IDENTITY)
        assert "Signposted to Debt advice" in Referral.objects.get(pk=done.referral_id).outcome

    def test_a_service_that_is_not_running_cannot_be_chosen(
        self, started, council_worker, cab
    ) -> None:
        closed = ServiceFactory(organisation=cab, status="inactive")
        with pytest.raises(ValidationError) as error:
            services.complete_triage(
                actor=actor_for(council_worker), triage=started, outcome="signpost", service=closed
            )
        assert "service" in error.value.message_dict

    def test_no_further_action_keeps_the_reason_from_the_referrer(
        self, started, council_worker
    ) -> None:
        with pytest.raises(ValidationError) as error:
            services.complete_triage(
                actor=actor_for(council_worker), triage=started, outcome="no_further_action"
            )
        assert "reason" in error.value.message_dict
        done = services.complete_triage(
            actor=actor_for(council_worker),
            triage=started,
            outcome="no_further_action",
            reason="Already working with the housing team; sensitive.",
        )
        outcome = Referral.objects.get().outcome
        assert "No further action" in outcome and "sensitive" not in outcome
        assert done.no_further_action_reason.startswith("Already working")

    def test_a_triage_is_completed_once(self, started, council_worker, council_ig) -> None:
        """REL-01: the second of two completions is refused with a clear message."""
        services.complete_triage(
            actor=actor_for(council_worker), triage=started, outcome="no_further_action", reason="x"
        )
        with pytest.raises(services.TriageAlreadyCompletedError, match="no further action"):
            services.complete_triage(
                actor=actor_for(council_worker),
                triage=started,
                outcome="open_case",
                key_worker=council_worker,
            )
        with pytest.raises(services.TriageAlreadyCompletedError):
            _triage(Referral.objects.get(), council_worker, started.assessment.scale)
        with pytest.raises(PermissionDenied):
            services.complete_triage(
                actor=actor_for(council_ig), triage=started, outcome="no_further_action", reason="x"
            )
        assert Triage.objects.get().outcome == "no_further_action"
        events = AuditEvent.objects.filter(detail__triage=str(started.pk), action="update")
        assert events.filter(detail__outcome="no_further_action").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real row locks across connections; runs in make test-postgres",
)
@pytest.mark.django_db(transaction=True)
def test_two_practitioners_completing_one_triage_have_one_winner(
    shipped_defaults, council, council_worker
) -> None:  # type: ignore[no-untyped-def]
    """REL-01: both press "Complete the triage" at once: one outcome wins, the other is told."""
    scale = active_scale()
    referral = self_referral()
    services.match_referral_to_person(
        actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
    )
    triage = _triage(Referral.objects.get(), council_worker, scale, housing=2)
    colleague = UserFactory(organisation=council, roles=[Role.KEY_WORKER])
    results: list[str] = []

    def complete(outcome: str) -> None:
        try:
            services.complete_triage(
                actor=actor_for(council_worker if outcome == "open_case" else colleague),
                triage=triage,
                outcome=outcome,
                key_worker=council_worker,
                reason="Moved away.",
            )
            results.append(outcome)
        except services.TriageAlreadyCompletedError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=complete, args=(o,)) for o in ("open_case", "no_further_action")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("refused") == 1
    winner = next(r for r in results if r != "refused")
    assert Triage.objects.get().outcome == winner
    assert Referral.objects.get().status == Referral.Status.CLOSED


class TestReviewFindings:
    """Holes a second reviewer found, each pinned."""

    def test_a_name_alone_never_matches_a_record_the_hub_cannot_see(
        self, council, council_worker, cab_adviser
    ) -> None:
        stranger = register_person(
            actor=actor_for(cab_adviser),
            values={
                "given_name": "Alex",
                "family_name": "O'Neill",
                "date_of_birth": date(1975, 1, 1),
                "postcode": "NV9 9ZZ",
            },
        )
        for changes in ({}, {"date_of_birth": date(1975, 1, 1)}):
            referral = self_referral(**changes)
            with pytest.raises(ValidationError) as error:
                services.match_referral_to_person(
                    actor=actor_for(council_worker),
                    referral=referral,
                    person_id=stranger.pk,
                    shown=[stranger.pk],
                    identity_checked=True,
                )
            assert "closely enough" in error.value.message_dict["person"][0]
        assert not Consent.objects.exists()
        assert access_to_person(actor=actor_for(council_worker), person=stranger).restricted
        # The same date of birth and last name with the same phone number is strong enough.
        Person.objects.filter(pk=stranger.pk).update(phone="07700 900982")
        services.match_referral_to_person(
            actor=actor_for(council_worker),
            referral=referral,
            person_id=stranger.pk,
            shown=[stranger.pk],
            identity_checked=True,
        )
        assert Consent.objects.get().referral_reference == referral.reference

    def test_the_reason_for_no_further_action_stays_with_the_triaging_organisation(
        self, started, council_worker, cab, cab_adviser
    ) -> None:
        from joinedup.people.selectors import person_timeline

        services.complete_triage(
            actor=actor_for(council_worker),
            triage=started,
            outcome="no_further_action",
            reason="Suspected perpetrator living at the address.",
        )
        refer(started.person, council_worker, cab, reason="Debt advice", needs=["money_debt"])
        _, _, entries, _ = person_timeline(
            actor=actor_for(cab_adviser), person_id=started.person_id
        )
        triage_entries = [e for e in entries if e.kind == "triage"]
        assert triage_entries and all("perpetrator" not in e.detail for e in triage_entries)
        _, _, own, _ = person_timeline(actor=actor_for(council_worker), person_id=started.person_id)
        assert any(e.kind == "triage" for e in own)

    def test_two_first_assessments_at_once_give_a_clear_message_not_a_500(
        self, council, council_worker, scale, monkeypatch
    ) -> None:
        referral = self_referral()
        services.match_referral_to_person(
            actor=actor_for(council_worker), referral=referral, person_id=None, shown=[]
        )
        referral = Referral.objects.get()
        real_lock = services._lock_triageable
        raced: list[bool] = []

        def lock_after_a_colleague(target: Referral) -> Referral:
            if not raced:  # a colleague's assessment lands while we wait for the lock
                raced.append(True)
                _triage(Referral.objects.get(), council_worker, scale, housing=2)
            return real_lock(target)

        monkeypatch.setattr(services, "_lock_triageable", lock_after_a_colleague)
        with pytest.raises(services.TriageAlreadyCompletedError, match="Someone else"):
            _triage(referral, council_worker, scale, offending=1)
        # (In one test connection the colleague's write shares our transaction and is rolled
        # back with it; on PostgreSQL it would have committed on its own connection.)
        assert raced == [True]

    def test_a_referral_being_triaged_is_closed_only_by_completing_the_triage(
        self, started, council_worker
    ) -> None:
        with pytest.raises(ValidationError, match="being triaged"):
            referral_services.close_referral(
                actor=actor_for(council_worker), referral=started.referral, outcome="Done"
            )
        assert Referral.objects.get().status == Referral.Status.ACCEPTED

    def test_consent_captured_with_a_referral_expires_and_is_withdrawn_on_decline(
        self, person, council_worker, cab, cab_adviser
    ) -> None:
        referral = refer(person, council_worker, cab, reason="Debt advice", needs=["money_debt"])
        consent = Consent.objects.get()
        assert (consent.expires_on - consent.given_on).days == 365
        event = AuditEvent.objects.filter(action="consent").latest("sequence")
        assert event.basis == "own_organisation"  # the referrer's basis for the record
        referral_services.decline_referral(
            actor=actor_for(cab_adviser), referral=referral, reason="Full this month."
        )
        consent.refresh_from_db()
        assert consent.withdrawn_on is not None and referral.reference in consent.withdrawal_reason
        assert access_to_person(actor=actor_for(cab_adviser), person=person).restricted

    def test_the_audit_names_the_referrer_s_own_basis(
        self, person, council_worker, cab, cab_adviser, jcp
    ) -> None:
        refer(person, council_worker, cab, reason="Debt advice", needs=["money_debt"])
        refer(person, cab_adviser, jcp, reason="Work coach", needs=["work_skills"])
        event = AuditEvent.objects.filter(action="consent").latest("sequence")
        assert event.basis == "consent" and event.detail["organisations"] == [jcp.name]

    def test_a_service_not_taking_referrals_is_signposted_without_one(
        self, started, council_worker, cab
    ) -> None:
        full = ServiceFactory(organisation=cab, accepting_referrals=False, needs=["money_debt"])
        with pytest.raises(ValidationError) as error:
            services.complete_triage(
                actor=actor_for(council_worker),
                triage=started,
                outcome="signpost",
                service=full,
                send_referral=True,
                person_agreed=True,
            )
        assert "send_referral" in error.value.message_dict
        done = services.complete_triage(
            actor=actor_for(council_worker), triage=started, outcome="signpost", service=full
        )
        assert done.onward_referral is None and done.signposted_service == full
