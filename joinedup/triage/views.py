"""Triage pages, from a referral in the inbox: who is it (the duplicate check), the triage
assessment (pre-filled), then the rating with its explanation, the identified needs with
suggested services, and the outcome. Views call selectors and services only (rule 1)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.accounts.roles import Role
from joinedup.assessments.forms import AssessmentForm
from joinedup.assessments.models import Assessment
from joinedup.assessments.selectors import active_rules, active_scale
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.directory.needs import NeedArea
from joinedup.referrals.models import Referral
from joinedup.referrals.selectors import triage_progress
from joinedup.sharing.policy import PERSON_ROLES, RECORD_KEEPING_ROLES

from . import selectors, services
from .forms import NEW_RECORD, MatchForm, OutcomeForm

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*RECORD_KEEPING_ROLES)
#: Session key: the records the duplicate check showed for a referral (recorded if a new record
#: is added anyway).
SHOWN_KEY = "joinedup_triage_shown"


def _next_step(referral: Referral, progress: str) -> str:
    if referral.person_id is None:
        return "triage:match"
    if progress == "none":
        return "triage:assess"
    return "triage:outcome"


@access(RECORD_KEEPERS)
@require_safe
def start(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Take the practitioner to the next step of the referral's triage."""
    actor = Actor.from_request(request)
    referral = selectors.referral_for_triage(actor=actor, referral_id=referral_id)
    progress = triage_progress(referral=referral)
    return redirect(_next_step(referral, progress), referral_id=referral.pk)


def _refuse_closed(request: HttpRequest, referral: Referral) -> HttpResponse | None:
    if referral.status in services.TRIAGEABLE:
        return None
    messages.error(
        request,
        f"This referral has been {referral.get_status_display().lower()}, so it cannot be triaged.",
    )
    return redirect("referrals:detail", referral_id=referral.pk)


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def match(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Step 1 for a referral without a record: the records that may be the person, or a new
    record from the details the referral gives."""
    actor = Actor.from_request(request)
    referral = selectors.referral_for_triage(actor=actor, referral_id=referral_id)
    if referral.person_id is not None:
        return redirect("triage:start", referral_id=referral.pk)
    refused = _refuse_closed(request, referral)
    if refused is not None:
        return refused
    shown_by_referral = request.session.get(SHOWN_KEY) or {}
    if request.method == "POST":
        shown = [uuid.UUID(pk) for pk in shown_by_referral.get(str(referral.pk), [])]
        candidates = selectors.match_candidates(actor=actor, referral=referral)
        form = MatchForm(request.POST, candidates=candidates)
        if form.is_valid():
            chosen = form.cleaned_data["person"]
            try:
                services.match_referral_to_person(
                    actor=actor,
                    referral=referral,
                    person_id=None if chosen == NEW_RECORD else uuid.UUID(chosen),
                    shown=shown or [c.person_id for c in candidates],
                    identity_checked=form.cleaned_data["identity_checked"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                shown_by_referral.pop(str(referral.pk), None)
                request.session[SHOWN_KEY] = shown_by_referral
                messages.success(
                    request,
                    "A new record has been added."
                    if chosen == NEW_RECORD
                    else "The referral has been matched to their record.",
                )
                return redirect("triage:assess", referral_id=referral.pk)
    else:
        candidates = selectors.match_candidates(actor=actor, referral=referral)
        shown_by_referral[str(referral.pk)] = [str(c.person_id) for c in candidates]
        request.session[SHOWN_KEY] = shown_by_referral
        form = MatchForm(candidates=candidates)
    return render(
        request,
        "triage/match.html",
        {"form": form, "referral": referral, "candidates": form.candidates},
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Step 2: the triage assessment, pre-filled with what is already known."""
    actor = Actor.from_request(request)
    referral = selectors.referral_for_triage(actor=actor, referral_id=referral_id)
    if referral.person_id is None:
        return redirect("triage:match", referral_id=referral.pk)
    if triage_progress(referral=referral) == "complete":
        return redirect("triage:outcome", referral_id=referral.pk)
    refused = _refuse_closed(request, referral)
    if refused is not None:
        return refused
    person, prefill = selectors.prefill_for_triage(actor=actor, referral=referral)
    scale = active_scale()
    if request.method == "POST":
        data = request.POST.copy()
        data["kind"] = Assessment.Kind.TRIAGE
        form = AssessmentForm(data, scale=scale)
        if form.is_valid():
            try:
                services.record_triage_assessment(
                    actor=actor, referral=referral, scale=scale, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The triage assessment has been recorded.")
                return redirect("triage:outcome", referral_id=referral.pk)
    else:
        initial = AssessmentForm.initial_from(prefill)
        initial["kind"] = Assessment.Kind.TRIAGE
        initial["assessed_on"] = timezone.localdate()
        form = AssessmentForm(scale=scale, initial=initial)
    asked_for = [n.need for n in referral.needs.all()]
    return render(
        request,
        "triage/assess.html",
        {
            "form": form,
            "referral": referral,
            "person": person,
            "scale": scale,
            "prefill": prefill,
            "asked_for": asked_for,
            "asked_for_labels": [dict(NeedArea.choices)[n] for n in asked_for],
        },
    )


@access(PEOPLE_STAFF)
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Step 3: the complexity rating with its explanation, the needs identified with services
    suggested for each, and the outcome. After the outcome, the triage's summary."""
    actor = Actor.from_request(request)
    referral = selectors.referral_for_triage(actor=actor, referral_id=referral_id)
    if triage_progress(referral=referral) == "none":
        return redirect("triage:start", referral_id=referral.pk)
    summary = selectors.triage_summary(actor=actor, referral=referral)
    triage = summary.triage
    can_decide = not triage.is_complete and bool(
        request.user.has_any_role(RECORD_KEEPING_ROLES)  # type: ignore[union-attr]
    )
    form = None
    if can_decide:
        key_workers = services.key_worker_choices(organisation_id=actor.organisation_id)
        default = request.user if request.user.has_role(Role.KEY_WORKER) else None  # type: ignore[union-attr]
        form = OutcomeForm(
            request.POST if request.method == "POST" else None,
            key_workers=key_workers,
            services=summary.suggested_services,
            default_key_worker=default,  # type: ignore[arg-type]
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.complete_triage(
                    actor=actor,
                    triage=triage,
                    outcome=data["outcome"],
                    key_worker=data.get("key_worker"),
                    handoff_note=data.get("handoff_note", ""),
                    service=data.get("service"),
                    send_referral=bool(data.get("send_referral")),
                    person_agreed=bool(data.get("person_agreed")),
                    reason=data.get("reason", ""),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, "The triage is complete. The referrer can see what happened."
                )
                return redirect("triage:outcome", referral_id=referral.pk)
    elif request.method == "POST":
        messages.error(request, "This triage has already been completed.")
        return redirect("triage:outcome", referral_id=referral.pk)
    return render(
        request,
        "triage/outcome.html",
        {"summary": summary, "form": form, "rules": active_rules(), "triage": triage},
    )


@access(PEOPLE_STAFF)
@require_safe
def handoffs(request: HttpRequest) -> HttpResponse:
    """People handed to a key worker by triage, waiting for their case to be opened."""
    actor = Actor.from_request(request)
    show_all = request.GET.get("show") == "all"
    page: Any = selectors.handoffs_waiting(
        actor=actor, mine_only=not show_all, page=request.GET.get("page", 1)
    )
    return render(request, "triage/handoffs.html", {"page": page, "show_all": show_all})
