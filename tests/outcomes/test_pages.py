"""Outcome pages through Django's test client: choosing the kind, recording it, verifying it,
the sustainment checks list; bad input; and who may reach each page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.audit.models import AuditEvent
from joinedup.cases.models import Case
from joinedup.outcomes.models import Outcome
from joinedup.sharing.categories import IDENTITY, WORK_SKILLS

from ..conftest import client_for
from ..factories import UserFactory
from .conftest import consent_for, record

pytestmark = pytest.mark.django_db


def date_post(value: date, name: str = "achieved_on") -> dict[str, str]:
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def job_start_post(**changes: Any) -> dict[str, Any]:
    data = {
        **date_post(timezone.localdate()),
        "employer": "Northvale Logistics",
        "role": "Warehouse operative",
        "hours_per_week": "37.5",
        "pay": "£12.21",
        "contract_type": "permanent",
        "evidence": "Contract seen",
    }
    data.update(changes)
    return data


def case_location(case: Case) -> str:
    return f"/cases/{case.pk}/"


class TestRecording:
    def test_a_key_worker_records_a_job_start(self, case, council, council_worker) -> None:
        client = client_for(council_worker)
        choose = reverse("outcomes:choose_kind", args=[case.pk])
        page = client.get(choose).content.decode()
        assert 'type="radio"' in page and "Started a job" in page and case.reference in page
        assert "Paid work, including self-employment" in page  # the kind's hint

        response = client.post(choose, {"kind": "job_start"})
        assert response.status_code == 302
        assert response["Location"] == reverse("outcomes:record", args=[case.pk, "job_start"])
        form = client.get(response["Location"]).content.decode()
        assert "Start date" in form and "Hourly pay (optional)" in form
        assert 'name="achieved_on_0"' in form and 'name="contract_type"' in form

        response = client.post(response["Location"], job_start_post())
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == case_location(case)
        outcome = Outcome.objects.get()
        assert (outcome.employer, outcome.hours_per_week, str(outcome.pay)) == (
            "Northvale Logistics",
            37.5,
            "12.21",
        )
        assert outcome.organisation == council and outcome.category == WORK_SKILLS
        assert outcome.evidence == "Contract seen"
        assert AuditEvent.objects.filter(action="create", detail__outcome=str(outcome.pk)).exists()

    def test_no_kind_chosen_shows_a_govuk_error(self, case, council_worker) -> None:
        response = client_for(council_worker).post(
            reverse("outcomes:choose_kind", args=[case.pk]), {"kind": "lottery"}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and "govuk-error-summary" in page
        assert "Select what they achieved" in page and "govuk-error-message" in page

    def test_bad_input_shows_every_problem_and_writes_nothing(self, case, council_worker) -> None:
        url = reverse("outcomes:record", args=[case.pk, "job_start"])
        events = AuditEvent.objects.filter(action="create").count()
        response = client_for(council_worker).post(
            url,
            job_start_post(
                achieved_on_0="31", achieved_on_1="2", employer="", hours_per_week="lots"
            ),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and "govuk-form-group--error" in page
        assert "Start date must be a real date" in page
        assert "Enter the employer" in page
        assert "Hours a week must be a number" in page
        assert 'value="Warehouse operative"' in page  # what they typed is kept
        assert not Outcome.objects.exists()
        assert AuditEvent.objects.filter(action="create").count() == events

    def test_a_date_in_the_future_is_refused(self, case, council_worker) -> None:
        url = reverse("outcomes:record", args=[case.pk, "debt_reduced"])
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = client_for(council_worker).post(
            url,
            {
                **date_post(tomorrow),
                "debt_before": "100",
                "debt_after": "200",
                "debt_how": "Plan",
            },
        )
        page = response.content.decode()
        assert "Date must be today or in the past" in page
        assert "Debt now must be less than the debt before" in page
        assert not Outcome.objects.exists()

    def test_an_unknown_kind_is_a_404(self, case, council_worker) -> None:
        url = reverse("outcomes:record", args=[case.pk, "lottery"])
        assert client_for(council_worker).get(url).status_code == 404

    def test_recording_a_job_sustained_from_a_check(self, case, council_worker) -> None:
        client = client_for(council_worker)
        url = reverse("outcomes:record", args=[case.pk, "job_sustained"])
        assert 'data-testid="no-job-starts"' in client.get(url).content.decode()

        started = timezone.localdate() - timedelta(weeks=14)
        Case.objects.filter(pk=case.pk).update(opened_on=started)
        case.refresh_from_db()
        job = record(council_worker, case, "job_start", achieved_on=started)
        page = client.get(f"{url}?job_start={job.pk}&weeks=13").content.decode()
        assert "Warehouse operative at Northvale Logistics" in page
        assert f'value="{job.pk}" checked' in page and 'value="13" checked' in page

        too_soon = client.post(
            url,
            {"job_start": str(job.pk), "weeks": "26", **date_post(timezone.localdate())},
        ).content.decode()
        assert "26 weeks after the job started" in too_soon
        response = client.post(
            url, {"job_start": str(job.pk), "weeks": "13", **date_post(timezone.localdate())}
        )
        assert response["Location"] == case_location(case)
        assert job.sustainments.get().weeks == 13
        again = client.post(
            url, {"job_start": str(job.pk), "weeks": "13", **date_post(timezone.localdate())}
        ).content.decode()
        assert "13 weeks in this job has already been recorded" in again
        assert job.sustainments.count() == 1


class TestVerifying:
    def test_the_key_worker_verifies_an_outcome(self, case, council_worker) -> None:
        outcome = record(council_worker, case, "qualification", evidence="")
        client = client_for(council_worker)
        url = reverse("outcomes:verify", args=[outcome.pk])
        page = client.get(url).content.decode()
        assert "Level 2 in Functional Skills Maths" in page and "None recorded" in page

        bad = client.post(url, {"state": "could_not_verify", "note": ""}).content.decode()
        assert "There is a problem" in bad and "Enter why the outcome could not be verified" in bad
        outcome.refresh_from_db()
        assert outcome.verification == "unverified"
        missing = client.post(url, {}).content.decode()
        assert "Select whether you could verify the outcome" in missing

        response = client.post(url, {"state": "verified", "note": "Certificate seen"})
        assert response["Location"] == case_location(case)
        outcome.refresh_from_db()
        assert outcome.is_verified and outcome.verified_by == council_worker


class TestWhoMayUseThePages:
    def test_another_organisations_case_is_a_404_on_every_page_and_verb(
        self, case, person, cab, cab_adviser, council_worker, shipped_defaults
    ) -> None:
        consent_for(person, cab, council_worker, IDENTITY, WORK_SKILLS)  # even so
        outcome = record(council_worker, case, "job_start")
        client = client_for(cab_adviser)
        urls = [
            reverse("outcomes:choose_kind", args=[case.pk]),
            reverse("outcomes:record", args=[case.pk, "job_start"]),
            reverse("outcomes:verify", args=[outcome.pk]),
        ]
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {**job_start_post(), "kind": "job_start"}).status_code == 404
        assert Outcome.objects.count() == 1
        outcome.refresh_from_db()
        assert outcome.verification == "unverified"

    def test_staff_who_keep_no_records_are_refused(self, case, council) -> None:
        ig = UserFactory(organisation=council, roles=[Role.INFORMATION_GOVERNANCE])
        client = client_for(ig)
        assert client.get(reverse("outcomes:choose_kind", args=[case.pk])).status_code == 403
        assert client.get(reverse("outcomes:sustainment_checks")).status_code == 403

    def test_a_case_that_does_not_exist(self, council_worker) -> None:
        url = reverse("outcomes:choose_kind", args=["00000000-0000-0000-0000-000000000000"])
        assert client_for(council_worker).get(url).status_code == 404


class TestSustainmentChecksPage:
    def test_the_key_worker_sees_the_check_and_a_link_to_record_it(
        self, case, council_worker
    ) -> None:
        with time_machine.travel("2026-11-02", tick=False):
            Case.objects.filter(pk=case.pk).update(opened_on=date(2026, 11, 2))
            case.refresh_from_db()
            job = record(council_worker, case, "job_start", achieved_on=date(2026, 11, 2))
        with time_machine.travel("2027-02-01 09:00", tick=False):
            client = client_for(council_worker)
            page = client.get(reverse("outcomes:sustainment_checks")).content.decode()
            assert 'data-testid="sustainment-checks"' in page and "Jordan Ellis" in page
            assert "1 Feb 2027" in page and case.reference in page
            link = reverse("outcomes:record", args=[case.pk, "job_sustained"])
            assert f"{link}?job_start={job.pk}&amp;weeks=13" in page
            client.post(
                link,
                {"job_start": str(job.pk), "weeks": "13", **date_post(date(2027, 2, 1))},
            )
            page = client.get(reverse("outcomes:sustainment_checks")).content.decode()
            assert "No checks are due." in page


class TestCaseOutcomesInclude:
    def test_it_lists_the_outcomes_with_their_evidence(self, case, council_worker) -> None:
        outcome = record(council_worker, case, "job_start", evidence="Payslip seen")
        html = render_to_string(
            "outcomes/includes/case_outcomes.html",
            {"outcomes": [outcome], "case": case, "can_change": True},
        )
        assert 'data-testid="outcome-job_start"' in html and "Started a job" in html
        assert "Warehouse operative at Northvale Logistics, 37.5 hours a week" in html
        assert "Work and skills" in html and "Northvale Borough Council" in html
        assert "Payslip seen" in html and "Not verified yet" in html
        assert reverse("outcomes:verify", args=[outcome.pk]) in html
        assert reverse("outcomes:choose_kind", args=[case.pk]) in html

    def test_nothing_to_show_and_nothing_to_change(self, case) -> None:
        html = render_to_string(
            "outcomes/includes/case_outcomes.html", {"outcomes": [], "case": case}
        )
        assert "No outcomes recorded yet." in html and "Record an outcome" not in html
