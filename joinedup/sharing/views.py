"""Pages for consent, lawful bases, break-glass, access requests and information governance."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.accounts.roles import Role
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.people.selectors import person_for_action

from . import selectors, services
from .forms import (
    AgreementForm,
    AnswerForm,
    BreakGlassReviewForm,
    CategoryForm,
    ConsentForm,
    DecisionForm,
    LawfulBasisForm,
    ReasonForm,
)
from .policy import BREAK_GLASS_ROLES, PERSON_ROLES

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*services.RECORD_KEEPING_ROLES)
GLASS_BREAKERS = staff_with_roles(*BREAK_GLASS_ROLES)
IG_OFFICERS = staff_with_roles(Role.INFORMATION_GOVERNANCE)


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def record_consent(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, person_access = person_for_action(actor=actor, person_id=person_id)
    if person_access.restricted:
        raise Http404("No such person.")  # rule 5: a record you may not see is a 404
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Consent has been recorded. It applies from now.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "sharing/consent_form.html", {"form": form, "person": person})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def withdraw_consent(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    consent = selectors.consent_for_change(actor=actor, consent_id=consent_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="Why was consent withdrawn?",
        help_text="For example, 'Asked by phone on 3 March to stop sharing with the college.'",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(
                actor=actor, consent=consent, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Consent has been withdrawn. Sharing under it stops now.")
            return redirect("people:detail", person_id=consent.person_id)
    return render(request, "sharing/withdraw_consent.html", {"form": form, "consent": consent})


@access(PEOPLE_STAFF)
def consent_evidence(request: HttpRequest, consent_id: UUID) -> FileResponse:
    """Evidence files live outside the web root and are served only through this check."""
    consent = selectors.consent_evidence(actor=Actor.from_request(request), consent_id=consent_id)
    response = FileResponse(consent.evidence.open("rb"), as_attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access(PEOPLE_STAFF)
@require_http_methods(["GET", "POST"])
def request_access(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = person_for_action(actor=actor, person_id=person_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="Why do you need access?",
        help_text="The organisation that holds the record will read this. Do not add personal details.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_access(actor=actor, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Your request has been sent to {person.registered_by.name}.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "sharing/request_access.html", {"form": form, "person": person})


@access(GLASS_BREAKERS)
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = person_for_action(actor=actor, person_id=person_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="What is the emergency?",
        help_text="Use this only when someone is at risk and you cannot wait for consent. Information governance reviews every use.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(actor=actor, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(
                request, "Emergency access is on for a limited time and will be reviewed."
            )
            return redirect("people:detail", person_id=person.pk)
    return render(request, "sharing/break_glass.html", {"form": form, "person": person})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def request_lawful_basis(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = person_for_action(actor=actor, person_id=person_id)
    form = LawfulBasisForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_lawful_basis(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Your request has gone to information governance for a decision."
            )
            return redirect("people:detail", person_id=person.pk)
    return render(request, "sharing/lawful_basis_form.html", {"form": form, "person": person})


@access(IG_OFFICERS)
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.review_queue(actor=Actor.from_request(request))
    return render(request, "sharing/review_queue.html", {"queue": queue})


@access(IG_OFFICERS)
@require_http_methods(["GET", "POST"])
def review_break_glass(request: HttpRequest, glass_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    glass = selectors.break_glass_for_review(actor=actor, glass_id=glass_id)
    form = BreakGlassReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_break_glass(actor=actor, glass=glass, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The review has been recorded.")
            return redirect("sharing:review_queue")
    return render(request, "sharing/review_break_glass.html", {"form": form, "glass": glass})


@access(IG_OFFICERS)
@require_http_methods(["GET", "POST"])
def decide_lawful_basis(request: HttpRequest, basis_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    basis = selectors.lawful_basis_for_decision(actor=actor, basis_id=basis_id)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_lawful_basis(
                actor=actor,
                basis=basis,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your decision has been recorded.")
            return redirect("sharing:review_queue")
    return render(request, "sharing/decide_lawful_basis.html", {"form": form, "basis": basis})


@access(PEOPLE_STAFF)
@require_http_methods(["GET", "POST"])
def answer_access_request(request: HttpRequest, request_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    access_request = selectors.access_request_for_answer(actor=actor, request_id=request_id)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_access_request(
                actor=actor, request=access_request, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your answer has been recorded.")
            return redirect("sharing:review_queue")
    return render(
        request,
        "sharing/answer_access_request.html",
        {"form": form, "access_request": access_request},
    )


@access(PEOPLE_STAFF)
def agreement_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "sharing/agreement_list.html",
        {"agreements": selectors.agreements(actor=actor), "is_ig": selectors.is_ig_officer(actor)},
    )


@access(IG_OFFICERS)
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_agreement(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The sharing agreement has been added.")
            return redirect("sharing:agreement_list")
    return render(request, "sharing/agreement_form.html", {"form": form})


@access(PEOPLE_STAFF)
def category_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "sharing/category_list.html",
        {"categories": selectors.categories(), "is_ig": selectors.is_ig_officer(actor)},
    )


@access(IG_OFFICERS)
@require_http_methods(["GET", "POST"])
def category_change(request: HttpRequest, code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    category = selectors.category_for_change(actor=actor, code=code)
    form = CategoryForm(
        request.POST if request.method == "POST" else None,
        initial={"name": category.name, "description": category.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_category(actor=actor, category=category, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The category has been updated.")
            return redirect("sharing:category_list")
    return render(request, "sharing/category_form.html", {"form": form, "category": category})
