"""Performance measure pages: the measures under the three questions with their filters, the
people behind a figure, the "How we count" page with every definition's history, and the change
of a definition (performance analysts only). Views call the selectors and services only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from ..forms.measures import MeasureDefinitionForm, MeasureFilterForm
from ..models import DefinitionVersion
from ..selectors import measure_disclosure
from ..selectors import measures as selectors
from ..services import definitions as services

ANALYSTS = staff_with_roles(Role.PERFORMANCE_ANALYST)


def _filter_form(request: HttpRequest, actor: Actor) -> MeasureFilterForm:
    data = request.GET if any(k != "page" for k in request.GET) else None
    return MeasureFilterForm(
        data,
        programmes=selectors.programme_choices(actor=actor),
        organisations=selectors.organisation_choices(actor=actor),
        teams=selectors.team_choices(actor=actor),
        areas=selectors.area_choices(actor=actor),
    )


def _query_string(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _is_analyst(request: HttpRequest) -> bool:
    return bool(request.user.has_any_role({Role.PERFORMANCE_ANALYST}))  # type: ignore[union-attr]


@access(STAFF)
@require_safe
def measure_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = _filter_form(request, actor)
    filters = form.filters()
    # Figures outside the viewer's organisation's work are hidden for small groups.
    measures = measure_disclosure.shown_measures_by_question(actor=actor, filters=filters)
    date_from, date_to = filters.period(selectors.timezone.localdate())
    return render(
        request,
        "performance/measures/list.html",
        {
            "form": form,
            "groups": measures.groups,
            "any_hidden": measures.any_hidden,
            "threshold": measures.threshold,
            "date_from": date_from,
            "date_to": date_to,
            "query_string": _query_string(request),
            "filtered": form.is_bound and form.is_valid(),
        },
    )


@access(STAFF)
@require_safe
def measure_people(request: HttpRequest, code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    form = _filter_form(request, actor)
    filters = form.filters()
    behind = selectors.people_behind_measure(
        actor=actor, code=code, filters=filters, page=request.GET.get("page", 1)
    )
    counts = measure_disclosure.people_counts_shown(actor=actor, filters=filters, behind=behind)
    date_from, date_to = filters.period(selectors.timezone.localdate())
    return render(
        request,
        "performance/measures/people.html",
        {
            "behind": behind,
            "counts_shown": counts.shown,
            "threshold": counts.threshold,
            "definition": behind.definition,
            "page": behind.page,
            "date_from": date_from,
            "date_to": date_to,
            "query_string": _query_string(request),
        },
    )


@access(STAFF)
@require_safe
def how_we_count(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "performance/measures/how_we_count.html",
        {
            "definitions": selectors.how_we_count(actor=actor),
            "may_change": _is_analyst(request),
        },
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def measure_change(request: HttpRequest, code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    measure = selectors.measure_definition(actor=actor, code=code)
    form = MeasureDefinitionForm(
        request.POST if request.method == "POST" else None,
        initial=MeasureDefinitionForm.initial_for(measure),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_definition_change(
                actor=actor,
                code=code,
                seen_version=form.cleaned_data["version"],
                changes=form.changes(),
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"“{form.cleaned_data['name']}” is now version {measure.version + 1}."
            )
            return redirect(f"{_how_we_count_url()}#measure-{code}")
    status = 400 if form.is_bound and form.errors else 200
    history: Any = selectors.definition_history(
        actor=actor, kind=DefinitionVersion.Kind.MEASURE, code=code
    )
    return render(
        request,
        "performance/measures/change.html",
        {"form": form, "measure": measure, "history": history},
        status=status,
    )


def _how_we_count_url() -> str:
    from django.urls import reverse

    return reverse("performance:how_we_count")
