"""Referral pages: the inbox, a referral, the staff referral form, and the public
self-referral question pages (GOV.UK: one thing per page, check your answers, confirmation)."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from joinedup.core.access import PUBLIC, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.core.request_meta import client_ip
from joinedup.directory.needs import NeedArea
from joinedup.people.selectors import person_for_change
from joinedup.sharing.policy import PERSON_ROLES, RECORD_KEEPING_ROLES

from . import forms as referral_forms
from . import selectors, services
from .models import Referral

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*RECORD_KEEPING_ROLES)
SESSION_KEY = "joinedup_self_referral"
DONE_KEY = "joinedup_self_referral_done"
#: A human takes longer than this from the first question to sending.
MIN_SECONDS_TO_COMPLETE = 5

STEPS: list[tuple[str, type[forms.Form]]] = [
    ("name", referral_forms.NameForm),
    ("date-of-birth", referral_forms.DateOfBirthForm),
    ("postcode", referral_forms.PostcodeForm),
    ("contact", referral_forms.ContactForm),
    ("help-with", referral_forms.NeedsForm),
    ("about", referral_forms.AboutForm),
    ("consent", referral_forms.ConsentForm),
]
STEP_FORMS = dict(STEPS)


# ----------------------------------------------------------------------------- staff


@access(PEOPLE_STAFF)
def inbox(request: HttpRequest) -> HttpResponse:
    result = selectors.inbox(
        actor=Actor.from_request(request),
        tab=request.GET.get("tab", "new"),
        team_id=_uuid_or_none(request.GET.get("team")),
        page=request.GET.get("page", 1),
    )
    return render(
        request,
        "referrals/inbox.html",
        {"inbox": result, "tabs": selectors.INBOX_TABS, "today": timezone.localdate()},
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@access(PEOPLE_STAFF)
def sent(request: HttpRequest) -> HttpResponse:
    page = selectors.sent_referrals(
        actor=Actor.from_request(request), page=request.GET.get("page", 1)
    )
    return render(request, "referrals/sent.html", {"page": page})


@access(PEOPLE_STAFF)
def detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    referral = selectors.referral_detail(actor=actor, referral_id=referral_id)
    progress = selectors.triage_progress(referral=referral)
    keeps_records = request.user.has_any_role(RECORD_KEEPING_ROLES)  # type: ignore[union-attr]
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "triage_started": progress != "none",
            "triage_complete": progress == "complete",
            "triage_possible": keeps_records
            and referral.status in (*Referral.OPEN_STATUSES, Referral.Status.ACCEPTED),
            "receiving": referral.to_organisation_id == actor.organisation_id,
            "decline_form": referral_forms.DeclineForm(),
            "close_form": referral_forms.CloseForm(),
            "need_labels": dict(NeedArea.choices),
        },
    )


@access(RECORD_KEEPERS)
@require_POST
def accept(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    referral = selectors.referral_detail(actor=actor, referral_id=referral_id)
    try:
        services.accept_referral(actor=actor, referral=referral)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Referral {referral.reference} accepted.")
    return redirect("referrals:detail", referral_id=referral.pk)


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    referral = selectors.referral_detail(actor=actor, referral_id=referral_id)
    form = referral_forms.DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_referral(
                actor=actor, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Referral {referral.reference} declined. The referrer can see why."
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request, "referrals/answer.html", {"form": form, "referral": referral, "action": "Decline"}
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    referral = selectors.referral_detail(actor=actor, referral_id=referral_id)
    form = referral_forms.CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_referral(
                actor=actor, referral=referral, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Referral {referral.reference} closed.")
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request, "referrals/answer.html", {"form": form, "referral": referral, "action": "Close"}
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = person_for_change(actor=actor, person_id=person_id)
    form = referral_forms.StaffReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer_person(
                actor=actor,
                person=person,
                destination=services.ReferralDestination(
                    organisation=data["to_organisation"], team=data["to_team"]
                ),
                reason=data["reason"],
                needs=data["needs"],
                urgency=data["urgency"],
                consent_to_share=data["consent_to_share"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Referral {referral.reference} sent to {referral.to_organisation.name}."
            )
            return redirect("people:detail", person_id=person.pk)
    return render(request, "referrals/refer.html", {"form": form, "person": person})


# ----------------------------------------------------------------------------- self-referral


def _answers(request: HttpRequest) -> dict[str, Any]:
    answers = request.session.get(SESSION_KEY)
    return answers if isinstance(answers, dict) else {}


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def self_referral_start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.session[SESSION_KEY] = {"started": time.time()}
        return redirect("referrals:self_referral_step", step=STEPS[0][0])
    return render(request, "referrals/self_referral_start.html")


def _next_step(step: str) -> str:
    names = [name for name, _ in STEPS]
    index = names.index(step)
    return (
        reverse("referrals:self_referral_check")
        if index + 1 == len(names)
        else reverse("referrals:self_referral_step", kwargs={"step": names[index + 1]})
    )


def _previous_url(step: str) -> str:
    names = [name for name, _ in STEPS]
    index = names.index(step)
    if index == 0:
        return reverse("referrals:self_referral_start")
    return reverse("referrals:self_referral_step", kwargs={"step": names[index - 1]})


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _initial(form_class: type[forms.Form], answers: dict[str, Any]) -> dict[str, Any]:
    initial = {}
    for name in form_class.base_fields:
        value = answers.get(name)
        if name == "date_of_birth" and value:
            value = date.fromisoformat(value)
        initial[name] = value
    return initial


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def self_referral_step(request: HttpRequest, step: str) -> HttpResponse:
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    answers = _answers(request)
    if "started" not in answers:
        return redirect("referrals:self_referral_start")
    form = form_class(
        request.POST if request.method == "POST" else None, initial=_initial(form_class, answers)
    )
    if request.method == "POST" and form.is_valid():
        answers.update({k: _stored(v) for k, v in form.cleaned_data.items()})
        request.session[SESSION_KEY] = answers
        if request.GET.get("change") == "1":
            return redirect("referrals:self_referral_check")
        return redirect(_next_step(step))
    return render(
        request,
        "referrals/self_referral_step.html",
        {
            "form": form,
            "heading": getattr(form_class, "heading", ""),
            "back_url": _previous_url(step),
        },
    )


def _summary(answers: dict[str, Any]) -> list[tuple[str, str, str]]:
    labels = dict(NeedArea.choices)
    dob = answers.get("date_of_birth")
    how = {"phone": "Phone call", "text": "Text message", "email": "Email"}.get(
        answers.get("contact_preference", ""), ""
    )
    contact = " · ".join(v for v in (how, answers.get("phone", ""), answers.get("email", "")) if v)
    return [
        (
            "Name",
            f"{answers.get('given_name', '')} {answers.get('family_name', '')}".strip(),
            "name",
        ),
        (
            "Date of birth",
            date.fromisoformat(dob).strftime("%-d %B %Y") if dob else "",
            "date-of-birth",
        ),
        ("Postcode", answers.get("postcode", ""), "postcode"),
        ("Contact", contact, "contact"),
        ("Help with", ", ".join(labels.get(n, n) for n in answers.get("needs", [])), "help-with"),
        ("About your situation", answers.get("reason", ""), "about"),
    ]


def _complete(answers: dict[str, Any]) -> bool:
    required = (
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode",
        "contact_preference",
        "needs",
        "reason",
        "consent_to_share",
    )
    return all(answers.get(k) for k in required)


def _rate_limited(request: HttpRequest) -> bool:
    key = f"self-referral:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.JOINEDUP_SELF_REFERRAL_RATE


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def self_referral_check(request: HttpRequest) -> HttpResponse:
    answers = _answers(request)
    if not _complete(answers):
        return redirect("referrals:self_referral_start")
    if request.method == "POST":
        if _rate_limited(request):
            return render(request, "referrals/self_referral_too_many.html", status=429)
        is_bot = (
            bool(request.POST.get("website"))
            or time.time() - float(answers["started"]) < MIN_SECONDS_TO_COMPLETE
        )
        reference = ""
        if not is_bot:
            referral = services.receive_self_referral(
                actor=Actor.anonymous(request, process="self-referral"),
                answers=services.SelfReferralAnswers(
                    given_name=answers["given_name"],
                    family_name=answers["family_name"],
                    date_of_birth=date.fromisoformat(answers["date_of_birth"]),
                    postcode=answers["postcode"],
                    phone=answers.get("phone", ""),
                    email=answers.get("email", ""),
                    contact_preference=answers["contact_preference"],
                    needs=tuple(answers["needs"]),
                    reason=answers["reason"],
                    consent_to_share=bool(answers["consent_to_share"]),
                ),
            )
            reference = referral.reference
        else:
            reference = services.new_reference()  # a bot learns nothing from the answer
        request.session.pop(SESSION_KEY, None)
        request.session[DONE_KEY] = reference
        return redirect("referrals:self_referral_done")
    return render(request, "referrals/self_referral_check.html", {"rows": _summary(answers)})


@access(PUBLIC)
def self_referral_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(DONE_KEY)
    if not reference:
        return redirect("referrals:self_referral_start")
    return render(request, "referrals/self_referral_done.html", {"reference": reference})
