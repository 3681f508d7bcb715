"""Outcome pages, from a case: choose what was achieved, record it, and verify it; and the key
worker's sustainment checks due. Views call selectors and services only (rule 1)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.sharing.policy import RECORD_KEEPING_ROLES

from . import selectors, services
from .forms import KIND_HINTS, KindForm, OutcomeForm, VerifyForm
from .models import Outcome

RECORD_KEEPERS = staff_with_roles(*RECORD_KEEPING_ROLES)


def _case_url(case_id: Any) -> str:
    return reverse("cases:detail", args=[case_id])


def _add_errors(form: OutcomeForm, error: ValidationError) -> None:
    """The service's messages, on fields the form has not already found a problem with."""
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields and name in form.errors:
            continue
        for item in errors:
            form.add_error(name if name in form.fields else None, item)


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def choose_kind(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Step 1: what the person achieved."""
    actor = Actor.from_request(request)
    case = selectors.case_for_outcomes(actor=actor, case_id=case_id)
    form = KindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return redirect("outcomes:record", case_id=case.pk, kind=form.cleaned_data["kind"])
    return render(
        request,
        "outcomes/choose_kind.html",
        {"form": form, "case": case, "case_url": _case_url(case.pk), "hints": KIND_HINTS},
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, case_id: UUID, kind: str) -> HttpResponse:
    """Step 2: the details of that kind of outcome, and the evidence."""
    if kind not in Outcome.Kind.values:
        raise Http404("No such kind of outcome.")
    actor = Actor.from_request(request)
    case = selectors.case_for_outcomes(actor=actor, case_id=case_id)
    job_starts = (
        selectors.job_starts_for_case(actor=actor, case=case)
        if kind == Outcome.Kind.JOB_SUSTAINED
        else []
    )
    if request.method == "POST":
        form = OutcomeForm(request.POST, kind=kind, job_starts=job_starts)
        parsed = form.is_valid()
        try:
            if parsed:
                services.record_outcome(actor=actor, case=case, kind=kind, **form.service_fields())
            else:  # show the service's messages for the other fields too, all at once
                services.check_outcome(actor=actor, case=case, kind=kind, **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if parsed:
                label = Outcome.Kind(kind).label
                messages.success(request, f"The outcome has been recorded: {label.lower()}.")
                return redirect(_case_url(case.pk))
    else:
        initial = {
            name: request.GET[name]
            for name in ("job_start", "weeks")
            if kind == Outcome.Kind.JOB_SUSTAINED and name in request.GET
        }
        form = OutcomeForm(kind=kind, job_starts=job_starts, initial=initial)
    return render(
        request,
        "outcomes/record.html",
        {
            "form": form,
            "case": case,
            "case_url": _case_url(case.pk),
            "kind_label": Outcome.Kind(kind).label,
            "no_job_starts": kind == Outcome.Kind.JOB_SUSTAINED and not job_starts,
        },
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, outcome_id: UUID) -> HttpResponse:
    """Record whether the outcome's evidence was checked."""
    actor = Actor.from_request(request)
    outcome = selectors.outcome_for_verification(actor=actor, outcome_id=outcome_id)
    case = outcome.case
    if request.method == "POST":
        form = VerifyForm(request.POST)
        if form.is_valid():
            try:
                services.verify_outcome(
                    actor=actor,
                    outcome=outcome,
                    state=form.cleaned_data["state"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The outcome's verification has been recorded.")
                return redirect(_case_url(case.pk))
    else:
        initial = (
            {"state": outcome.verification, "note": outcome.verification_note}
            if outcome.verification != Outcome.Verification.UNVERIFIED
            else {}
        )
        form = VerifyForm(initial=initial)
    return render(
        request,
        "outcomes/verify.html",
        {"form": form, "outcome": outcome, "case": case, "case_url": _case_url(case.pk)},
    )


@access(RECORD_KEEPERS)
@require_safe
def sustainment_checks(request: HttpRequest) -> HttpResponse:
    """The key worker's job starts due a check that the person is still in work."""
    actor = Actor.from_request(request)
    checks = selectors.sustainment_checks_due(actor=actor, today=timezone.localdate())
    return render(request, "outcomes/sustainment_checks.html", {"checks": checks})
