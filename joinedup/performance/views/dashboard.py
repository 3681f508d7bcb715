"""The shared partnership dashboard (F16) for staff, its settings page and the disclosure
control page for performance analysts, the definitions' history, and the anonymised public
dashboard with its CSV download (issue 7, items 6 and 7). Views call selectors and services only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import PUBLIC, STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.csv_export import csv_response
from joinedup.core.forms import add_service_errors

from .. import disclosure
from ..forms.dashboard import AddItemForm, DisclosureForm
from ..selectors import dashboard as selectors
from ..services import dashboard as services

ANALYSTS = staff_with_roles(Role.PERFORMANCE_ANALYST)
#: How long the public dashboard is kept before it is counted again (it is counted live).
PUBLIC_CACHE_SECONDS = 300


def _url_or_blank(name: str) -> str:
    """A page another part of the app provides, if it is there."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@require_safe
@access(STAFF)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "performance/dashboard/dashboard.html",
        {
            "dashboard": selectors.shared_dashboard(actor=actor),
            "can_manage": services.may_manage_dashboard(actor=actor),
            "how_we_count_url": _url_or_blank("performance:how_we_count"),
        },
    )


@require_safe
@access(STAFF)
def definitions(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "performance/dashboard/definitions.html",
        {
            "definitions": selectors.dashboard_definition_history(actor=actor),
            "how_we_count_url": _url_or_blank("performance:how_we_count"),
        },
    )


def _settings_page(
    request: HttpRequest, actor: Actor, form: AddItemForm, status: int = 200
) -> HttpResponse:
    items = selectors.dashboard_items(actor=actor)
    rows = [
        (item, item.indicator.name if item.indicator else getattr(item.measure, "name", ""))
        for item in items
    ]
    return render(
        request,
        "performance/dashboard/settings.html",
        {"rows": rows, "form": form},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access(ANALYSTS)
def dashboard_settings(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    choices = selectors.item_choices(actor=actor)
    if request.method != "POST":
        return _settings_page(request, actor, AddItemForm(choices=choices))
    form = AddItemForm(request.POST, choices=choices)
    if form.is_valid():
        try:
            item = services.add_dashboard_item(
                actor=actor, choice=form.cleaned_data["item"], public=form.cleaned_data["public"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = item.indicator.name if item.indicator else item.measure.name  # type: ignore[union-attr]
            messages.success(request, f"{name} is on the dashboard.")
            return redirect("performance:dashboard_settings")
    return _settings_page(request, actor, form, status=400)


def _item_change(request: HttpRequest, item_id: UUID, change: str) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        if change == "remove":
            services.remove_dashboard_item(actor=actor, item_id=item_id)
            messages.success(request, "The item is off the dashboard.")
        elif change == "move":
            services.move_dashboard_item(
                actor=actor, item_id=item_id, direction=request.POST.get("direction", "")
            )
        else:
            services.set_dashboard_item_public(
                actor=actor, item_id=item_id, public=request.POST.get("public") == "yes"
            )
            messages.success(request, "The public dashboard has been updated.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("performance:dashboard_settings")


@require_POST
@access(ANALYSTS)
def item_remove(request: HttpRequest, item_id: UUID) -> HttpResponse:
    return _item_change(request, item_id, "remove")


@require_POST
@access(ANALYSTS)
def item_move(request: HttpRequest, item_id: UUID) -> HttpResponse:
    return _item_change(request, item_id, "move")


@require_POST
@access(ANALYSTS)
def item_public(request: HttpRequest, item_id: UUID) -> HttpResponse:
    return _item_change(request, item_id, "public")


@require_http_methods(["GET", "HEAD", "POST"])
@access(ANALYSTS)
def disclosure_settings(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    control = selectors.disclosure_control(actor=actor)
    initial = {
        "version": control.version,
        "threshold": control.threshold,
        "rounding_base": control.rounding_base,
    }
    status = 200
    if request.method == "POST":
        form = DisclosureForm(request.POST, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.change_disclosure_control(
                    actor=actor,
                    threshold=data["threshold"],
                    rounding_base=data["rounding_base"],
                    change_reason=data["change_reason"],
                    expected_version=data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
                control = selectors.disclosure_control(actor=actor)
                post = request.POST.copy()
                post["version"] = str(control.version)
                form.data = post
            else:
                messages.success(request, "The disclosure rules have been changed.")
                return redirect("performance:disclosure_settings")
        status = 400
    else:
        form = DisclosureForm(initial=initial)
    return render(
        request,
        "performance/dashboard/disclosure.html",
        {
            "form": form,
            "control": control,
            "history": selectors.disclosure_history(actor=actor),
            "mark": disclosure.SUPPRESSED_MEANING,
        },
        status=status,
    )


def _public(request: HttpRequest) -> selectors.PublicDashboard:
    """The public dashboard, counted at most every few minutes (anyone may ask for it)."""
    actor = Actor.system(process="public-dashboard")
    key = "performance:public-dashboard:" + selectors.public_dashboard_state(actor=actor)
    found = cache.get(key)
    if found is None:
        found = selectors.public_dashboard(actor=actor)
        cache.set(key, found, PUBLIC_CACHE_SECONDS)
    return found


@require_safe
@access(PUBLIC)
def public_dashboard(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"dashboard": _public(request), "mark": disclosure.SUPPRESSED_MEANING}
    return render(request, "performance/dashboard/public.html", context)


@require_safe
@access(PUBLIC)
def public_dashboard_csv(request: HttpRequest) -> HttpResponse:
    published = _public(request)
    filename = f"partnership-dashboard-{published.date_to:%Y-%m-%d}.csv"
    return csv_response(filename=filename, rows=published.csv_rows())
