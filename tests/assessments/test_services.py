"""Recording assessments and changing ratings: validation in GOV.UK words, who may assess,
the rating stored with the assessment, and the audit (F6, SEC-18, SEC-20, SEC-21)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.assessments import services
from joinedup.assessments.models import (
    AreaScore,
    Assessment,
    ComplexityRating,
    RagRuleSet,
    WellbeingCheck,
)
from joinedup.assessments.services import AreaAnswer
from joinedup.audit.models import AuditEvent
from joinedup.audit.services import AuditWriteError
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT

from ..conftest import actor_for
from ..factories import UserFactory
from .conftest import answers, assess, consent_for

pytestmark = pytest.mark.django_db


def _nothing_written() -> bool:
    return not (
        Assessment.objects.exists()
        or AreaScore.objects.exists()
        or ComplexityRating.objects.exists()
        or WellbeingCheck.objects.exists()
    )


class TestRecordingAnAssessment:
    def test_the_assessment_its_scores_and_its_rating_are_stored(
        self, person, council_worker, council, scale
    ) -> None:
        assessment = assess(
            council_worker,
            person,
            scale,
            areas={"housing": 2, "money_debt": 1, "mental_wellbeing": (5, True), "offending": None},
            motivators="Wants to be a role model for her son",
            motivator_tags=["family", "money"],
            barriers="No bus after 6pm",
            wellbeing={"life_satisfaction": 4, "worthwhile": 6, "happiness": 5, "anxiety": None},
        )
        assert assessment.organisation_id == council.pk
        assert assessment.assessor_id == council_worker.pk
        assert assessment.motivator_tags == ["family", "money"]
        scores = {s.area.code: s for s in assessment.scores.select_related("area")}
        assert len(scores) == 11
        assert scores["housing"].score == 2 and scores["housing"].category == "housing"
        assert scores["mental_wellbeing"].complex_issue
        assert scores["mental_wellbeing"].category == "mental_health"
        assert scores["confidence_motivation"].category == "mental_health"
        assert scores["offending"].score is None  # not assessed
        wellbeing = WellbeingCheck.objects.get(assessment=assessment)
        assert (wellbeing.life_satisfaction, wellbeing.anxiety) == (4, None)
        rating = ComplexityRating.objects.get(assessment=assessment)
        assert rating.rating == "A"  # housing, money and debt, mental wellbeing (flagged)
        assert rating.issue_areas == ["Money and debt", "Housing", "Mental wellbeing"]
        assert rating.explanation == (
            "Amber: 3 complex issues: money and debt, housing, mental wellbeing."
        )
        assert rating.rule_set == RagRuleSet.objects.get(active=True)
        assert not rating.is_override and rating.organisation_id == council.pk

    def test_creating_is_audited_with_categories_not_values(
        self, person, council_worker, scale
    ) -> None:
        assess(council_worker, person, scale, areas={"drugs_alcohol": None, "offending": None})
        event = AuditEvent.objects.latest("sequence")
        assert event.action == "create" and event.person_id == person.pk
        assert event.basis == "own_organisation"
        assert "money_debt" in event.categories and "offending" not in event.categories
        assert event.detail["areas_scored"] == 9
        # Identifiers and counts only: no scores, notes or ratings in the log.
        assert set(event.detail) == {"assessment", "kind", "scale", "areas_scored", "wellbeing"}

    def test_the_active_rule_set_is_used(self, person, council_worker, scale) -> None:
        RagRuleSet.objects.update(active=False)
        strict = RagRuleSet.objects.create(
            name="Strict", active=True, complex_score_max=6, red_min_issues=11, amber_min_issues=1
        )
        assessment = assess(council_worker, person, scale, default=6)
        rating = ComplexityRating.objects.get(assessment=assessment)
        assert rating.rating == "R" and rating.rule_set == strict

    def test_safeguarding_raises_the_rating_and_is_remembered(
        self, person, council_worker, scale
    ) -> None:
        assessment = assess(
            council_worker,
            person,
            scale,
            default=8,
            safeguarding_concern=True,
            safeguarding_note="Partner controls her money.",
        )
        rating = ComplexityRating.objects.get(assessment=assessment)
        assert rating.rating == "A" and rating.safeguarding_raised
        assert assessment.safeguarding_note == "Partner controls her money."
        assert "safeguarding" in AuditEvent.objects.latest("sequence").categories


class TestValidation:
    def _errors(self, **kwargs) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as caught:
            services.record_assessment(**kwargs)
        return caught.value.message_dict

    def test_every_area_needs_a_score_or_not_assessed(self, person, council_worker, scale) -> None:
        scores = answers(scale)
        del scores["housing"]
        scores["money_debt"] = AreaAnswer(11)
        scores["offending"] = AreaAnswer(0)
        errors = self._errors(
            actor=actor_for(council_worker),
            person=person,
            scale=scale,
            kind="triage",
            assessed_on=timezone.localdate(),
            scores=scores,
        )
        assert errors["score_housing"] == ["Select a score for housing, or select not assessed"]
        assert errors["score_money_debt"] == [
            "The score for money and debt must be a number from 1 to 10"
        ]
        assert "score_offending" in errors
        assert _nothing_written()

    def test_dates_in_the_future_and_missing_answers(self, person, council_worker, scale) -> None:
        errors = self._errors(
            actor=actor_for(council_worker),
            person=person,
            scale=scale,
            kind="assessment",
            assessed_on=timezone.localdate() + timedelta(days=1),
            scores=answers(scale, default=None),
            motivator_tags=["riches"],
            safeguarding_concern=True,
            safeguarding_note="  ",
            wellbeing={"anxiety": 11},
        )
        assert errors["assessed_on"] == ["The date of the assessment must be today or in the past"]
        assert errors["kind"] == ["Select whether this is a triage or a review"]
        assert errors["motivator_tags"] == ["Select motivators from the list"]
        assert errors["safeguarding_note"] == ["Enter what the safeguarding concern is"]
        assert errors["wellbeing_anxiety"] == ["The answer must be a number from 0 to 10"]
        assert _nothing_written()

    def test_at_least_one_area_must_be_scored(self, person, council_worker, scale) -> None:
        errors = self._errors(
            actor=actor_for(council_worker),
            person=person,
            scale=scale,
            kind="triage",
            assessed_on=timezone.localdate(),
            scores=answers(scale, default=None),
        )
        assert errors["scores"] == ["Score at least one area"]

    def test_an_inactive_scale_is_refused(self, person, council_worker, scale) -> None:
        scale.active = False
        scale.save()
        errors = self._errors(
            actor=actor_for(council_worker),
            person=person,
            scale=scale,
            kind="triage",
            assessed_on=timezone.localdate(),
            scores=answers(scale),
        )
        assert errors["scale"] == ["This assessment scale is no longer in use"]


class TestWhoMayAssess:
    """SEC-18: the policy holds in the service, and a refusal writes nothing."""

    def test_a_partner_with_no_basis_gets_a_404_and_nothing_is_written(
        self, person, jcp_coach, scale
    ) -> None:
        before = AuditEvent.objects.count()
        with pytest.raises(Http404):
            assess(jcp_coach, person, scale)
        assert _nothing_written()
        assert AuditEvent.objects.count() == before

    @pytest.mark.parametrize(
        "role", [Role.INFORMATION_GOVERNANCE, Role.PERFORMANCE_ANALYST, Role.DATA_OFFICER]
    )
    def test_roles_that_do_not_assess_are_refused(self, person, council, scale, role) -> None:  # type: ignore[no-untyped-def]
        user = UserFactory(organisation=council, roles=[role])
        with pytest.raises(PermissionDenied):
            assess(user, person, scale)
        assert _nothing_written()

    def test_a_partner_with_consent_for_identity_may_assess_and_holds_it(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        assessment = assess(cab_adviser, person, scale)
        assert assessment.organisation_id == cab.pk
        assert AuditEvent.objects.latest("sequence").basis == "consent"

    def test_audit_failure_writes_nothing(self, person, council_worker, scale) -> None:
        """SEC-21: fail closed."""
        with (
            mock.patch(
                "joinedup.assessments.services.record_event", side_effect=AuditWriteError("down")
            ),
            pytest.raises(AuditWriteError),
        ):
            assess(council_worker, person, scale)
        assert _nothing_written()


class TestOverridingTheRating:
    def test_an_override_needs_a_reason_and_is_audited(self, person, council_worker, scale) -> None:
        assess(council_worker, person, scale, default=8)
        actor = actor_for(council_worker)
        with pytest.raises(ValidationError) as caught:
            services.override_rating(actor=actor, person=person, rating="R", reason="  ")
        assert caught.value.message_dict["reason"] == ["Enter why you are changing the rating"]
        with pytest.raises(ValidationError) as caught:
            services.override_rating(actor=actor, person=person, rating="G", reason="Same")
        assert "already Green" in caught.value.message_dict["rating"][0]
        assert ComplexityRating.objects.count() == 1

        override = services.override_rating(
            actor=actor, person=person, rating="R", reason="Eviction hearing next week."
        )
        assert override.is_override and override.rating == "R"
        assert override.override_reason == "Eviction hearing next week."
        assert override.explanation == (
            "Red: set by Kirsty Walker, Northvale Borough Council, instead of Green."
        )
        event = AuditEvent.objects.latest("sequence")
        assert event.action == "update" and event.person_id == person.pk
        assert event.detail["override"] is True and event.detail["rating"] == str(override.pk)
        assert "Eviction" not in str(event.detail)

    def test_there_must_be_a_rating_to_override(self, person, council_worker) -> None:
        with pytest.raises(ValidationError) as caught:
            services.override_rating(
                actor=actor_for(council_worker), person=person, rating="R", reason="Worried"
            )
        assert caught.value.message_dict["rating"] == [
            "Record an assessment before you change the rating"
        ]

    def test_a_partner_without_a_basis_cannot_override(
        self, person, council_worker, jcp_coach, scale
    ) -> None:
        assess(council_worker, person, scale)
        with pytest.raises(Http404):
            services.override_rating(
                actor=actor_for(jcp_coach), person=person, rating="R", reason="Because"
            )
        assert ComplexityRating.objects.count() == 1
