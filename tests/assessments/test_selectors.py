"""Reading assessments: each viewer sees only the areas whose category they may see, the
rating explains itself without naming hidden areas, every read is audited, and the number of
queries does not grow with the record (F6, rules 1-4, SEC-20)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.assessments import selectors, services
from joinedup.audit.models import AuditEvent
from joinedup.sharing.categories import FAMILY, IDENTITY, MENTAL_HEALTH, MONEY_DEBT, SAFEGUARDING

from ..conftest import actor_for
from .conftest import assess, consent_for

pytestmark = pytest.mark.django_db


def _red_assessment(user, person, scale, **kwargs):  # type: ignore[no-untyped-def]
    """Red: housing, money and debt, drugs and alcohol, offending (4 complex issues)."""
    return assess(
        user,
        person,
        scale,
        default=7,
        areas={"housing": 2, "money_debt": 3, "drugs_alcohol": 1, "offending": (6, True)},
        motivators="Wants to drive again",
        motivator_tags=["independence"],
        barriers="No childcare",
        **kwargs,
    )


class TestAreasAreHiddenByCategory:
    def test_the_holder_sees_every_area(self, person, council_worker, scale) -> None:
        assessment = _red_assessment(council_worker, person, scale)
        view = selectors.assessment_detail(
            actor=actor_for(council_worker), assessment_id=assessment.pk
        )
        assert len(view.areas) == 11 and view.hidden_area_count == 0
        assert view.rating is not None and view.rating.rating == "R"
        assert view.rating.explanation == (
            "Red: 4 complex issues: money and debt, housing, drugs and alcohol, offending."
        )
        assert view.motivators == "Wants to drive again"
        assert view.motivator_tags == ["Being independent"]
        assert view.barriers == "No childcare"
        assert view.safeguarding_shown

    def test_a_partner_with_consent_for_money_and_debt_sees_only_that_score(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        assessment = _red_assessment(council_worker, person, scale)
        view = selectors.assessment_detail(
            actor=actor_for(cab_adviser), assessment_id=assessment.pk
        )
        assert [(a.code, a.score) for a in view.areas] == [("money_debt", 3)]
        assert view.hidden_area_count == 10
        # The rating is shown (it reveals only a count); hidden areas are counted, not named.
        assert view.rating is not None and view.rating.rating == "R"
        assert view.rating.explanation == (
            "Red: 4 complex issues: money and debt, and 3 other areas."
        )
        assert view.motivators is None and view.motivator_tags is None
        assert view.barriers is None and not view.safeguarding_shown
        event = AuditEvent.objects.latest("sequence")
        assert event.action == "view" and event.basis == "consent"
        assert event.categories == [IDENTITY, MONEY_DEBT]
        assert event.detail["areas_shown"] == 1 and event.detail["areas_hidden"] == 10

    def test_mental_health_consent_shows_both_areas_that_carry_it(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MENTAL_HEALTH, FAMILY)
        assessment = _red_assessment(
            council_worker, person, scale, wellbeing={"life_satisfaction": 3}
        )
        view = selectors.assessment_detail(
            actor=actor_for(cab_adviser), assessment_id=assessment.pk
        )
        assert {a.code for a in view.areas} == {
            "mental_wellbeing",
            "confidence_motivation",
            "family_relationships",
            "practical_barriers",
        }
        assert view.motivators == "Wants to drive again" and view.barriers == "No childcare"
        assert view.wellbeing is not None and view.wellbeing[0].answer == 3
        assert set(AuditEvent.objects.latest("sequence").categories) == {
            IDENTITY,
            MENTAL_HEALTH,
            FAMILY,
        }

    def test_safeguarding_is_not_named_to_those_who_may_not_see_it(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        assessment = assess(
            council_worker,
            person,
            scale,
            default=8,
            safeguarding_concern=True,
            safeguarding_note="Threats from an ex-partner",
        )
        partner = selectors.assessment_detail(
            actor=actor_for(cab_adviser), assessment_id=assessment.pk
        )
        assert partner.rating is not None and partner.rating.rating == "A"
        assert "safeguarding" not in partner.rating.explanation.lower()
        assert partner.safeguarding_note == "" and not partner.safeguarding_concern
        holder = selectors.assessment_detail(
            actor=actor_for(council_worker), assessment_id=assessment.pk
        )
        assert holder.rating is not None
        assert "A safeguarding concern" in holder.rating.explanation
        assert holder.safeguarding_note == "Threats from an ex-partner"
        assert SAFEGUARDING in AuditEvent.objects.latest("sequence").categories

    def test_no_basis_is_a_404(self, person, council_worker, jcp_coach, scale) -> None:
        assessment = _red_assessment(council_worker, person, scale)
        before = AuditEvent.objects.count()
        with pytest.raises(Http404):
            selectors.assessment_detail(actor=actor_for(jcp_coach), assessment_id=assessment.pk)
        with pytest.raises(Http404):
            selectors.rating_history(actor=actor_for(jcp_coach), person=person)
        with pytest.raises(Http404):
            selectors.assessment_detail(actor=actor_for(council_worker), assessment_id="nope")
        assert AuditEvent.objects.count() == before

    def test_an_assessment_held_elsewhere_needs_a_basis_for_its_holder(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        """The council registered the person; Citizens Advice assessed with consent. The
        council sees Citizens Advice's assessment only if the person agreed to share with it."""
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        cab_assessment = assess(cab_adviser, person, scale)
        with pytest.raises(Http404):
            selectors.assessment_detail(
                actor=actor_for(council_worker), assessment_id=cab_assessment.pk
            )
        history = selectors.rating_history(actor=actor_for(council_worker), person=person)
        assert history.assessments == [] and history.current is None
        assert history.hidden_count == 2  # the assessment and its rating


