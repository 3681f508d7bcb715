"""Case pages: a key worker's caseload, opening a case (from triage or directly), the case with
its plan, changing its status or key worker, goals and actions, updating an action, "my work",
and the team's workload. Views call selectors and services only (rule 1)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.outcomes.selectors import sustainment_checks_to_audit
from joinedup.people.selectors import person_for_change
from joinedup.sharing.policy import PERSON_ROLES, RECORD_KEEPING_ROLES

from . import selectors, services
from .forms import (
    ActionForm,
    ActionUpdateForm,
    ContactForm,
    CrossReferralForm,
    GoalForm,
    OpenCaseForm,
    StatusForm,
    TransferForm,
)

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*RECORD_KEEPING_ROLES)
MANAGERS = staff_with_roles(Role.TEAM_MANAGER)


@access(RECORD_KEEPERS)
@require_safe
def caseload(request: HttpRequest) -> HttpResponse:
    rows = selectors.caseload(actor=Actor.from_request(request))
    return render(
        request,
        "cases/caseload.html",
        {
            "rows": rows,
            "load": sum(r.weight for r in rows),
            "is_manager": request.user.has_role(Role.TEAM_MANAGER),  # type: ignore[union-attr]
        },
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def open_case(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Open a case for a person: from a triage handoff (``?triage=<id>``) or directly."""
    actor = Actor.from_request(request)
    person, _ = person_for_change(actor=actor, person_id=person_id)
    triage = selectors.handoff_for(actor=actor, person=person, triage_id=request.GET.get("triage"))
    initial = {"key_worker": triage.key_worker_id} if triage else {}
    if not initial and request.user.has_role(Role.KEY_WORKER):  # type: ignore[union-attr]
        initial = {"key_worker": request.user.pk}
    form = OpenCaseForm(
        request.POST if request.method == "POST" else None,
        organisation_id=actor.organisation_id,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                actor=actor,
                person=person,
                programme=form.cleaned_data["programme"],
                key_worker=form.cleaned_data["key_worker"],
                triage=triage,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} is open. Now build the plan.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/open.html", {"form": form, "person": person, "triage": triage})


@access(PEOPLE_STAFF)
@require_safe
def detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.case_detail(actor=actor, case_id=case_id)
    # The page decides access once (view.access) and the parts below reuse it.
    outcomes = selectors.case_outcomes(actor=actor, case=view.case, access=view.access)
    distance = selectors.distance_travelled(actor=actor, case=view.case, access=view.access)
    keeps_records = request.user.has_any_role(RECORD_KEEPING_ROLES)  # type: ignore[union-attr]
    return render(
        request,
        "cases/detail.html",
        {
            "view": view,
            "case": view.case,
            "outcomes": outcomes,
            "distance": distance,
            "can_change": view.is_lead and keeps_records,
            "keeps_records": keeps_records,
        },
    )


