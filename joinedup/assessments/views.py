"""Pages for assessments and complexity ratings. Views never query personal-data models: they
call selectors and services (rule 1). A person the actor has no basis for is a 404 (rule 5)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.core.access import STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.sharing.policy import PERSON_ROLES

from . import selectors, services
from .forms import AssessmentForm, RatingOverrideForm

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*services.RECORD_KEEPING_ROLES)


def _keeps_records(request: HttpRequest) -> bool:
    return bool(request.user.has_any_role(services.RECORD_KEEPING_ROLES))  # type: ignore[union-attr]


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Record an assessment: every area of the active scale, motivators, barriers,
    safeguarding and the ONS4 questions, pre-filled from what the actor may see of the
    person's earlier assessments."""
    actor = Actor.from_request(request)
    person, _ = selectors.person_for_assessment(actor=actor, person_id=person_id)
    scale = selectors.active_scale()
    prefill = None
    if request.method == "POST":
        form = AssessmentForm(request.POST, scale=scale)
        if form.is_valid():
            try:
                assessment = services.record_assessment(
                    actor=actor, person=person, scale=scale, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The assessment has been recorded.")
                return redirect("assessments:detail", assessment_id=assessment.pk)
    else:
        prefill = selectors.prefill_from_latest(actor=actor, person=person)
        form = AssessmentForm(scale=scale, initial=AssessmentForm.initial_from(prefill))
    return render(
        request,
        "assessments/new.html",
        {"form": form, "person": person, "scale": scale, "prefill": prefill},
    )


@access(PEOPLE_STAFF)
def detail(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    view = selectors.assessment_detail(
        actor=Actor.from_request(request), assessment_id=assessment_id
    )
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": view,
            "can_keep_records": _keeps_records(request),
            "override_form": RatingOverrideForm(),
        },
    )


@access(PEOPLE_STAFF)
def history(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The person's complexity rating, its history, and their assessments."""
    actor = Actor.from_request(request)
    person, _ = selectors.person_for_assessment(actor=actor, person_id=person_id)
    history = selectors.rating_history(actor=actor, person=person)
    return render(
        request,
        "assessments/history.html",
        {
            "history": history,
            "person": person,
            "can_keep_records": _keeps_records(request),
        },
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def override(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Change the person's complexity rating by professional judgement, with a reason."""
    actor = Actor.from_request(request)
    person, _ = selectors.person_for_assessment(actor=actor, person_id=person_id)
    form = RatingOverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.override_rating(
                actor=actor,
                person=person,
                rating=form.cleaned_data["rating"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The complexity rating has been changed.")
            return redirect("assessments:history", person_id=person.pk)
    return render(request, "assessments/override.html", {"form": form, "person": person})


@access(STAFF)
def scale(request: HttpRequest) -> HttpResponse:
    """The active assessment scale: its areas and what each stage means. Read-only here;
    system admins change scales in Django admin."""
    return render(
        request,
        "assessments/scale.html",
        {"scale": selectors.active_scale(), "rules": selectors.active_rules()},
    )