class TestDistanceAndHistory:
    def test_change_since_the_previous_assessment(self, person, council_worker, scale) -> None:
        today = timezone.localdate()
        first = assess(
            council_worker,
            person,
            scale,
            assessed_on=today - timedelta(days=90),
            areas={"housing": 2, "money_debt": 5},
        )
        second = assess(
            council_worker,
            person,
            scale,
            kind="review",
            assessed_on=today,
            areas={"housing": 6, "money_debt": 4, "offending": None},
        )
        view = selectors.assessment_detail(actor=actor_for(council_worker), assessment_id=second.pk)
        change = {a.code: a.change for a in view.areas}
        assert change["housing"] == 4 and change["money_debt"] == -1
        assert change["work_skills"] == 0 and change["offending"] is None
        assert view.previous_id == first.pk
        latest = selectors.latest_assessment(actor=actor_for(council_worker), person=person)
        assert latest is not None and latest.id == second.pk

    def test_rating_history_lists_ratings_and_overrides_newest_first(
        self, person, council_worker, scale
    ) -> None:
        assess(council_worker, person, scale, default=8)
        services.override_rating(
            actor=actor_for(council_worker), person=person, rating="A", reason="Court date soon"
        )
        history = selectors.rating_history(actor=actor_for(council_worker), person=person)
        assert [r.rating for r in history.ratings] == ["A", "G"]
        assert history.current is not None and history.current.is_override
        assert history.current.override_reason == "Court date soon"
        assert len(history.assessments) == 1
        assert history.assessments[0].rating is not None
        assert history.assessments[0].rating.rating == "G"
        event = AuditEvent.objects.latest("sequence")
        assert event.detail["page"] == "complexity ratings" and event.categories == [IDENTITY]

    def test_latest_assessment_is_none_before_any(self, person, council_worker) -> None:
        assert selectors.latest_assessment(actor=actor_for(council_worker), person=person) is None


class TestTellYourStoryOnce:
    def test_prefill_uses_the_newest_score_the_actor_may_see(
        self, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        today = timezone.localdate()
        assess(
            council_worker,
            person,
            scale,
            assessed_on=today - timedelta(days=60),
            areas={"money_debt": (2, True), "housing": 3, "offending": None},
            motivators="Family",
            barriers="Transport",
        )
        assess(
            council_worker,
            person,
            scale,
            kind="review",
            assessed_on=today - timedelta(days=10),
            areas={"money_debt": None, "housing": 5, "offending": None},
        )
        partner = selectors.prefill_from_latest(actor=actor_for(cab_adviser), person=person)
        assert partner.scores == {"money_debt": (2, True)}  # the newest scored; nothing else
        assert partner.motivators == "" and partner.barriers == ""
        assert partner.has_previous
        event = AuditEvent.objects.latest("sequence")
        assert event.categories == [MONEY_DEBT] and event.basis == "consent"

        holder = selectors.prefill_from_latest(actor=actor_for(council_worker), person=person)
        assert holder.scores["housing"] == (5, False)
        assert holder.scores["money_debt"] == (2, True)
        assert "offending" not in holder.scores
        assert holder.motivators == "Family" and holder.barriers == "Transport"
        assert len(holder.sources) == 2

    def test_nothing_to_prefill_writes_no_audit(self, person, council_worker) -> None:
        before = AuditEvent.objects.count()
        prefill = selectors.prefill_from_latest(actor=actor_for(council_worker), person=person)
        assert prefill.scores == {} and not prefill.has_previous
        assert AuditEvent.objects.count() == before


class TestQueriesDoNotGrow:
    def _count(self, call) -> int:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    def test_detail_history_and_prefill_use_a_fixed_number_of_queries(
        self, person, council_worker, cab, cab_adviser, scale, django_assert_max_num_queries
    ) -> None:
        consent_for(person, council_worker, cab, IDENTITY, MONEY_DEBT)
        actor = actor_for(cab_adviser)
        today = timezone.localdate()
        first = assess(council_worker, person, scale, assessed_on=today - timedelta(days=400))
        assess(council_worker, person, scale, assessed_on=today - timedelta(days=350))
        services.override_rating(
            actor=actor_for(council_worker), person=person, rating="R", reason="Worried"
        )
        calls = {
            "detail": lambda: selectors.assessment_detail(actor=actor, assessment_id=first.pk),
            "history": lambda: selectors.rating_history(actor=actor, person=person),
            "prefill": lambda: selectors.prefill_from_latest(actor=actor, person=person),
            "latest": lambda: selectors.latest_assessment(actor=actor, person=person),
        }
        small = {name: self._count(call) for name, call in calls.items()}
        for n in range(6):
            latest = assess(
                council_worker,
                person,
                scale,
                kind="review",
                assessed_on=today - timedelta(days=300 - n * 40),
                safeguarding_concern=n % 2 == 0,
                safeguarding_note="Concern",
                wellbeing={"happiness": n},
            )
        calls["detail"] = lambda: selectors.assessment_detail(actor=actor, assessment_id=latest.pk)
        large = {name: self._count(call) for name, call in calls.items()}
        assert large == small
        with django_assert_max_num_queries(16):
            selectors.assessment_detail(actor=actor, assessment_id=latest.pk)
