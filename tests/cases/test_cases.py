"""Case management: opening a case (from triage or directly), its status and key worker, the
plan across partners with categories, updates that never lose a change (REL-01), "my work"
and the team's workload."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.assessments.models import Assessment
from joinedup.audit.models import AuditEvent
from joinedup.cases import selectors, services
from joinedup.cases.models import Action, Case, CaseEvent, Programme, WorkerCapacity
from joinedup.sharing import services as sharing_services
from joinedup.sharing.categories import HOUSING, MONEY_DEBT
from joinedup.sharing.models import InformationCategory

from ..assessments.conftest import assess
from ..conftest import actor_for, client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> Programme:
    return Programme.objects.get(name="Employment and skills support")


@pytest.fixture
def case(person, council_worker, programme) -> Case:  # type: ignore[no-untyped-def]
    return services.open_case(
        actor=actor_for(council_worker),
        person=person,
        programme=programme,
        key_worker=council_worker,
    )


def consent_for(person, organisation, by, *codes: str) -> None:  # type: ignore[no-untyped-def]
    sharing_services.record_consent(
        actor=actor_for(by),
        person=person,
        categories=InformationCategory.objects.filter(code__in=codes),
        purpose="Working together on their plan",
        how_given="verbal",
        given_on=timezone.localdate(),
        organisations=[organisation],
    )


class TestOpening:
    def test_a_key_worker_opens_a_case_and_it_is_audited(
        self, case, council, council_worker
    ) -> None:
        assert case.reference.startswith("C") and case.status == "open"
        assert case.organisation == council and case.key_worker == council_worker
        assert case.events.get().kind == CaseEvent.Kind.OPENED
        assert AuditEvent.objects.filter(action="create", detail__case=case.reference).exists()

    def test_one_active_case_per_programme(self, case, person, council_worker, programme) -> None:
        with pytest.raises(ValidationError, match="already have an open case"):
            services.open_case(
                actor=actor_for(council_worker),
                person=person,
                programme=programme,
                key_worker=council_worker,
            )

    def test_only_an_active_key_worker_of_the_lead_organisation(
        self, person, council, council_worker, cab_adviser, programme
    ) -> None:
        manager = UserFactory(organisation=council, roles=[Role.TEAM_MANAGER])
        for who in (manager, cab_adviser):
            with pytest.raises(ValidationError) as error:
                services.open_case(
                    actor=actor_for(council_worker),
                    person=person,
                    programme=programme,
                    key_worker=who,
                )
            assert "key_worker" in error.value.message_dict
        with pytest.raises(Http404):  # CAB has no basis to see the person
            services.open_case(
                actor=actor_for(cab_adviser),
                person=person,
                programme=programme,
                key_worker=cab_adviser,
            )
        ig = UserFactory(organisation=council, roles=[Role.INFORMATION_GOVERNANCE])
        with pytest.raises(PermissionDenied):
            services.open_case(
                actor=actor_for(ig), person=person, programme=programme, key_worker=council_worker
            )
        assert not Case.objects.exists()


class TestStatusAndTransfer:
    def test_pause_resume_close_and_reopen_with_reasons(self, case, council_worker) -> None:
        actor = actor_for(council_worker)
        with pytest.raises(ValidationError) as error:
            services.change_case_status(actor=actor, case=case, status="closed")
        assert set(error.value.message_dict) == {"closure_reason", "reason"}
        case = services.change_case_status(
            actor=actor, case=case, status="paused", reason="In hospital"
        )
        case = services.change_case_status(actor=actor, case=case, status="open")
        case = services.change_case_status(
            actor=actor,
            case=case,
            status="closed",
            closure_reason="employment",
            reason="Started work",
        )
        assert case.closed_on == timezone.localdate() and case.closure_reason == "employment"
        with pytest.raises(ValidationError):
            services.change_case_status(actor=actor, case=case, status="paused", reason="x")
        case = services.change_case_status(
            actor=actor, case=case, status="reopened", reason="Job ended"
        )
        assert case.status == "reopened" and case.closed_on is None
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds == ["opened", "paused", "resumed", "closed", "reopened"]

    def test_a_change_on_a_stale_page_is_refused(self, case, council_worker) -> None:
        """REL-01: the second of two people changing the case from the same page is told."""
        actor = actor_for(council_worker)
        seen = case.version
        services.change_case_status(
            actor=actor, case=case, status="paused", reason="On holiday", expected_version=seen
        )
        with pytest.raises(services.StaleEditError):
            services.change_case_status(
                actor=actor,
                case=Case.objects.get(),
                status="closed",
                closure_reason="other",
                reason="x",
                expected_version=seen,
            )
        assert Case.objects.get().status == "paused"

    def test_transfer_rechecks_consent_and_tells_both_key_workers(
        self, case, person, council_worker, cab, mailoutbox, django_capture_on_commit_callbacks
    ) -> None:
        cab_key_worker = UserFactory(
            organisation=cab, roles=[Role.KEY_WORKER], full_name="Ravi Shah"
        )
        with pytest.raises(ValidationError, match="no basis to see"):
            services.transfer_case(
                actor=actor_for(council_worker),
                case=case,
                key_worker=cab_key_worker,
                reason="Moving",
            )
        consent_for(person, cab, council_worker, "identity_contact")
        with django_capture_on_commit_callbacks(execute=True):
            moved = services.transfer_case(
                actor=actor_for(council_worker),
                case=case,
                key_worker=cab_key_worker,
                reason="Debt is the main need now",
            )
        assert moved.organisation == cab and moved.key_worker == cab_key_worker
        assert sorted(mailoutbox[0].to) == sorted([council_worker.email, cab_key_worker.email])
        assert person.given_name not in mailoutbox[0].body
        event = moved.events.get(kind="transferred")
        assert event.reason == "Debt is the main need now"
        with pytest.raises(Http404):  # the council no longer leads it
            services.change_case_status(
                actor=actor_for(council_worker), case=moved, status="paused", reason="x"
            )


class TestPlan:
    def test_partners_see_their_own_actions_and_what_consent_allows(
        self, case, person, council_worker, cab, cab_adviser, jcp, jcp_coach
    ) -> None:
        actor = actor_for(council_worker)
        money = services.add_goal(
            actor=actor, case=case, need_area="money_debt", description="Get debts under control"
        )
        home = services.add_goal(
            actor=actor, case=case, need_area="housing", description="Keep my flat"
        )
        assert (money.category, home.category) == (MONEY_DEBT, HOUSING)
        services.add_action(
            actor=actor,
            case=case,
            goal=money,
            description="Debt advice appointment",
            owner_organisation=cab,
            owner=cab_adviser,
            due_on=timezone.localdate() + timedelta(days=7),
        )
        services.add_action(
            actor=actor,
            case=case,
            goal=home,
            description="Rent arrears plan",
            owner_organisation=case.organisation,
        )
        services.add_action(
            actor=actor,
            case=case,
            description="Work coach meeting",
            owner_organisation=jcp,
            need_area="work_skills",
        )
        consent_for(person, cab, council_worker, "identity_contact", "money_debt")
        view = selectors.case_detail(actor=actor_for(cab_adviser), case_id=case.pk)
        assert [g.description for g in view.goals] == ["Get debts under control"]
        assert [a.description for a in view.actions] == ["Debt advice appointment"]
        assert view.hidden_actions == 2 and not view.is_lead
        lead = selectors.case_detail(actor=actor, case_id=case.pk)
        assert len(lead.actions) == 3 and lead.hidden_actions == 0
        with pytest.raises(Http404):  # JCP owns an action but has no basis for the person
            selectors.case_detail(actor=actor_for(jcp_coach), case_id=case.pk)
        jcp_action = Action.objects.get(owner_organisation=jcp)
        with pytest.raises(Http404):
            selectors.action_for_update(actor=actor_for(jcp_coach), action_id=jcp_action.pk)

    def test_the_owner_updates_its_action_and_a_stale_update_is_refused(
        self, case, person, council_worker, cab, cab_adviser
    ) -> None:
        consent_for(person, cab, council_worker, "identity_contact")
        action = services.add_action(
            actor=actor_for(council_worker),
            case=case,
            description="Benefit check",
            owner_organisation=cab,
            need_area="money_debt",
        )
        adviser = actor_for(cab_adviser)
        updated = services.update_action(
            actor=adviser,
            action=action,
            status="in_progress",
            progress_note="Booked",
            expected_version=1,
        )
        assert updated.version == 2 and updated.progress_note == "Booked"
        with pytest.raises(services.StaleEditError):
            services.update_action(
                actor=actor_for(council_worker),
                action=action,
                status="cancelled",
                progress_note="",
                expected_version=1,
            )
        assert Action.objects.get().status == "in_progress"
        stranger = UserFactory(roles=[Role.KEY_WORKER])
        with pytest.raises(Http404):
            services.update_action(
                actor=actor_for(stranger),
                action=action,
                status="done",
                progress_note="",
                expected_version=2,
            )

    def test_the_action_page_shows_the_latest_when_someone_else_saved_first(
        self, case, person, council_worker, cab, cab_adviser
    ) -> None:
        consent_for(person, cab, council_worker, "identity_contact")
        action = services.add_action(
            actor=actor_for(council_worker),
            case=case,
            description="Benefit check",
            owner_organisation=cab,
            need_area="money_debt",
        )
        url = reverse("cases:action", args=[action.pk])
        client_for(cab_adviser).post(
            url, {"status": "done", "progress_note": "£1,200 a year found", "version": 1}
        )
        response = client_for(council_worker).post(url, {"status": "cancelled", "version": 1})
        html = response.content.decode()
        assert response.status_code == 409 and "Someone else updated this action" in html
        assert "£1,200 a year found" in html
        assert Action.objects.get().status == "done"


class TestMyWorkAndWorkload:
    def test_my_work_gathers_what_is_waiting(
        self, case, person, council_worker, cab, cab_adviser, scale
    ) -> None:
        consent_for(person, cab, council_worker, "identity_contact")
        today = timezone.localdate()
        services.add_action(
            actor=actor_for(council_worker),
            case=case,
            description="Call the landlord",
            owner_organisation=case.organisation,
            owner=council_worker,
            due_on=today,
            need_area="housing",
        )
        services.add_action(
            actor=actor_for(council_worker),
            case=case,
            description="Debt advice",
            owner_organisation=cab,
            due_on=today + timedelta(days=3),
            need_area="money_debt",
        )
        with time_machine.travel(today + timedelta(days=10), tick=False):
            later = timezone.localdate()
            mine = selectors.my_work(actor=actor_for(council_worker), today=later)
            assert [a.description for a in mine.actions_overdue] == ["Call the landlord"]
            theirs = selectors.my_work(actor=actor_for(cab_adviser), today=later)
            assert [a.description for a in theirs.actions_overdue] == ["Debt advice"]
        review = selectors.my_work(
            actor=actor_for(council_worker), today=today + timedelta(days=80)
        )
        assert [c.pk for c, _ in review.reviews_due] == [case.pk]
        assess(council_worker, person, scale, assessed_on=today, kind="review")
        assert Assessment.objects.filter(person=person).exists()
        page = client_for(council_worker).get(reverse("cases:my_work")).content.decode()
        assert "Call the landlord" in page

    def test_team_workload_weights_capacity_and_suggestion(
        self, person, council, council_worker, programme, scale
    ) -> None:
        colleague = UserFactory(organisation=council, roles=[Role.KEY_WORKER], full_name="Ann Lee")
        WorkerCapacity.objects.create(user=colleague, full_time_points=10, fte="0.5")
        manager = UserFactory(organisation=council, roles=[Role.TEAM_MANAGER])
        assess(council_worker, person, scale, default=2)  # Red
        services.open_case(
            actor=actor_for(council_worker),
            person=person,
            programme=programme,
            key_worker=colleague,
        )
        workload = selectors.team_workload(actor=actor_for(manager))
        rows = {w.worker.full_name: w for w in workload.workers}
        assert rows["Ann Lee"].load == 3 and rows["Ann Lee"].capacity == 5
        assert rows["Kirsty Walker"].load == 0
        assert workload.suggested is not None and workload.suggested.worker == council_worker
        page = client_for(manager).get(reverse("cases:team")).content.decode()
        assert "Ann Lee" in page and "Suggested for the next case" in page
        assert client_for(council_worker).get(reverse("cases:team")).status_code == 403

    def test_team_workload_takes_the_same_queries_for_any_caseload(
        self, council, council_worker, programme
    ) -> None:
        from joinedup.people.services import register_person

        manager = actor_for(UserFactory(organisation=council, roles=[Role.TEAM_MANAGER]))
        selectors.team_workload(actor=manager)  # the manager's roles are loaded once

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                selectors.team_workload(actor=manager)
            return len(queries)

        def add(n: int) -> None:
            for i in range(n):
                p = register_person(
                    actor=actor_for(council_worker),
                    values={
                        "given_name": "Sam",
                        "family_name": f"Case{i}{n}",
                        "date_of_birth": date(1990, 1, 1),
                    },
                )
                services.open_case(
                    actor=actor_for(council_worker),
                    person=p,
                    programme=programme,
                    key_worker=council_worker,
                )

        add(1)
        first = count()
        add(9)
        assert count() == first


class TestPages:
    def test_open_a_case_from_a_triage_handoff(
        self, person, council, council_worker, programme, scale
    ) -> None:
        from joinedup.triage.models import Triage

        from ..referrals.test_referrals import refer
        from ..triage import conftest as triage_conftest  # noqa: F401

        referral = refer(person, council_worker, council)
        from joinedup.triage import services as triage_services

        triage = triage_services.record_triage_assessment(
            actor=actor_for(council_worker),
            referral=referral,
            scale=scale,
            assessed_on=timezone.localdate(),
            scores={a.code: (5, False, "") for a in scale.areas.all()},
        )
        triage_services.complete_triage(
            actor=actor_for(council_worker),
            triage=triage,
            outcome="open_case",
            key_worker=council_worker,
        )
        client = client_for(council_worker)
        work = client.get(reverse("cases:my_work")).content.decode()
        url = reverse("cases:open", args=[person.pk]) + f"?triage={triage.pk}"
        assert url.replace("&", "&amp;") in work or url in work
        response = client.post(
            url, {"programme": str(programme.pk), "key_worker": str(council_worker.pk)}
        )
        case = Case.objects.get()
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        assert case.triage == triage and Triage.objects.get().case_opened_on is not None
        page = client.get(response["Location"]).content.decode()
        assert case.reference in page and "No plan yet" in page
        assert (
            client.post(
                url, {"programme": str(programme.pk), "key_worker": str(council_worker.pk)}
            ).status_code
            == 404
        )

    def test_bad_input_gets_errors_and_writes_nothing(self, case, council_worker) -> None:
        client = client_for(council_worker)
        response = client.post(
            reverse("cases:add_goal", args=[case.pk]), {"need_area": "", "description": ""}
        )
        html = response.content.decode()
        assert "Select the need area" in html and "Enter the goal" in html
        response = client.post(
            reverse("cases:add_action", args=[case.pk]),
            {"description": "x" * 1001, "due_on_0": "31", "due_on_1": "2", "due_on_2": "2027"},
        )
        html = response.content.decode()
        assert "1000 characters" in html.replace(",", "") and "must be a real date" in html
        response = client.post(
            reverse("cases:status", args=[case.pk]), {"status": "closed", "version": case.version}
        )
        assert "Select why the case is closing" in response.content.decode()
        assert not Action.objects.exists() and Case.objects.get().status == "open"

    def test_other_organisations_get_404_on_change_pages(self, case, cab_adviser) -> None:
        client = client_for(cab_adviser)
        for name in (
            "cases:detail",
            "cases:status",
            "cases:transfer",
            "cases:add_goal",
            "cases:add_action",
        ):
            assert client.get(reverse(name, args=[case.pk])).status_code == 404, name


class TestCrossReferrals:
    def test_cross_refer_to_the_debt_service_and_see_what_they_did(
        self, case, person, council_worker, cab, cab_adviser
    ) -> None:
        from joinedup.referrals import services as referral_services

        from ..directory.factories import ServiceFactory

        debt = ServiceFactory(organisation=cab, name="Debt advice", needs=["money_debt"])
        actor = actor_for(council_worker)
        money = services.add_goal(
            actor=actor, case=case, need_area="money_debt", description="Clear my debts"
        )
        services.add_goal(actor=actor, case=case, need_area="housing", description="Keep my flat")
        services.add_action(
            actor=actor, case=case, goal=money, description="Debt advice", owner_organisation=cab
        )
        client = client_for(council_worker)
        response = client.post(
            reverse("cases:refer", args=[case.pk]),
            {
                "service": str(debt.pk),
                "needs": ["money_debt"],
                "reason": "Arrears of about £2,000",
                "urgency": "routine",
                "consent_to_share": "on",
            },
        )
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        link = case.cross_referrals.get()
        referral = link.referral
        assert referral.to_service == debt and referral.to_organisation == cab
        # The adviser sees who the person is (the consent captured with the referral) but not
        # the money or housing parts of the plan, which the person has not agreed to share.
        adviser = actor_for(cab_adviser)
        inbox = client_for(cab_adviser).get(reverse("referrals:inbox")).content.decode()
        assert referral.reference in inbox and "Jordan Ellis" in inbox
        view = selectors.case_detail(actor=adviser, case_id=case.pk)
        assert view.goals == [] and [a.description for a in view.actions] == ["Debt advice"]
        referral_services.accept_referral(actor=adviser, referral=referral)
        referral_services.close_referral(
            actor=adviser, referral=referral, outcome="Debt relief order applied for."
        )
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "Debt relief order applied for." in page and "Closed" in page

    def test_refused_without_consent_or_for_a_closed_case(self, case, council_worker, cab) -> None:
        from ..directory.factories import ServiceFactory

        debt = ServiceFactory(organisation=cab, needs=["money_debt"])
        client = client_for(council_worker)
        response = client.post(
            reverse("cases:refer", args=[case.pk]),
            {"service": str(debt.pk), "needs": ["money_debt"], "reason": "x", "urgency": "routine"},
        )
        assert "Confirm the person agreed to the referral" in response.content.decode()
        services.change_case_status(
            actor=actor_for(council_worker),
            case=case,
            status="closed",
            closure_reason="other",
            reason="x",
        )
        with pytest.raises(ValidationError, match="Re-open"):
            services.cross_refer(
                actor=actor_for(council_worker),
                case=Case.objects.get(),
                service=debt,
                reason="x",
                needs=["money_debt"],
                consent_to_share=True,
            )
        assert not case.cross_referrals.exists()


class TestContacts:
    @pytest.fixture(autouse=True)
    def _private_files(self, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
        settings.MEDIA_ROOT = str(tmp_path)

    def test_a_contact_with_an_attachment_shared_by_category(
        self, case, person, council_worker, cab, cab_adviser
    ) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = client_for(council_worker)
        pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget", content_type="application/pdf")
        response = client.post(
            reverse("cases:add_contact", args=[case.pk]),
            {
                "happened_on_0": "2",
                "happened_on_1": "11",
                "happened_on_2": "2026",
                "kind": "home_visit",
                "duration_minutes": "45",
                "need_area": "money_debt",
                "note": "Went through the budget together.",
                "attachments": [pdf],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        contact = case.contacts.get()
        assert contact.category == MONEY_DEBT and contact.attachments.count() == 1
        stored = contact.attachments.get()
        assert "budget" not in stored.file.name  # a random name on disk
        download = client.get(reverse("cases:attachment", args=[stored.pk]))
        assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content).startswith(b"%PDF")
        assert "attachment" in download["Content-Disposition"]
        consent_for(person, cab, council_worker, "identity_contact")
        adviser = client_for(cab_adviser)
        page = adviser.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "Went through the budget" not in page and 'data-testid="hidden-contacts"' in page
        assert adviser.get(reverse("cases:attachment", args=[stored.pk])).status_code == 404
        consent_for(person, cab, council_worker, "money_debt")
        assert adviser.get(reverse("cases:attachment", args=[stored.pk])).status_code == 200

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("virus.exe", b"MZ\x90\x00", "must be a PDF, JPG, PNG or Word file"),
            ("fake.pdf", b"MZ\x90\x00 not a pdf", "not a real PDF file"),
            ("huge.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "smaller than 10 MB"),
        ],
    )
    def test_bad_files_are_refused_and_nothing_is_kept(
        self, case, council_worker, name: str, content: bytes, message: str
    ) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        with pytest.raises(ValidationError, match=message):
            services.record_contact(
                actor=actor_for(council_worker),
                case=case,
                happened_on=timezone.localdate(),
                kind="phone",
                note="Called",
                attachments=[SimpleUploadedFile(name, content)],
            )
        assert not case.contacts.exists()

    def test_bad_contact_input_gets_errors(self, case, council_worker) -> None:
        response = client_for(council_worker).post(
            reverse("cases:add_contact", args=[case.pk]),
            {
                "happened_on_0": "1",
                "happened_on_1": "1",
                "happened_on_2": "2099",
                "kind": "",
                "note": "",
            },
        )
        html = response.content.decode()
        assert "must be today or in the past" in html or "must be in the past" in html
        assert "Select the type of contact" in html and "Enter a note of the contact" in html
        assert not case.contacts.exists()


def test_the_person_gets_a_plain_english_copy_of_their_plan(
    case, council_worker, cab, cab_adviser
) -> None:
    actor = actor_for(council_worker)
    goal = services.add_goal(
        actor=actor, case=case, need_area="money_debt", description="Clear my debts"
    )
    services.add_action(
        actor=actor,
        case=case,
        goal=goal,
        description="See a debt adviser",
        owner_organisation=cab,
        owner=cab_adviser,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    client = client_for(council_worker)
    page = client.get(reverse("cases:plan_copy", args=[case.pk])).content.decode()
    assert "Your plan, Jordan" in page and "Clear my debts" in page
    assert "See a debt adviser: Sam Clarke at Citizens Advice Northvale" in page
    pdf = client.get(reverse("cases:plan_copy", args=[case.pk]) + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    formats = list(
        AuditEvent.objects.filter(action="export", detail__case=case.reference).values_list(
            "detail__format", flat=True
        )
    )
    assert sorted(formats) == ["html", "pdf"]
    assert (
        client_for(cab_adviser).get(reverse("cases:plan_copy", args=[case.pk])).status_code == 404
    )


def test_an_action_needs_a_goal_or_a_need_area_so_it_is_never_shared_as_identity(
    case, council_worker, jcp
) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_action(
            actor=actor_for(council_worker), case=case, description="Meet", owner_organisation=jcp
        )
    assert "need_area" in error.value.message_dict
    action = services.add_action(
        actor=actor_for(council_worker),
        case=case,
        description="Work coach meeting",
        owner_organisation=jcp,
        need_area="work_skills",
    )
    assert action.category == "work_skills"


def test_distance_travelled_on_the_case_and_by_group(
    case, person, council, council_worker, scale, settings
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    assess(council_worker, person, scale, assessed_on=today - timedelta(days=1), default=3)
    assess(council_worker, person, scale, assessed_on=today, kind="review", default=6)
    result = selectors.distance_travelled(actor=actor_for(council_worker), case=case)
    assert result.overall == 3.0 and all(a.change == 3 for a in result.areas)
    page = client_for(council_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="distance"' in page and "+3" in page
    manager = UserFactory(organisation=council, roles=[Role.TEAM_MANAGER])
    report = selectors.distance_report(actor=actor_for(manager))
    assert report.cases_with_review == 1 and report.by_worker == []  # one case: suppressed
    settings.JOINEDUP_SMALL_NUMBER_THRESHOLD = 1
    report = selectors.distance_report(actor=actor_for(manager))
    assert [(g.name, g.mean_change) for g in report.by_worker] == [("Kirsty Walker", 3.0)]
    elsewhere = UserFactory(roles=[Role.TEAM_MANAGER])
    assert selectors.distance_report(actor=actor_for(elsewhere)).cases_with_review == 0
    html = client_for(manager).get(reverse("cases:distance")).content.decode()
    assert "Kirsty Walker" in html and "3.0" in html
    assert client_for(council_worker).get(reverse("cases:distance")).status_code == 403


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections; runs in make test-postgres",
)
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_action_at_once_lose_nothing(
    shipped_defaults, person, council_worker, cab, cab_adviser, programme
) -> None:  # type: ignore[no-untyped-def]
    """REL-01: two saves from the same version at the same moment: one lands, the other is
    told and can re-apply; neither is silently overwritten."""
    import threading

    case = services.open_case(
        actor=actor_for(council_worker),
        person=person,
        programme=programme,
        key_worker=council_worker,
    )
    consent_for(person, cab, council_worker, "identity_contact")
    action = services.add_action(
        actor=actor_for(council_worker),
        case=case,
        description="Benefit check",
        owner_organisation=cab,
        need_area="money_debt",
    )
    results: list[str] = []
    barrier = threading.Barrier(2)

    def save(user, note: str) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            services.update_action(
                actor=actor_for(user),
                action=action,
                status="in_progress",
                progress_note=note,
                expected_version=1,
            )
            results.append(note)
        except services.StaleEditError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(council_worker, "Key worker's note")),
        threading.Thread(target=save, args=(cab_adviser, "Adviser's note")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("refused") == 1
    saved = Action.objects.get()
    assert saved.version == 2 and saved.progress_note == next(r for r in results if r != "refused")


class TestSecondReview:
    """Holes a second reviewer found in cases, each pinned."""

    def test_an_attachment_needs_a_basis_for_the_person_too(
        self, case, person, council_worker, cab, cab_adviser, settings, tmp_path
    ) -> None:  # type: ignore[no-untyped-def]
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.MEDIA_ROOT = str(tmp_path)
        contact = services.record_contact(
            actor=actor_for(council_worker),
            case=case,
            happened_on=timezone.localdate(),
            kind="phone",
            note="Budget",
            need_area="money_debt",
            attachments=[SimpleUploadedFile("b.pdf", b"%PDF-1.4")],
        )
        consent_for(person, cab, council_worker, "money_debt")  # money only, not identity
        url = reverse("cases:attachment", args=[contact.attachments.get().pk])
        assert client_for(cab_adviser).get(url).status_code == 404

    def test_a_transfer_needs_a_basis_for_every_part_of_the_plan(
        self, case, person, council_worker, cab
    ) -> None:
        services.add_goal(
            actor=actor_for(council_worker),
            case=case,
            need_area="drugs_alcohol",
            description="Stay in recovery",
        )
        cab_key_worker = UserFactory(organisation=cab, roles=[Role.KEY_WORKER])
        consent_for(person, cab, council_worker, "identity_contact")
        with pytest.raises(ValidationError, match="drugs and alcohol"):
            services.transfer_case(
                actor=actor_for(council_worker),
                case=case,
                key_worker=cab_key_worker,
                reason="Moving",
            )
        consent_for(person, cab, council_worker, "drugs_alcohol")
        moved = services.transfer_case(
            actor=actor_for(council_worker), case=case, key_worker=cab_key_worker, reason="Moving"
        )
        assert moved.organisation == cab

    def test_a_closed_case_s_plan_cannot_change(self, case, council_worker) -> None:
        action = services.add_action(
            actor=actor_for(council_worker),
            case=case,
            description="CV",
            owner_organisation=case.organisation,
            need_area="work_skills",
        )
        services.change_case_status(
            actor=actor_for(council_worker),
            case=case,
            status="closed",
            closure_reason="other",
            reason="x",
        )
        closed = Case.objects.get()
        with pytest.raises(ValidationError, match="Re-open it"):
            services.add_goal(
                actor=actor_for(council_worker), case=closed, need_area="housing", description="x"
            )
        with pytest.raises(ValidationError, match="Re-open it"):
            services.update_action(
                actor=actor_for(council_worker),
                action=Action.objects.get(pk=action.pk),
                status="done",
                progress_note="",
                expected_version=1,
            )
        response = client_for(council_worker).post(
            reverse("cases:add_goal", args=[case.pk]), {"need_area": "housing", "description": "x"}
        )
        assert response.status_code == 200 and "Re-open it" in response.content.decode()
        assert not closed.goals.exists()

    def test_error_summary_links_reach_the_first_radio(self, case, council_worker) -> None:
        html = (
            client_for(council_worker)
            .post(reverse("cases:status", args=[case.pk]), {"version": case.version})
            .content.decode()
        )
        assert 'href="#id_status"' in html and 'id="id_status"' in html


def test_reasons_in_the_case_history_stay_with_the_lead(
    case, person, council_worker, cab, cab_adviser
) -> None:
    services.change_case_status(
        actor=actor_for(council_worker),
        case=case,
        status="paused",
        reason="In hospital for surgery",
    )
    consent_for(person, cab, council_worker, "identity_contact")
    page = client_for(cab_adviser).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Paused" in page and "surgery" not in page
    timeline = (
        client_for(cab_adviser).get(reverse("people:timeline", args=[person.pk])).content.decode()
    )
    assert "surgery" not in timeline
    lead = client_for(council_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "In hospital for surgery" in lead


def test_a_stale_status_change_keeps_what_was_typed(case, council_worker) -> None:
    """REL-01: the page comes back with the latest case and the user's reason kept."""
    client = client_for(council_worker)
    url = reverse("cases:status", args=[case.pk])
    services.change_case_status(
        actor=actor_for(council_worker),
        case=case,
        status="paused",
        reason="Away",
        expected_version=1,
    )
    response = client.post(
        url,
        {
            "status": "closed",
            "closure_reason": "other",
            "reason": "My careful reason",
            "version": 1,
        },
    )
    html = response.content.decode()
    assert response.status_code == 409 and "Someone else changed this case" in html
    assert "My careful reason" in html and 'value="2"' in html
    assert Case.objects.get().status == "paused"


