"""Pages of the service directory (F12): find a service, see how to refer, and, for admins,
add, change, archive, import and export. The directory is not personal data, so every member
of staff reads it; organisation admins change their own organisation's services and system
admins any (the services check; another organisation's service is a 404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.accounts.roles import Role
from joinedup.core.access import STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from . import selectors, services
from .forms import (
    ArchiveForm,
    ContactForm,
    DirectorySearchForm,
    ImportForm,
    LocationForm,
    ServiceForm,
)

DIRECTORY_EDITORS = staff_with_roles(Role.ORGANISATION_ADMIN, Role.SYSTEM_ADMIN)


def _filters(request: HttpRequest) -> tuple[DirectorySearchForm, dict[str, Any]]:
    """The search form from the query string, and the filters it gives (invalid ones are
    shown as errors and left out)."""
    form = DirectorySearchForm(
        request.GET or None, organisations=selectors.organisations_in_directory()
    )
    filters: dict[str, Any] = {"query": "", "need": None, "organisation_id": None}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
        filters = {
            "query": data.get("q") or "",
            "need": data.get("need") or None,
            "organisation_id": data.get("organisation") or None,
        }
    return form, filters


def _query_string(filters: dict[str, Any]) -> str:
    pairs = {
        "q": filters["query"],
        "need": filters["need"] or "",
        "organisation": filters["organisation_id"] or "",
    }
    return urlencode({key: value for key, value in pairs.items() if value})


@access(STAFF)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form, filters = _filters(request)
    page = selectors.directory_search(**filters, page=request.GET.get("page"))
    filtered = any(filters.values())
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "filtered": filtered,
            "query_string": _query_string(filters),
            "can_edit": services.can_edit_directory(actor),
        },
    )


@access(STAFF)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The services the directory's filters find, as an Open Referral UK JSON download."""
    _form, filters = _filters(request)
    body = services.export_oruk_json(selectors.directory_services(**filters))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"joinedup-directory-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access(STAFF)
@require_GET
def service_detail(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_detail(service_id=service_id)
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "can_manage": services.can_manage_services_of(actor, service.organisation_id),
        },
    )


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    organisations = selectors.organisations_for_editor(actor=actor)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={**ServiceForm.initial_for_new(), "organisation": actor.organisation_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_service(
                actor=actor,
                organisation=form.cleaned_data["organisation"],
                values=form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{service.name} has been added to the directory. Add where it runs and who "
                "to contact.",
            )
            return redirect("directory:service_detail", service_id=service.pk)
    return render(request, "directory/service_form.html", {"form": form, "service": None})


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        initial=ServiceForm.initial_from(service),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_service(actor=actor, service=service, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The service has been updated.")
            return redirect("directory:service_detail", service_id=service.pk)
    return render(request, "directory/service_form.html", {"form": form, "service": service})


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def service_archive(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    form = ArchiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_service(
                actor=actor, service=service, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{service.name} has been archived.")
            return redirect("directory:search")
    return render(request, "directory/service_archive.html", {"form": form, "service": service})


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def location_add(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    form = LocationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.add_location(actor=actor, service=service, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{location.name} has been added.")
            return redirect("directory:service_detail", service_id=service.pk)
    return render(request, "directory/location_form.html", {"form": form, "service": service})


@access(DIRECTORY_EDITORS)
@require_POST
def location_remove(request: HttpRequest, service_id: UUID, location_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    location = selectors.location_to_manage(actor=actor, service=service, location_id=location_id)
    services.remove_location(actor=actor, location=location)
    messages.success(request, f"{location.name} has been removed.")
    return redirect("directory:service_detail", service_id=service.pk)


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contact(actor=actor, service=service, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The contact has been added.")
            return redirect("directory:service_detail", service_id=service.pk)
    return render(request, "directory/contact_form.html", {"form": form, "service": service})


@access(DIRECTORY_EDITORS)
@require_POST
def contact_remove(request: HttpRequest, service_id: UUID, contact_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    service = selectors.service_to_manage(actor=actor, service_id=service_id)
    contact = selectors.contact_to_manage(actor=actor, service=service, contact_id=contact_id)
    services.remove_contact(actor=actor, contact=contact)
    messages.success(request, "The contact has been removed.")
    return redirect("directory:service_detail", service_id=service.pk)


@access(DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def import_services(request: HttpRequest) -> HttpResponse:
    """Upload Open Referral UK JSON. Every bad entry is listed and nothing is written unless
    the whole file is good."""
    actor = Actor.from_request(request)
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.import_oruk(
            actor=actor,
            data=form.cleaned_data["file"].read(),
            organisation_resolver=selectors.organisation_resolver(),
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.problems:
            count = len(report.problems)
            form.add_error(
                "file",
                f"The file has {count} {'problem' if count == 1 else 'problems'}. "
                "Nothing has been imported. Correct the file and upload it again",
            )
        elif report.written:
            messages.success(
                request,
                f"The file has been imported: {report.created} new "
                f"{'service' if report.created == 1 else 'services'}, {report.updated} updated.",
            )
            if report.warnings:
                shown = "; ".join(report.warnings[:5])
                more = len(report.warnings) - 5
                messages.info(
                    request,
                    f"Left out: {shown}{f'; and {more} more' if more > 0 else ''}.",
                )
            return redirect("directory:search")
    return render(request, "directory/import.html", {"form": form, "report": report})