def _stale(
    request: HttpRequest, template: str, form_class: Any, case: Any, error: ValidationError
) -> HttpResponse:
    """Someone else changed the case since this page was opened (REL-01): show the page again
    with the latest case, what this user typed kept, and the message, so nothing is lost."""
    latest = selectors.case_for_change(actor=Actor.from_request(request), case_id=case.pk)
    data = request.POST.copy()
    data["version"] = str(latest.version)
    form = form_class(data)
    form.is_valid()
    form.add_error(None, " ".join(error.messages))
    return render(request, template, {"form": form, "case": latest}, status=409)


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def change_status(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_for_change(actor=actor, case_id=case_id)
    form = StatusForm(
        request.POST if request.method == "POST" else None, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_case_status(
                actor=actor,
                case=case,
                status=data["status"],
                reason=data["reason"],
                closure_reason=data["closure_reason"],
                expected_version=data["version"],
            )
        except services.StaleEditError as error:
            return _stale(request, "cases/status.html", StatusForm, case, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} updated.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/status.html", {"form": form, "case": case})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_for_change(actor=actor, case_id=case_id)
    form = TransferForm(
        request.POST if request.method == "POST" else None, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.transfer_case(
                actor=actor,
                case=case,
                key_worker=data["key_worker"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except services.StaleEditError as error:
            return _stale(request, "cases/transfer.html", TransferForm, case, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{moved.key_worker.full_name} is now the key worker. Both have been told."
            )
            if moved.organisation_id != actor.organisation_id:
                return redirect("cases:caseload")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/transfer.html", {"form": form, "case": case})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_goal(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_for_change(actor=actor, case_id=case_id)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_goal(actor=actor, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Goal added.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/form.html", {"form": form, "case": case, "heading": "Add a goal"})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_action(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_for_change(actor=actor, case_id=case_id)
    form = ActionForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_action(
                actor=actor,
                case=case,
                description=data["description"],
                owner_organisation=data["owner_organisation"],
                owner=data["owner"],
                goal=data["goal"],
                due_on=data["due_on"],
                need_area=data["need_area"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action added for {data['owner_organisation'].name}.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request, "cases/form.html", {"form": form, "case": case, "heading": "Add an action"}
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def cross_refer(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_for_change(actor=actor, case_id=case_id)
    form = CrossReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = services.cross_refer(
                actor=actor,
                case=case,
                service=data["service"],
                reason=data["reason"],
                needs=data["needs"],
                consent_to_share=data["consent_to_share"],
                urgency=data["urgency"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Referral {link.referral.reference} sent to {data['service'].name}. "
                "You will see here what they do.",
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/form.html",
        {"form": form, "case": case, "heading": "Refer to a partner service"},
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def update_action(request: HttpRequest, action_id: UUID) -> HttpResponse:
    """The lead organisation or the owning partner records progress on an action."""
    actor = Actor.from_request(request)
    action = selectors.action_for_update(actor=actor, action_id=action_id)
    initial = {
        "status": action.status,
        "progress_note": action.progress_note,
        "version": action.version,
    }
    form = ActionUpdateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(
                actor=actor,
                action=action,
                status=data["status"],
                progress_note=data["progress_note"],
                expected_version=data["version"],
            )
        except services.StaleEditError as error:
            # Show the latest, with what this user typed kept for them to re-apply.
            latest = selectors.action_for_update(actor=actor, action_id=action_id)
            form = ActionUpdateForm(
                initial={
                    "status": latest.status,
                    "progress_note": latest.progress_note,
                    "version": latest.version,
                }
            )
            return render(
                request,
                "cases/action.html",
                {
                    "form": form,
                    "action": latest,
                    "stale": " ".join(error.messages),
                    "yours": data,
                    "yours_status": dict(ActionUpdateForm.base_fields["status"].choices).get(  # type: ignore[attr-defined]
                        data["status"], data["status"]
                    ),
                },
                status=409,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action updated.")
            if action.case.organisation_id == actor.organisation_id:
                return redirect("cases:detail", case_id=action.case_id)
            return redirect("cases:my_work")
    return render(request, "cases/action.html", {"form": form, "action": action})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_contact(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Record a contact or note on the case, with attachments: the lead organisation, or a
    partner that may see who the person is."""
    actor = Actor.from_request(request)
    case = selectors.case_for_contact(actor=actor, case_id=case_id)
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"happened_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_contact(
                actor=actor,
                case=case,
                happened_on=data["happened_on"],
                kind=data["kind"],
                note=data["note"],
                duration_minutes=data["duration_minutes"],
                attendees=data["attendees"],
                need_area=data["need_area"],
                attachments=data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact recorded.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request, "cases/form.html", {"form": form, "case": case, "heading": "Record a contact"}
    )


@access(PEOPLE_STAFF)
@require_safe
def attachment(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    """Attachments live outside the web root and are served only through this check, as a
    download that the browser must not sniff."""
    found = selectors.attachment_for_download(
        actor=Actor.from_request(request), attachment_id=attachment_id
    )
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access(RECORD_KEEPERS)
@require_safe
def plan_copy(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The person's own copy of their plan, in plain English: a page to print, or a PDF
    (``?format=pdf``)."""
    wanted = "pdf" if request.GET.get("format") == "pdf" else "html"
    plan = selectors.plan_for_resident(
        actor=Actor.from_request(request), case_id=case_id, export_format=wanted
    )
    if wanted == "html":
        return render(request, "cases/plan_copy.html", {"plan": plan})
    from weasyprint import HTML

    html = render_to_string("cases/plan_copy_pdf.html", {"plan": plan})
    response = HttpResponse(bytes(HTML(string=html).write_pdf()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.case.reference}.pdf"'
    return response


@access(PEOPLE_STAFF)
@require_safe
def my_work(request: HttpRequest) -> HttpResponse:
    work = selectors.my_work(
        actor=Actor.from_request(request),
        today=timezone.localdate(),
        sustainment=sustainment_checks_to_audit,
    )
    return render(request, "cases/my_work.html", {"work": work, "shown": selectors.ACTIONS_SHOWN})


@access(staff_with_roles(Role.TEAM_MANAGER, Role.PERFORMANCE_ANALYST))
@require_safe
def distance(request: HttpRequest) -> HttpResponse:
    """Distance travelled by key worker, lead partner and programme (figures only)."""
    report = selectors.distance_report(actor=Actor.from_request(request))
    return render(
        request,
        "cases/distance.html",
        {"report": report, "threshold": settings.JOINEDUP_SMALL_NUMBER_THRESHOLD},
    )


@access(MANAGERS)
@require_safe
def team(request: HttpRequest) -> HttpResponse:
    need = request.GET.get("need", "")
    workload = selectors.team_workload(actor=Actor.from_request(request), need=need)
    return render(request, "cases/team.html", {"workload": workload})
