"""Recording and verifying outcomes: each kind's rules, job sustained, who may record and
verify, and the audit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.cases.services import open_case
from joinedup.outcomes import services
from joinedup.outcomes.models import Outcome
from joinedup.sharing.categories import (
    DRUGS_ALCOHOL,
    HOUSING,
    IDENTITY,
    MENTAL_HEALTH,
    MONEY_DEBT,
    WORK_SKILLS,
)

from ..conftest import actor_for
from ..factories import UserFactory
from .conftest import consent_for, record

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "job_start": WORK_SKILLS,
    "job_sustained": WORK_SKILLS,
    "training_started": WORK_SKILLS,
    "training_completed": WORK_SKILLS,
    "qualification": WORK_SKILLS,
    "volunteering": WORK_SKILLS,
    "debt_reduced": MONEY_DEBT,
    "income_gained": MONEY_DEBT,
    "housing_secured": HOUSING,
    "tenancy_sustained": HOUSING,
    "treatment_started": DRUGS_ALCOHOL,
    "treatment_completed": DRUGS_ALCOHOL,
    "wellbeing_change": MENTAL_HEALTH,
}
REQUIRED = {
    "job_start": {"employer", "role", "hours_per_week"},
    "job_sustained": {"job_start", "weeks"},
    "training_started": {"course", "provider"},
    "training_completed": {"course", "provider"},
    "qualification": {"qualification_level", "subject"},
    "volunteering": {"employer", "role"},
    "debt_reduced": {"debt_before", "debt_after", "debt_how"},
    "income_gained": {"income_gained_per_year", "description"},
    "housing_secured": {"description"},
    "tenancy_sustained": {"description"},
    "treatment_started": {"provider"},
    "treatment_completed": {"provider"},
    "wellbeing_change": {"description"},
}


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {name: messages[0] for name, messages in excinfo.value.message_dict.items()}


def job_start_long_ago(user, case, weeks_ago: int = 60) -> Outcome:  # type: ignore[no-untyped-def]
    """A job start recorded as if the case and the job began ``weeks_ago`` weeks ago."""
    started = timezone.localdate() - timedelta(weeks=weeks_ago)
    type(case).objects.filter(pk=case.pk).update(opened_on=started)
    case.refresh_from_db()
    return record(user, case, "job_start", achieved_on=started)


class TestEachKind:
    def test_the_kinds_and_their_categories_are_the_ones_asked_for(self) -> None:
        assert set(Outcome.Kind.values) == set(CATEGORIES) == set(services.KIND_FIELDS)
        assert Outcome.KIND_CATEGORIES == CATEGORIES

    @pytest.mark.parametrize("kind", sorted(CATEGORIES))
    def test_a_valid_outcome_is_recorded_with_its_category_and_audited(
        self, kind, case, council, council_worker
    ) -> None:
        extra = {}
        if kind == "job_sustained":
            extra["job_start"] = job_start_long_ago(council_worker, case)
        outcome = record(council_worker, case, kind, **extra)
        assert outcome.kind == kind and outcome.category == CATEGORIES[kind]
        assert outcome.organisation == council and outcome.person_id == case.person_id
        assert outcome.case.outcomes.filter(pk=outcome.pk).exists()
        assert outcome.verification == Outcome.Verification.UNVERIFIED
        assert outcome.created_by == council_worker
        event = AuditEvent.objects.filter(action="create", detail__outcome=str(outcome.pk)).get()
        assert event.categories == [CATEGORIES[kind]] and event.basis == "own_organisation"
        assert event.person_id == case.person_id and event.detail["kind"] == kind
        assert outcome.summary  # something to show in lists and on the timeline

    @pytest.mark.parametrize("kind", sorted(CATEGORIES))
    def test_each_kind_names_every_missing_field(self, kind, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            services.record_outcome(actor=actor_for(council_worker), case=case, kind=kind)
        assert set(errors_of(excinfo)) == REQUIRED[kind] | {"achieved_on"}
        assert not Outcome.objects.exists()

    def test_the_messages_name_the_fields(self, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            services.record_outcome(actor=actor_for(council_worker), case=case, kind="job_start")
        assert errors_of(excinfo) == {
            "achieved_on": "Enter the start date",
            "employer": "Enter the employer",
            "role": "Enter the job title",
            "hours_per_week": "Enter the hours a week",
        }
        with pytest.raises(ValidationError) as excinfo:
            services.record_outcome(
                actor=actor_for(council_worker), case=case, kind="job_sustained"
            )
        assert errors_of(excinfo)["job_start"] == "Select the job they stayed in"
        assert errors_of(excinfo)["weeks"] == "Select how long they have been in work"

    def test_an_unknown_kind(self, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            services.record_outcome(actor=actor_for(council_worker), case=case, kind="lottery")
        assert errors_of(excinfo) == {"kind": "Select what they achieved"}

    def test_fields_of_another_kind_are_a_programming_error(self, case, council_worker) -> None:
        with pytest.raises(TypeError, match="debt_before does not apply"):
            record(council_worker, case, "job_start", debt_before=Decimal(10))
        with pytest.raises(TypeError, match="unexpected fields: colour"):
            record(council_worker, case, "job_start", colour="blue")
        # Blank fields of other kinds are fine (a generic caller may send them all).
        assert record(council_worker, case, "job_start", debt_before=None, course="")

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"hours_per_week": Decimal(0)}, "hours_per_week", "Hours a week must be more than 0"),
            ({"hours_per_week": "lots"}, "hours_per_week", "Hours a week must be a number"),
            ({"hours_per_week": "101"}, "hours_per_week", "Hours a week must be 100 or less"),
            (
                {"hours_per_week": "16.25"},
                "hours_per_week",
                "Hours a week must have no more than one decimal place, like 37.5",
            ),
            ({"pay": Decimal("-1")}, "pay", "Hourly pay must be £0 or more"),
            ({"pay": "12.345"}, "pay", "Hourly pay must be in pounds and pence, like 12.50"),
            ({"pay": "twelve"}, "pay", "Hourly pay must be a number, like 12.50"),
            ({"contract_type": "casual"}, "contract_type", "Select the type of contract"),
            ({"employer": "x" * 201}, "employer", "Employer must be 200 characters or fewer"),
            ({"evidence": "x" * 501}, "evidence", "Evidence must be 500 characters or fewer"),
        ],
    )
    def test_job_start_rules(self, changes, field, message, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "job_start", **changes)
        assert errors_of(excinfo) == {field: message}

    def test_pay_may_be_typed_with_a_pound_sign_and_is_optional(self, case, council_worker) -> None:
        outcome = record(council_worker, case, "job_start", pay="£12.21", contract_type="")
        assert outcome.pay == Decimal("12.21") and outcome.contract_type == ""
        assert record(council_worker, case, "job_start", pay=None).pay is None

    def test_the_date_is_not_in_the_future_nor_before_the_case(self, case, council_worker) -> None:
        today = timezone.localdate()
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "job_start", achieved_on=today + timedelta(days=1))
        assert errors_of(excinfo) == {"achieved_on": "Start date must be today or in the past"}
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "training_started", achieved_on=today - timedelta(days=1))
        assert errors_of(excinfo)["achieved_on"].startswith(
            "Start date must be on or after the day the case opened"
        )

    @pytest.mark.parametrize(
        ("before", "after", "errors"),
        [
            ("100", "100", {"debt_after": "Debt now must be less than the debt before"}),
            ("100", "150", {"debt_after": "Debt now must be less than the debt before"}),
            ("100", "-1", {"debt_after": "Debt now must be £0 or more"}),
            ("0", "0", {"debt_before": "Debt before must be more than £0"}),
        ],
    )
    def test_debt_reduced_needs_before_more_than_after_at_least_nothing(
        self, before, after, errors, case, council_worker
    ) -> None:
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "debt_reduced", debt_before=before, debt_after=after)
        assert errors_of(excinfo) == errors

    def test_a_debt_cleared_in_full(self, case, council_worker) -> None:
        outcome = record(council_worker, case, "debt_reduced", debt_before="1,250", debt_after="0")
        assert (outcome.debt_before, outcome.debt_after) == (Decimal(1250), Decimal(0))
        assert outcome.summary == "Debt down from £1,250 to £0"

    @pytest.mark.parametrize("amount", ["0", "-5"])
    def test_income_gained_must_be_more_than_nothing(self, amount, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "income_gained", income_gained_per_year=amount)
        assert errors_of(excinfo) == {
            "income_gained_per_year": "Income gained a year must be more than £0"
        }

    def test_a_qualification_level_must_be_one_of_the_levels(self, case, council_worker) -> None:
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "qualification", qualification_level="9")
        assert errors_of(excinfo) == {
            "qualification_level": "Select the level of the qualification"
        }
        assert record(council_worker, case, "qualification", qualification_level="entry")


class TestJobSustained:
    def test_it_needs_a_job_start_of_this_case(
        self, case, council_worker, programme, cab_adviser
    ) -> None:
        from joinedup.people.services import register_person

        other_person = register_person(
            actor=actor_for(council_worker), values={"given_name": "Sam", "family_name": "Reed"}
        )
        other_case = open_case(
            actor=actor_for(council_worker),
            person=other_person,
            programme=programme,
            key_worker=council_worker,
        )
        theirs = job_start_long_ago(council_worker, other_case)
        job_start_long_ago(council_worker, case)
        training = record(council_worker, case, "training_started")
        for wrong in (theirs, training, "not an outcome"):
            with pytest.raises(ValidationError) as excinfo:
                record(council_worker, case, "job_sustained", job_start=wrong)
            assert errors_of(excinfo) == {"job_start": "Select one of this case's job starts"}

    @pytest.mark.parametrize("weeks", [0, 12, 14, 104, "thirteen"])
    def test_weeks_are_13_26_or_52(self, weeks, case, council_worker) -> None:
        job = job_start_long_ago(council_worker, case)
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "job_sustained", job_start=job, weeks=weeks)
        assert errors_of(excinfo) == {"weeks": "Select 13, 26 or 52 weeks"}

    @pytest.mark.parametrize("weeks", [13, 26, 52])
    def test_it_is_achieved_no_sooner_than_the_weeks_after_the_job_started(
        self, weeks, case, council_worker
    ) -> None:
        job = job_start_long_ago(council_worker, case)
        due = job.achieved_on + timedelta(weeks=weeks)
        with pytest.raises(ValidationError) as excinfo:
            record(
                council_worker,
                case,
                "job_sustained",
                job_start=job,
                weeks=weeks,
                achieved_on=due - timedelta(days=1),
            )
        assert errors_of(excinfo) == {
            "achieved_on": f"Date checked must be on or after {due:%-d %B %Y}, {weeks} weeks "
            "after the job started"
        }
        sustained = record(
            council_worker, case, "job_sustained", job_start=job, weeks=weeks, achieved_on=due
        )
        assert sustained.job_start == job and sustained.weeks == weeks
        assert sustained.summary == f"Still in work at Northvale Logistics after {weeks} weeks"

    def test_it_is_recorded_once_per_job_start_and_weeks(self, case, council_worker) -> None:
        job = job_start_long_ago(council_worker, case)
        record(council_worker, case, "job_sustained", job_start=job, weeks=13)
        with pytest.raises(ValidationError) as excinfo:
            record(council_worker, case, "job_sustained", job_start=job, weeks=13)
        assert errors_of(excinfo) == {"weeks": "13 weeks in this job has already been recorded"}
        record(council_worker, case, "job_sustained", job_start=job, weeks=26)
        assert job.sustainments.count() == 2

    def test_the_database_refuses_a_second_one_too(self, case, council_worker) -> None:
        job = job_start_long_ago(council_worker, case)
        first = record(council_worker, case, "job_sustained", job_start=job, weeks=13)
        with pytest.raises(IntegrityError), transaction.atomic():
            Outcome.objects.create(
                case=case,
                person=case.person,
                organisation=first.organisation,
                kind="job_sustained",
                category=WORK_SKILLS,
                achieved_on=first.achieved_on,
                job_start=job,
                weeks=13,
            )


class TestWhoMayRecord:
    def test_a_partner_without_a_basis_is_told_there_is_no_such_case(
        self, case, cab_adviser
    ) -> None:
        with pytest.raises(Http404):
            record(cab_adviser, case, "job_start")
        assert not Outcome.objects.exists()

    def test_a_partner_with_consent_for_the_category_records_it_and_holds_it(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        consent_for(person, cab, council_worker, WORK_SKILLS)
        outcome = record(cab_adviser, case, "training_started")
        assert outcome.organisation == cab
        event = AuditEvent.objects.get(action="create", detail__outcome=str(outcome.pk))
        assert event.basis == "consent" and event.categories == [WORK_SKILLS]
        with pytest.raises(Http404):  # their consent does not cover money and debt
            record(cab_adviser, case, "debt_reduced")

    def test_staff_who_keep_no_records_may_not(self, case, council) -> None:
        from joinedup.accounts.roles import Role

        ig = UserFactory(organisation=council, roles=[Role.INFORMATION_GOVERNANCE])
        with pytest.raises(PermissionDenied):
            record(ig, case, "job_start")
        analyst = UserFactory(organisation=council, roles=[Role.PERFORMANCE_ANALYST])
        with pytest.raises(Http404):
            record(analyst, case, "job_start")


class TestVerification:
    def test_the_lead_organisation_verifies_and_it_is_audited(self, case, council_worker) -> None:
        outcome = record(council_worker, case, "job_start", evidence="")
        verified = services.verify_outcome(
            actor=actor_for(council_worker),
            outcome=outcome,
            state="verified",
            note="Payslip for March seen",
        )
        assert verified.is_verified and verified.verified_by == council_worker
        assert verified.verified_on == timezone.localdate()
        assert verified.verification_note == "Payslip for March seen"
        event = AuditEvent.objects.get(action="update", detail__outcome=str(outcome.pk))
        assert event.categories == [WORK_SKILLS] and event.detail["verification"] == "verified"
        assert event.basis == "own_organisation"

    def test_verified_needs_evidence_and_could_not_verify_needs_why(
        self, case, council_worker
    ) -> None:
        outcome = record(council_worker, case, "job_start", evidence="")
        actor = actor_for(council_worker)
        with pytest.raises(ValidationError) as excinfo:
            services.verify_outcome(actor=actor, outcome=outcome, state="verified", note=" ")
        assert errors_of(excinfo) == {"note": "Enter the evidence you saw, for example a payslip"}
        with pytest.raises(ValidationError) as excinfo:
            services.verify_outcome(actor=actor, outcome=outcome, state="could_not_verify", note="")
        assert errors_of(excinfo) == {"note": "Enter why the outcome could not be verified"}
        with pytest.raises(ValidationError) as excinfo:
            services.verify_outcome(actor=actor, outcome=outcome, state="unverified", note="x")
        assert errors_of(excinfo) == {"state": "Select whether you could verify the outcome"}
        outcome.refresh_from_db()
        assert outcome.verification == "unverified" and outcome.verified_by is None
        assert not AuditEvent.objects.filter(action="update").exists()
        # Evidence recorded with the outcome is enough to verify it.
        with_evidence = record(council_worker, case, "job_start", evidence="Payslip seen")
        assert services.verify_outcome(
            actor=actor, outcome=with_evidence, state="verified", note=""
        ).is_verified
        failed = services.verify_outcome(
            actor=actor, outcome=outcome, state="could_not_verify", note="Employer did not reply"
        )
        assert failed.verification == "could_not_verify" and failed.verified_by == council_worker

    def test_only_the_lead_organisation_may_verify(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        consent_for(person, cab, council_worker, WORK_SKILLS)
        outcome = record(council_worker, case, "job_start")
        with pytest.raises(Http404):
            services.verify_outcome(
                actor=actor_for(cab_adviser), outcome=outcome, state="verified", note="Seen"
            )

    def test_the_lead_may_not_verify_what_it_may_not_see(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        """An outcome the partner holds, in a category the lead has no basis for."""
        consent_for(person, cab, council_worker, DRUGS_ALCOHOL, IDENTITY)
        outcome = record(cab_adviser, case, "treatment_started")
        with pytest.raises(Http404):
            services.verify_outcome(
                actor=actor_for(council_worker), outcome=outcome, state="verified", note="Seen"
            )