def test_my_work_shows_my_actions_due_soon_whatever_the_organisation_s_backlog(
    case, council, council_worker
) -> None:
    """Found by bench/case_pages.py: a backlog of the organisation's old unassigned actions
    filled the list, so the key worker's own actions due next week never showed."""
    today = timezone.localdate()
    Action.objects.bulk_create(
        Action(
            case=case,
            description=f"Old task {n}",
            owner_organisation=council,
            due_on=today - timedelta(days=30),
            category="work_skills",
        )
        for n in range(120)
    )
    services.add_action(
        actor=actor_for(council_worker),
        case=case,
        description="Call about the interview",
        owner_organisation=council,
        owner=council_worker,
        due_on=today + timedelta(days=3),
        need_area="work_skills",
    )
    work = selectors.my_work(actor=actor_for(council_worker), today=today)
    assert [a.description for a in work.actions_due] == ["Call about the interview"]
    assert len(work.actions_overdue) == selectors.ACTIONS_SHOWN


def test_my_work_lists_the_longest_waiting_reviews_and_counts_the_rest(
    council_worker, programme
) -> None:
    from joinedup.people.services import register_person

    actor = actor_for(council_worker)
    for n in range(selectors.REVIEWS_SHOWN + 3):
        someone = register_person(
            actor=actor, values={"given_name": "Pat", "family_name": f"Review{n:02d}"}
        )
        services.open_case(
            actor=actor, person=someone, programme=programme, key_worker=council_worker
        )
    later = timezone.localdate() + timedelta(days=100)
    work = selectors.my_work(actor=actor, today=later)
    assert len(work.reviews_due) == selectors.REVIEWS_SHOWN
    assert work.reviews_due_total == selectors.REVIEWS_SHOWN + 3


def test_my_work_takes_the_same_queries_whatever_the_caseload(council_worker, programme) -> None:
    """The page's statements do not grow with the caseload: each list is one query, access is
    decided once for everyone shown and the audit is one batch."""
    from joinedup.people.services import register_person

    actor = actor_for(council_worker)
    today = timezone.localdate()

    def add(n: int, tag: str) -> None:
        for i in range(n):
            someone = register_person(
                actor=actor, values={"given_name": "Pat", "family_name": f"Load{tag}{i}"}
            )
            case = services.open_case(
                actor=actor, person=someone, programme=programme, key_worker=council_worker
            )
            services.add_action(
                actor=actor,
                case=case,
                description=f"Call {tag}{i}",
                owner_organisation=case.organisation,
                owner=council_worker,
                due_on=today,
                need_area="work_skills",
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            work = selectors.my_work(actor=actor, today=today + timedelta(days=100))
        assert work.actions_overdue and work.reviews_due
        return len(queries)

    add(1, "a")
    first = count()
    add(8, "b")
    assert count() == first
