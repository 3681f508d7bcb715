"""Reading outcomes: who sees which (by category and holder), the case for the outcome pages,
the timeline, and the sustainment checks falling due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.cases.models import Case
from joinedup.cases.services import open_case
from joinedup.outcomes import selectors
from joinedup.outcomes.models import Outcome
from joinedup.people.selectors import person_timeline
from joinedup.people.services import register_person
from joinedup.sharing.categories import IDENTITY, MONEY_DEBT, WORK_SKILLS
from joinedup.sharing.services import withdraw_consent

from ..conftest import actor_for
from ..factories import UserFactory
from .conftest import consent_for, record

pytestmark = pytest.mark.django_db


class TestOutcomesForCase:
    def test_the_lead_sees_them_all_with_one_audit_event(self, case, council_worker) -> None:
        job = record(council_worker, case, "job_start")
        debt = record(council_worker, case, "debt_reduced")
        before = AuditEvent.objects.count()
        shown = selectors.outcomes_for_case(actor=actor_for(council_worker), case=case)
        assert {o.pk for o in shown} == {job.pk, debt.pk}
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None and event.action == "view"
        assert event.categories == [MONEY_DEBT, WORK_SKILLS]
        assert event.detail == {"page": "case outcomes", "case": case.reference, "outcomes": 2}

    def test_a_partner_without_consent_for_work_sees_no_job_start(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        record(council_worker, case, "job_start")
        record(council_worker, case, "debt_reduced")
        consent_for(person, cab, council_worker, IDENTITY, MONEY_DEBT)
        shown = selectors.outcomes_for_case(actor=actor_for(cab_adviser), case=case)
        assert [o.kind for o in shown] == ["debt_reduced"]
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None and event.categories == [MONEY_DEBT]
        assert event.basis == "consent"

    def test_nothing_for_a_partner_with_no_basis(self, case, cab_adviser, council_worker) -> None:
        record(council_worker, case, "job_start")
        assert selectors.outcomes_for_case(actor=actor_for(cab_adviser), case=case) == []

    def test_a_sustainment_does_not_name_a_job_start_the_viewer_may_not_see(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        """The partner recorded the check on the council's job start, then the person withdrew
        their consent: the partner still sees its own record, but not where the job is."""
        consent = consent_for(person, cab, council_worker, WORK_SKILLS)
        started = timezone.localdate() - timedelta(weeks=14)
        Case.objects.filter(pk=case.pk).update(opened_on=started)
        case.refresh_from_db()
        job = record(council_worker, case, "job_start", achieved_on=started)
        record(cab_adviser, case, "job_sustained", job_start=job, weeks=13)
        before = selectors.outcomes_for_case(actor=actor_for(cab_adviser), case=case)
        sustained = next(o for o in before if o.kind == "job_sustained")
        assert sustained.summary == "Still in work at Northvale Logistics after 13 weeks"

        withdraw_consent(actor=actor_for(council_worker), consent=consent, reason="Asked us to")
        (shown,) = selectors.outcomes_for_case(actor=actor_for(cab_adviser), case=case)
        assert shown.kind == "job_sustained" and shown.job_start is None
        assert shown.summary == "Still in work after 13 weeks"
        # The council has no basis for the cab's record; it sees its own job start.
        (own,) = selectors.outcomes_for_case(actor=actor_for(council_worker), case=case)
        assert own.kind == "job_start"

    def test_the_job_starts_offered_for_a_check_are_those_the_actor_may_see(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        consent_for(person, cab, council_worker, WORK_SKILLS)
        theirs = record(cab_adviser, case, "job_start")
        ours = record(council_worker, case, "job_start")
        record(council_worker, case, "training_started")
        offered = selectors.job_starts_for_case(actor=actor_for(council_worker), case=case)
        assert offered == [ours]  # the council has no basis for the cab's record
        with pytest.raises(ValidationError, match="Select one of this case's job starts"):
            record(council_worker, case, "job_sustained", job_start=theirs)
        both = selectors.job_starts_for_case(actor=actor_for(cab_adviser), case=case)
        assert {o.pk for o in both} == {theirs.pk, ours.pk}


class TestCaseForOutcomes:
    def test_the_lead_gets_the_case_and_the_look_is_audited(self, case, council_worker) -> None:
        found = selectors.case_for_outcomes(actor=actor_for(council_worker), case_id=case.pk)
        assert found == case
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None and event.action == "view" and event.categories == [IDENTITY]
        assert event.detail == {"page": "case outcomes", "case": case.reference}

    def test_another_organisation_gets_a_404_even_with_consent(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        consent_for(person, cab, council_worker, IDENTITY, WORK_SKILLS)
        with pytest.raises(Http404):
            selectors.case_for_outcomes(actor=actor_for(cab_adviser), case_id=case.pk)

    def test_outcome_for_verification_is_the_leads_only(
        self, case, cab_adviser, council_worker
    ) -> None:
        outcome = record(council_worker, case, "wellbeing_change")
        found = selectors.outcome_for_verification(
            actor=actor_for(council_worker), outcome_id=outcome.pk
        )
        assert found == outcome
        with pytest.raises(Http404):
            selectors.outcome_for_verification(actor=actor_for(cab_adviser), outcome_id=outcome.pk)


class TestTimeline:
    def test_outcomes_show_on_the_timeline_by_category_and_holder(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        record(council_worker, case, "job_start")
        record(council_worker, case, "housing_secured")
        _, _, entries, _ = person_timeline(actor=actor_for(council_worker), person_id=person.pk)
        mine = [e for e in entries if e.kind == "outcome"]
        assert {e.category for e in mine} == {WORK_SKILLS, "housing"}
        job = next(e for e in mine if e.category == WORK_SKILLS)
        assert (
            job.title
            == f"Started a job (case {case.reference}), recorded by Northvale Borough Council"
        )
        assert "Warehouse operative at Northvale Logistics" in job.detail
        assert job.holder_name == "Northvale Borough Council"

        consent_for(person, cab, council_worker, IDENTITY)
        _, _, entries, hidden = person_timeline(actor=actor_for(cab_adviser), person_id=person.pk)
        assert not [e for e in entries if e.kind == "outcome"] and hidden >= 2


# ----------------------------------------------------------------------------- sustainment


def _job_start_on(day: str, *, worker, case) -> Outcome:  # type: ignore[no-untyped-def]
    """Open-dated: the case and the job start both on ``day``."""
    with time_machine.travel(day, tick=False):
        Case.objects.filter(pk=case.pk).update(opened_on=date.fromisoformat(day))
        case.refresh_from_db()
        return record(worker, case, "job_start", achieved_on=date.fromisoformat(day))


def _checks(user, today: str) -> list[selectors.SustainmentCheck]:  # type: ignore[no-untyped-def]
    with time_machine.travel(today, tick=False):
        return selectors.sustainment_checks_due(
            actor=actor_for(user), today=date.fromisoformat(today)
        )


class TestSustainmentChecks:
    def test_thirteen_weeks_after_a_job_start_the_check_is_due_until_recorded(
        self, case, person, council_worker
    ) -> None:
        job = _job_start_on("2026-11-02", worker=council_worker, case=case)
        assert _checks(council_worker, "2027-01-17") == []  # 15 days before: not yet
        (soon,) = _checks(council_worker, "2027-01-18")  # 14 days before
        assert soon.due_on == date(2027, 2, 1) and not soon.overdue
        with time_machine.travel("2027-02-01", tick=False):
            (due,) = selectors.sustainment_checks_due(
                actor=actor_for(council_worker), today=date(2027, 2, 1)
            )
        assert due == selectors.SustainmentCheck(
            case_reference=case.reference,
            case_id=case.pk,
            person_name="Jordan Ellis",
            employer="Northvale Logistics",
            weeks=13,
            due_on=date(2027, 2, 1),
            overdue=False,
            job_start_id=job.pk,
        )
        (late,) = _checks(council_worker, "2027-02-02")
        assert late.overdue
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None and event.action == "view" and event.person_id == person.pk
        assert event.categories == [IDENTITY, WORK_SKILLS]
        assert event.detail == {"page": "sustainment checks due", "cases": [case.reference]}

        with time_machine.travel("2027-02-02", tick=False):
            record(
                council_worker,
                case,
                "job_sustained",
                job_start=job,
                weeks=13,
                achieved_on=date(2027, 2, 2),
            )
        assert _checks(council_worker, "2027-02-02") == []
        (next_one,) = _checks(council_worker, "2027-04-25")
        assert (next_one.weeks, next_one.due_on) == (26, date(2027, 5, 3))

    def test_every_missed_check_is_listed_until_a_later_one_is_recorded(
        self, case, council_worker
    ) -> None:
        job = _job_start_on("2026-01-05", worker=council_worker, case=case)
        checks = _checks(council_worker, "2027-01-10")
        assert [(c.weeks, c.overdue) for c in checks] == [(13, True), (26, True), (52, True)]
        with time_machine.travel("2027-01-10", tick=False):
            record(
                council_worker,
                case,
                "job_sustained",
                job_start=job,
                weeks=52,
                achieved_on=date(2027, 1, 8),
            )
        assert _checks(council_worker, "2027-01-10") == []

    def test_only_the_key_workers_own_active_cases(self, case, council, council_worker) -> None:
        _job_start_on("2026-11-02", worker=council_worker, case=case)
        colleague = UserFactory(organisation=council, full_name="Priya Shah")
        assert _checks(colleague, "2027-02-01") == []
        assert not AuditEvent.objects.filter(detail__page="sustainment checks due").exists()
        for status in ("paused", "reopened"):
            Case.objects.filter(pk=case.pk).update(status=status)
            assert len(_checks(council_worker, "2027-02-01")) == 1
        Case.objects.filter(pk=case.pk).update(status="closed", closure_reason="disengaged")
        assert _checks(council_worker, "2027-02-01") == []
        # Closed because they moved into work: the checks go on (the usual reason to close).
        Case.objects.filter(pk=case.pk).update(status="closed", closure_reason="employment")
        assert len(_checks(council_worker, "2027-02-01")) == 1

    def test_the_number_of_queries_does_not_grow_with_the_caseload(
        self, case, council, council_worker, programme
    ) -> None:
        _job_start_on("2026-11-02", worker=council_worker, case=case)
        with CaptureQueriesContext(connection) as one:
            assert len(_checks(council_worker, "2027-02-01")) == 1
        for n in range(9):
            other = register_person(
                actor=actor_for(council_worker),
                values={"given_name": f"Person{n}", "family_name": "Testcase"},
            )
            with time_machine.travel("2026-11-02", tick=False):
                other_case = open_case(
                    actor=actor_for(council_worker),
                    person=other,
                    programme=programme,
                    key_worker=council_worker,
                )
            _job_start_on("2026-11-02", worker=council_worker, case=other_case)
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as ten:
            assert len(_checks(council_worker, "2027-02-01")) == 10
        assert len(ten) == len(one)
        assert AuditEvent.objects.count() == before + 10  # one per person shown

    def test_a_job_start_held_where_the_key_worker_has_no_basis_is_not_listed(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        with time_machine.travel("2026-11-02", tick=False):
            consent_for(person, cab, council_worker, WORK_SKILLS)
            Case.objects.filter(pk=case.pk).update(opened_on=date(2026, 11, 2))
            case.refresh_from_db()
            record(cab_adviser, case, "job_start", achieved_on=date(2026, 11, 2))
        assert _checks(council_worker, "2027-02-01") == []
        assert Outcome.objects.filter(kind="job_start").count() == 1


class TestMyWorkWithSustainmentChecks:
    def test_one_audit_batch_names_work_and_skills_for_the_check_and_identity_for_the_rest(
        self, case, person, council_worker
    ) -> None:
        """My work decides access once and writes one audit batch: the person with a check
        due is audited once, with work and skills; referrals waiting are only counted (the
        inbox shows them), so the people referred are not audited as looked at."""
        from joinedup.cases.selectors import my_work
        from joinedup.cases.services import add_action

        _job_start_on("2026-11-02", worker=council_worker, case=case)
        someone = register_person(
            actor=actor_for(council_worker), values={"given_name": "Ola", "family_name": "Ade"}
        )
        with time_machine.travel("2027-02-01", tick=False):
            other = open_case(
                actor=actor_for(council_worker),
                person=someone,
                programme=case.programme,
                key_worker=council_worker,
            )
            add_action(
                actor=actor_for(council_worker),
                case=other,
                description="Bring the CV",
                owner_organisation=other.organisation,
                owner=council_worker,
                due_on=date(2027, 2, 3),
                need_area="work_skills",
            )
            before = AuditEvent.objects.order_by("-sequence").first()
            with CaptureQueriesContext(connection) as queries:
                work = my_work(
                    actor=actor_for(council_worker),
                    today=date(2027, 2, 1),
                    sustainment=selectors.sustainment_checks_to_audit,
                )
        assert [c.weeks for c in work.sustainment_checks] == [13]
        assert [a.description for a in work.actions_due] == ["Bring the CV"]
        inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "audit_auditevent"')]
        assert len(inserts) == 1
        assert before is not None
        written = list(AuditEvent.objects.filter(sequence__gt=before.sequence))
        events = {e.person_id: e for e in written}
        assert len(written) == 2 and set(events) == {person.pk, someone.pk}
        assert events[person.pk].categories == [IDENTITY, WORK_SKILLS]
        assert events[person.pk].detail == {"page": "my work", "cases": [case.reference]}
        assert events[someone.pk].categories == [IDENTITY]
        assert events[someone.pk].detail == {"page": "my work"}
