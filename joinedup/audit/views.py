"""Who has looked at a person's record, and the subject access export."""

from __future__ import annotations

import json
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.sharing.policy import PERSON_ROLES

from . import selectors

PEOPLE_STAFF = staff_with_roles(*PERSON_ROLES)
IG_OFFICERS = staff_with_roles(Role.INFORMATION_GOVERNANCE)


@access(PEOPLE_STAFF)
@require_safe
def person_access_log(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Every look at and change of the record: who, from which organisation, when, on what
    basis. ``?for=resident`` gives the version to hand to the person (no staff names)."""
    for_resident = request.GET.get("for") == "resident"
    person, events = selectors.person_access_history(
        actor=Actor.from_request(request), person_id=person_id, for_resident=for_resident
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    template = "audit/access_log_resident.html" if for_resident else "audit/access_log.html"
    return render(request, template, {"person": person, "page": page})


@access(IG_OFFICERS)
@require_safe
def subject_access(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Information governance officers of the holding organisation download everything held
    about a person: ``?format=json`` or ``?format=pdf`` (the page itself explains the pack)."""
    actor = Actor.from_request(request)
    wanted = request.GET.get("format", "")
    if wanted not in {"json", "pdf"}:
        person = selectors.person_for_subject_access(actor=actor, person_id=person_id)
        return render(request, "audit/subject_access.html", {"person": person})
    pack = selectors.subject_access_pack(actor=actor, person_id=person_id, export_format=wanted)
    stamp = timezone.localtime(pack.generated_at).strftime("%Y%m%d-%H%M")
    if wanted == "json":
        response = HttpResponse(
            json.dumps(pack.as_json_data(), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="subject-access-{stamp}.json"'
        return response
    response = HttpResponse(pack.as_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{stamp}.pdf"'
    return response
