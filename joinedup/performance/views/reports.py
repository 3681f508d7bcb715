"""Turn-the-curve report pages: the list, starting a report, the report page, changing its words
and status, adding, changing, removing and reordering the items of its lists, its history, and
the one-page report card as a PDF.

Every member of staff may read reports; performance analysts start them; analysts and staff of
the report's partner organisations change them (``selectors.reports.may_edit_report``). Views
call the selectors and services only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from ..forms.reports import (
    ITEM_FORMS,
    ActionForm,
    PartnerForm,
    ReportChangeForm,
    ReportStartForm,
    VersionForm,
)
from ..selectors import reports as selectors
from ..services import reports as services

ANALYSTS = staff_with_roles(Role.PERFORMANCE_ANALYST)


def _item_form(
    section: str, actor: Actor, data: Any = None, initial: dict[str, Any] | None = None
) -> Any:
    form_class = ITEM_FORMS[section]
    kwargs: dict[str, Any] = {"initial": initial or {}}
    if form_class is PartnerForm:
        kwargs["organisations"] = selectors.report_choices_organisations(actor=actor)
    if form_class is ActionForm:
        kwargs["organisations"] = selectors.report_choices_organisations(actor=actor)
        kwargs["programmes"] = selectors.report_choices_programmes(actor=actor)
    return form_class(data, **kwargs)


def _section_or_404(section: str) -> tuple[str, str]:
    if section not in selectors.SECTIONS:
        raise Http404("No such part of a report.")
    _, _, noun, heading, _ = selectors.SECTIONS[section]
    return noun, heading


def _stale_page(
    request: HttpRequest,
    *,
    actor: Actor,
    report_id: UUID,
    form: Any,
    seen_version: int,
    error: ValidationError,
    context: dict[str, Any],
) -> HttpResponse:
    """Someone else changed the report since this form was built (REL-01): show the form again
    with what this user typed kept, the latest version in its hidden field (so the next save
    goes through), and what the other person changed. Status 409."""
    latest = selectors.report_for_change(actor=actor, report_id=report_id)
    data = request.POST.copy()
    data["version"] = str(latest.version)
    form.data = data
    form.is_bound = True
    form._errors = None
    form.full_clean()
    form.add_error(None, " ".join(error.messages))
    changes = selectors.changes_since(actor=actor, report=latest, version=seen_version)
    return render(
        request,
        "performance/reports/form.html",
        {**context, "form": form, "report": latest, "their_changes": changes, "stale": True},
        status=409,
    )


def _seen_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


# ----------------------------------------------------------------------------- list and start


@access(STAFF)
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "performance/reports/list.html",
        {
            "page": selectors.reports_list(actor=actor, page=request.GET.get("page")),
            "can_start": selectors.may_start_report(actor=actor),
        },
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def report_start(request: HttpRequest) -> HttpResponse:
    """Start a report for an indicator and area (``?indicator=<code>&area=<code>`` pre-select
    them, from an indicator's page)."""
    actor = Actor.from_request(request)
    indicators = selectors.report_choices_indicators(actor=actor)
    areas = selectors.report_choices_areas(actor=actor)
    initial: dict[str, Any] = {}
    wanted_indicator = indicators.filter(code=request.GET.get("indicator", "")).first()
    if wanted_indicator is not None:
        initial["indicator"] = wanted_indicator.pk
    wanted_area = areas.filter(code=request.GET.get("area", "")).first()
    if wanted_area is not None:
        initial["area"] = wanted_area.pk
    form = ReportStartForm(
        request.POST if request.method == "POST" else None,
        indicators=indicators,
        areas=areas,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Report started. Now tell the story behind the baseline and add partners."
            )
            return redirect("performance:report", report_id=report.pk)
    return render(
        request,
        "performance/reports/form.html",
        {
            "form": form,
            "heading": "Start a turn-the-curve report",
            "button": "Start the report",
            "cancel": reverse("performance:reports"),
            "intro": "Choose the indicator and the population whose curve you want to turn. "
            "You then add the story behind the baseline, partners, what works and the action "
            "plan, with your partners.",
        },
    )


# ----------------------------------------------------------------------------- the report


@access(STAFF)
@require_safe
def report_detail(request: HttpRequest, report_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.report_detail(actor=actor, report_id=report_id)
    return render(
        request,
        "performance/reports/detail.html",
        {
            "view": view,
            "report": view.report,
            "chart": selectors.report_chart(actor=actor, report=view.report),
        },
    )


@access(STAFF)
@require_http_methods(["GET", "POST"])
def report_change(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """Change the report's title, population, outcome, success and status."""
    actor = Actor.from_request(request)
    report = selectors.report_for_change(actor=actor, report_id=report_id)
    form = ReportChangeForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": report.title,
            "population": report.population,
            "outcome": report.outcome,
            "what_success_looks_like": report.what_success_looks_like,
            "status": report.status,
            "version": report.version,
        },
    )
    context = {
        "heading": "Change the report",
        "button": "Save changes",
        "cancel": reverse("performance:report", kwargs={"report_id": report.pk}),
        "report": report,
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_report(
                actor=actor,
                report=report,
                expected_version=data["version"],
                title=data["title"],
                population=data["population"],
                outcome=data["outcome"],
                what_success_looks_like=data["what_success_looks_like"],
                status=data["status"],
            )
        except services.StaleReportError as error:
            return _stale_page(
                request,
                actor=actor,
                report_id=report_id,
                form=form,
                seen_version=data["version"],
                error=error,
                context=context,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Report saved.")
            return redirect("performance:report", report_id=report.pk)
    return render(request, "performance/reports/form.html", {**context, "form": form})


def _item_initial(section: str, item: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name in services.ITEM_VALUES[section]:
        value = getattr(item, name)
        initial[name] = getattr(value, "pk", value)
    return initial


def _save_item(
    request: HttpRequest, report_id: UUID, section: str, item_id: UUID | None
) -> HttpResponse:
    actor = Actor.from_request(request)
    noun, heading = _section_or_404(section)
    report = selectors.report_for_change(actor=actor, report_id=report_id)
    initial: dict[str, Any] = {"version": report.version}
    if item_id is not None:
        try:
            item = selectors.report_item(
                actor=actor, report=report, section=section, item_id=item_id
            )
        except Http404:
            # Removed by someone else while this user was changing it: keep what they typed
            # and let the service say so (stale version, then "has been removed").
            if request.method != "POST":
                raise
        else:
            initial.update(_item_initial(section, item))
    form = _item_form(section, actor, request.POST if request.method == "POST" else None, initial)
    context = {
        "heading": f"Change the {noun}"
        if item_id
        else f"Add a{'n' if noun[0] in 'aeiou' else ''} {noun}",
        "caption": heading,
        "button": "Save",
        "cancel": reverse("performance:report", kwargs={"report_id": report.pk}) + f"#{section}",
        "report": report,
        "section": section,
    }
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.save_report_item(
                actor=actor,
                report=report,
                expected_version=version,
                section=section,
                values=data,
                item_id=item_id,
            )
        except services.StaleReportError as error:
            return _stale_page(
                request,
                actor=actor,
                report_id=report_id,
                form=form,
                seen_version=version,
                error=error,
                context=context,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{noun[0].upper()}{noun[1:]} saved.")
            return redirect(
                reverse("performance:report", kwargs={"report_id": report.pk}) + f"#{section}"
            )
    return render(request, "performance/reports/form.html", {**context, "form": form})


@access(STAFF)
@require_http_methods(["GET", "POST"])
def report_item_add(request: HttpRequest, report_id: UUID, section: str) -> HttpResponse:
    return _save_item(request, report_id, section, None)


@access(STAFF)
@require_http_methods(["GET", "POST"])
def report_item_change(
    request: HttpRequest, report_id: UUID, section: str, item_id: UUID
) -> HttpResponse:
    return _save_item(request, report_id, section, item_id)


@access(STAFF)
@require_http_methods(["GET", "POST"])
def report_item_remove(
    request: HttpRequest, report_id: UUID, section: str, item_id: UUID
) -> HttpResponse:
    """Check, then remove an item (the history keeps it)."""
    actor = Actor.from_request(request)
    noun, heading = _section_or_404(section)
    report = selectors.report_for_change(actor=actor, report_id=report_id)
    item = selectors.report_item(actor=actor, report=report, section=section, item_id=item_id)
    form = VersionForm(
        request.POST if request.method == "POST" else None, initial={"version": report.version}
    )
    back = reverse("performance:report", kwargs={"report_id": report.pk}) + f"#{section}"
    label = (
        item.organisation.name
        if section == "partners" and item.organisation_id
        else getattr(item, "name", "")
        if section == "partners"
        else item.action
        if section == "actions"
        else item.text
    )
    context: dict[str, Any] = {
        "report": report,
        "item": item,
        "label": label,
        "noun": noun,
        "heading": heading,
        "cancel": back,
    }
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_report_item(
                actor=actor,
                report=report,
                expected_version=form.cleaned_data["version"],
                section=section,
                item_id=item.pk,
            )
        except services.StaleReportError as error:
            latest = selectors.report_for_change(actor=actor, report_id=report_id)
            context.update(
                report=latest,
                form=VersionForm(initial={"version": latest.version}),
                stale=" ".join(error.messages),
                their_changes=selectors.changes_since(
                    actor=actor, report=latest, version=form.cleaned_data["version"]
                ),
            )
            return render(request, "performance/reports/remove.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{noun[0].upper()}{noun[1:]} removed.")
            return redirect(back)
    return render(request, "performance/reports/remove.html", {**context, "form": form})


@access(STAFF)
@require_POST
def report_item_move(
    request: HttpRequest, report_id: UUID, section: str, item_id: UUID
) -> HttpResponse:
    """Move a cause or a data development item up or down (buttons on the report page)."""
    actor = Actor.from_request(request)
    noun, _ = _section_or_404(section)
    report = selectors.report_for_change(actor=actor, report_id=report_id)
    item = selectors.report_item(actor=actor, report=report, section=section, item_id=item_id)
    if not selectors.SECTIONS[section][4]:
        raise Http404("These items have no order to change.")
    form = VersionForm(request.POST)
    direction = request.POST.get("direction", "")
    back = reverse("performance:report", kwargs={"report_id": report.pk}) + f"#{section}"
    if not form.is_valid() or direction not in ("up", "down"):
        messages.error(request, "That move was not understood. Try again.")
        return redirect(back)
    try:
        services.move_report_item(
            actor=actor,
            report=report,
            expected_version=form.cleaned_data["version"],
            section=section,
            item_id=item.pk,
            direction=direction,
        )
    except services.StaleReportError:
        messages.error(
            request,
            "Someone else changed this report since you opened it, so nothing was moved. "
            "Check the order below and try again.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Moved the {noun} {direction}.")
    return redirect(back)


# ----------------------------------------------------------------------------- history


@access(STAFF)
@require_safe
def report_history(request: HttpRequest, report_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    report = selectors.report_for_reading(actor=actor, report_id=report_id)
    return render(
        request,
        "performance/reports/history.html",
        {
            "report": report,
            "page": selectors.report_history(
                actor=actor, report=report, page=request.GET.get("page")
            ),
        },
    )


@access(STAFF)
@require_safe
def report_revision(request: HttpRequest, report_id: UUID, version: int) -> HttpResponse:
    actor = Actor.from_request(request)
    report = selectors.report_for_reading(actor=actor, report_id=report_id)
    return render(
        request,
        "performance/reports/revision.html",
        {
            "report": report,
            "view": selectors.report_revision(
                actor=actor, report=report, version=version, compare_with=request.GET.get("from")
            ),
            "earlier_versions": list(range(version - 1, 0, -1)),
        },
    )


# ----------------------------------------------------------------------------- the report card


@access(STAFF)
@require_safe
def report_card(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """The one-page report card, as a PDF to download."""
    actor = Actor.from_request(request)
    card = selectors.report_card(actor=actor, report_id=report_id)
    response = HttpResponse(card.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{card.file_name}"'
    return response
