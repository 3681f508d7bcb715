"""Pages for finding, adding, viewing and changing people. Views never query personal-data
models: they call selectors and services (rule 1)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.sharing.policy import BREAK_GLASS_ROLES, PERSON_ROLES

from . import selectors, services
from .duplicates import SearchTerms
from .forms import (
    NewPersonStartForm,
    OtherNameForm,
    PersonForm,
    PersonSearchForm,
    WarningMarkerForm,
)
from .models import EQUALITY, Person

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
RECORD_KEEPERS = staff_with_roles(*services.RECORD_KEEPING_ROLES)
NEW_PERSON_KEY = "joinedup_new_person"


@access(PEOPLE_STAFF)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        results = selectors.search_people(
            actor=Actor.from_request(request),
            terms=SearchTerms(
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                postcode=data["postcode"],
            ),
        )
    return render(request, "people/search.html", {"form": form, "results": results})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_start(request: HttpRequest) -> HttpResponse:
    """Adding someone starts with the duplicate check: name, date of birth, postcode."""
    form = NewPersonStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.session[NEW_PERSON_KEY] = {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"].isoformat() if data["date_of_birth"] else "",
            "postcode": data["postcode"],
            "shown": [],
        }
        return redirect("people:add_check")
    return render(request, "people/add_start.html", {"form": form})


def _started(request: HttpRequest) -> dict[str, Any] | None:
    started = request.session.get(NEW_PERSON_KEY)
    return started if isinstance(started, dict) else None


def _terms(started: dict[str, Any]) -> SearchTerms:
    from datetime import date

    dob = started.get("date_of_birth") or ""
    return SearchTerms(
        given_name=started["given_name"],
        family_name=started["family_name"],
        date_of_birth=date.fromisoformat(dob) if dob else None,
        postcode=started.get("postcode", ""),
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_check(request: HttpRequest) -> HttpResponse:
    """Possible matches, with why they match. Going on to create a record anyway is a click
    that is recorded with the matches that were shown."""
    started = _started(request)
    if started is None:
        return redirect("people:add_start")
    if request.method == "POST":
        return redirect("people:add_details")
    matches = selectors.possible_duplicates(
        actor=Actor.from_request(request), terms=_terms(started)
    )
    started["shown"] = [str(m.person_id) for m in matches]
    request.session[NEW_PERSON_KEY] = started
    if not matches:
        return redirect("people:add_details")
    return render(request, "people/add_check.html", {"matches": matches, "started": started})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_details(request: HttpRequest) -> HttpResponse:
    started = _started(request)
    if started is None:
        return redirect("people:add_start")
    terms = _terms(started)
    initial = {
        "given_name": terms.given_name,
        "family_name": terms.family_name,
        "date_of_birth": terms.date_of_birth,
        "postcode": terms.postcode,
    }
    form = PersonForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.register_person(
                actor=Actor.from_request(request),
                values=form.changed_values(),
                possible_duplicates=[uuid.UUID(pk) for pk in started.get("shown", [])],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.pop(NEW_PERSON_KEY, None)
            messages.success(request, f"{person.given_name} {person.family_name} has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(
        request, "people/add_details.html", {"form": form, "shown": len(started.get("shown", []))}
    )


@access(PEOPLE_STAFF)
@require_safe
def detail(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    record = selectors.person_record(actor=actor, person_id=person_id)
    user = request.user
    return render(
        request,
        "people/detail.html",
        {
            "record": record,
            "can_keep_records": user.has_any_role(services.RECORD_KEEPING_ROLES),  # type: ignore[union-attr]
            "can_break_glass": user.has_any_role(BREAK_GLASS_ROLES),  # type: ignore[union-attr]
        },
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, person_access = selectors.person_for_change(actor=actor, person_id=person_id)
    allowed = {
        name for name, category in Person.FIELD_CATEGORIES.items() if person_access.allows(category)
    }
    form = PersonForm(
        request.POST if request.method == "POST" else None,
        initial=PersonForm.initial_from(person),
        allowed_fields=allowed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_person(
                actor=actor, person=person, values=form.changed_values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, "The record has been updated.")
            return redirect("people:detail", person_id=person.pk)
    return render(
        request,
        "people/change.html",
        {"form": form, "person": person, "equality_shown": person_access.allows(EQUALITY)},
    )


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_other_name(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = selectors.person_for_change(actor=actor, person_id=person_id)
    form = OtherNameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_other_name(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The name has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/other_name.html", {"form": form, "person": person})


@access(RECORD_KEEPERS)
@require_http_methods(["GET", "POST"])
def add_warning(request: HttpRequest, person_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _ = selectors.person_for_action(actor=actor, person_id=person_id)
    form = WarningMarkerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_warning_marker(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The staff-safety warning has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/warning.html", {"form": form, "person": person})


@access(PEOPLE_STAFF)
@require_safe
def timeline(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, _, entries, hidden = selectors.person_timeline(
        actor=Actor.from_request(request), person_id=person_id
    )
    return render(
        request,
        "people/timeline.html",
        {"person": person, "entries": entries, "hidden": hidden},
    )
