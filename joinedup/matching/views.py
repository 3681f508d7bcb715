"""The data officer's pages: the overview, extracts (and loading one), linkage runs, the
clerical review queue, linked people and their merges and splits. Views call selectors and
services only (rule 1); the selectors check the role and audit every read of a record.

Data and insight officers use every page; performance analysts see the overview's counts
only; system admins see none of it. The extracts list and the runs are the partnership's, but
a record's fields are shown only to officers of an organisation that may see them: its own
extracts, or extracts shared under a current agreement it is party to (see ``selectors``).

**Keeping the uploaded file between the two steps of "Load an extract".** Step 1 checks the
file (CSV or XLSX by name and first bytes, at most 50 MB, a readable header row) and, unless
the same file was loaded before, writes its bytes to ``<PRIVATE_FILES_ROOT>/matching-uploads/
<token>.upload``: the private files folder, outside the web root and never served by URL,
with a random 128-bit token for a name, created exclusively and readable by the application
only. The token and the step 1 answers (organisation, kind, date, lawful basis, agreement,
the header, the file's SHA-256) are kept in the user's server-side session, never sent to the
browser, so no one else can reach the file and a token is checked against its pattern before
it names a path. Step 2 reads the file back, checks its SHA-256 and loads it. The file is
deleted when the load succeeds (or finds the file already loaded), when the user cancels or
uploads another, and any upload left behind (a session that ended mid-way) is deleted after
a day, the next time anyone uploads. A refused load keeps the file, so that the officer can
match the columns differently; a corrected file is a new upload.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from . import selectors, services
from .extracts import ExtractFormatError, header_of, sha256_of
from .forms import ColumnMappingForm, DecisionForm, ExtractUploadForm, RunForm
from .models import ClusterChange, PairDecision, SourceKind

#: System admins run the system, not the matching: they see no agency records (deny by default).
MATCHING_STAFF = staff_with_roles(Role.DATA_OFFICER)
MATCHING_READERS = staff_with_roles(Role.DATA_OFFICER, Role.PERFORMANCE_ANALYST)

UPLOAD_FOLDER = "matching-uploads"
UPLOAD_SESSION_KEY = "matching_upload"
UPLOAD_MAX_AGE = timedelta(days=1)
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")
LINE_PATTERN = re.compile(r"Line (\d+): (.*)", re.DOTALL)


# ----------------------------------------------------------------------------- the upload store


def _upload_path(token: str) -> Path:
    if not TOKEN_PATTERN.fullmatch(token):
        raise ValueError("Not an upload token.")
    return Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER / f"{token}.upload"


def _sweep(folder: Path) -> None:
    """Delete uploads left behind by sessions that ended between the steps."""
    cutoff = time.time() - UPLOAD_MAX_AGE.total_seconds()
    for old in folder.glob("*.upload"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()


def _store_upload(request: HttpRequest, data: bytes, details: dict[str, Any]) -> None:
    _discard_upload(request)
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(folder)
    token = secrets.token_hex(16)
    handle = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    request.session[UPLOAD_SESSION_KEY] = {**details, "token": token}


def _pending_upload(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(UPLOAD_SESSION_KEY)
    return pending if isinstance(pending, dict) else None


def _upload_bytes(pending: dict[str, Any]) -> bytes | None:
    """The stored file, or None if it has gone or is not the file that was checked."""
    try:
        data = _upload_path(str(pending.get("token", ""))).read_bytes()
    except (OSError, ValueError):
        return None
    return data if sha256_of(data) == pending.get("sha256") else None


def _discard_upload(request: HttpRequest) -> None:
    pending = request.session.pop(UPLOAD_SESSION_KEY, None)
    if isinstance(pending, dict):
        with contextlib.suppress(OSError, ValueError):
            _upload_path(str(pending.get("token", ""))).unlink(missing_ok=True)


# ----------------------------------------------------------------------------- overview


def _is_officer(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.has_role(Role.DATA_OFFICER))


def _insight_url() -> str:
    """The "known to several agencies" page, once it exists."""
    try:
        return reverse("matching:insight")
    except NoReverseMatch:
        return ""


@access(MATCHING_READERS)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    summary = selectors.overview(actor=Actor.from_request(request))
    return render(
        request,
        "matching/home.html",
        {"summary": summary, "is_officer": _is_officer(request), "insight_url": _insight_url()},
    )


# ----------------------------------------------------------------------------- extracts


@access(MATCHING_STAFF)
@require_safe
def extracts(request: HttpRequest) -> HttpResponse:
    page = selectors.extracts_page(actor=Actor.from_request(request), page=request.GET.get("page"))
    return render(request, "matching/extracts.html", {"page": page})


@access(MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def load_extract(request: HttpRequest) -> HttpResponse:
    """Step 1: the file and its details. A file loaded before is named, not loaded again."""
    actor = Actor.from_request(request)
    posted = request.method == "POST"
    form = ExtractUploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        organisations=selectors.sending_organisations(actor=actor),
        agreements=selectors.current_agreements(actor=actor),
        own_organisation_id=actor.organisation_id,
    )
    already = None
    if posted and form.is_valid():
        data_in = form.cleaned_data
        upload = data_in["file"]
        data = upload.read()
        name = Path(upload.name or "extract").name
        try:
            header = header_of(data, name)
        except ExtractFormatError as exc:
            form.add_error("file", str(exc).rstrip("."))
        else:
            digest = sha256_of(data)
            already = selectors.already_loaded(
                actor=actor, organisation=data_in["organisation"], sha256=digest
            )
            if already is None:
                _store_upload(
                    request,
                    data,
                    {
                        "name": name,
                        "sha256": digest,
                        "size": len(data),
                        "organisation": str(data_in["organisation"].pk),
                        "source_kind": data_in["source_kind"],
                        "extract_date": data_in["extract_date"].isoformat(),
                        "lawful_basis": data_in["lawful_basis"].strip(),
                        "agreement": str(data_in["agreement"].pk) if data_in["agreement"] else "",
                        "header": header,
                    },
                )
                return redirect("matching:load_columns")
            _discard_upload(request)
    return render(request, "matching/load.html", {"form": form, "already": already})


def _problems(messages_: list[str]) -> list[tuple[str, str]]:
    """Each bad row as (line, reason)."""
    rows = []
    for message in messages_:
        found = LINE_PATTERN.fullmatch(message)
        rows.append((found.group(1), found.group(2)) if found else ("", message))
    return rows


@access(MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def load_columns(request: HttpRequest) -> HttpResponse:
    """Step 2: match the file's columns (or pick a saved mapping), then load it whole."""
    actor = Actor.from_request(request)
    pending = _pending_upload(request)
    if pending is None:
        messages.info(request, "Upload the extract first.")
        return redirect("matching:load")
    organisation = selectors.organisation_for_load(
        actor=actor, organisation_id=pending["organisation"]
    )
    agreement = selectors.agreement_for_load(actor=actor, agreement_id=pending["agreement"])
    refusal = selectors.load_refusal(actor=actor, organisation=organisation, agreement=agreement)
    if refusal:
        # Checked again: the agreement may have ended since step 1.
        _discard_upload(request)
        messages.error(request, f"{refusal}. Upload the extract again.")
        return redirect("matching:load")
    kind = SourceKind(pending["source_kind"])
    mappings = selectors.saved_mappings(actor=actor, organisation=organisation, source_kind=kind)
    form = ColumnMappingForm(
        request.POST if request.method == "POST" else None,
        header=pending["header"],
        mappings=mappings,
        suggested_name=f"{kind.label} ({organisation.short_name or organisation.name})"[:120],
    )
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = _upload_bytes(pending)
        if data is None:
            _discard_upload(request)
            messages.info(request, "The uploaded file is no longer here. Upload it again.")
            return redirect("matching:load")
        try:
            mapping = form.saved or services.save_mapping(
                actor=actor,
                organisation=organisation,
                source_kind=kind,
                name=form.cleaned_data["save_as"],
                id_column=form.cleaned_data["id_column"],
                fields=form.fields_mapped(),
                signals=form.signals_mapped(),
            )
            result = services.load_extract(
                actor=actor,
                organisation=organisation,
                data=data,
                name=pending["name"],
                mapping=mapping,
                extract_date=date.fromisoformat(pending["extract_date"]),
                lawful_basis=pending["lawful_basis"],
                agreement=agreement,
            )
        except ExtractFormatError as exc:
            form.add_error(None, f"{str(exc).rstrip('.')}. Nothing was loaded")
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                problems = _problems(error.messages)
                count = len(problems)
                form.add_error(
                    None,
                    f"{count} {'row has a problem' if count == 1 else 'rows have problems'}. "
                    "Nothing was loaded",
                )
        else:
            _discard_upload(request)
            extract = result.extract
            assert extract is not None
            if result.already_loaded:
                messages.info(
                    request,
                    f"This file was already loaded as {extract.reference}. "
                    "Nothing was loaded again.",
                )
            else:
                messages.success(
                    request,
                    f"{extract.row_count:,} rows loaded as {extract.reference}. "
                    "Run the matching to link them.",
                )
            return redirect("matching:extracts")
    return render(
        request,
        "matching/load_columns.html",
        {
            "form": form,
            "pending": pending,
            "organisation": organisation,
            "agreement": agreement,
            "kind": kind,
            "extract_date": date.fromisoformat(pending["extract_date"]),
            "problems": problems,
            "new_mapping_saved": bool(problems) and form.cleaned_data.get("mapping") == "new",
        },
    )


@access(MATCHING_STAFF)
@require_POST
def cancel_load(request: HttpRequest) -> HttpResponse:
    _discard_upload(request)
    messages.info(request, "The upload was cancelled. Nothing was loaded.")
    return redirect("matching:extracts")


# ----------------------------------------------------------------------------- runs


@access(MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    options = selectors.run_options(actor=actor)
    form = RunForm(request.POST if request.method == "POST" else None, has_model=options.has_model)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.request_run(actor=actor, kind=form.cleaned_data["kind"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The matching run has started.")
            return redirect("matching:run", run_id=run.pk)
    page = selectors.runs_page(actor=actor, page=request.GET.get("page"))
    return render(request, "matching/runs.html", {"form": form, "options": options, "page": page})


@access(MATCHING_STAFF)
@require_safe
def run_detail(request: HttpRequest, run_id: UUID) -> HttpResponse:
    run = selectors.run_detail(actor=Actor.from_request(request), run_id=run_id)
    return render(request, "matching/run.html", {"run": run, "refresh": not run.is_finished})


# ----------------------------------------------------------------------------- review


@access(MATCHING_STAFF)
@require_safe
def review(request: HttpRequest) -> HttpResponse:
    queue = selectors.review_queue(actor=Actor.from_request(request), page=request.GET.get("page"))
    return render(request, "matching/review.html", {"queue": queue, "page": queue.page})


DECIDED = {
    PairDecision.Decision.MATCH: "the same person. Later runs will link these records",
    PairDecision.Decision.NON_MATCH: "different people. Later runs will keep them apart",
}


@access(MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def pair_detail(request: HttpRequest, pair: UUID) -> HttpResponse:
    """Two records side by side with each field's match weight; the decision, then the next."""
    actor = Actor.from_request(request)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # Only a pair whose two records the officer may see is decided (404 otherwise).
        candidate = selectors.pair_for_decision(actor=actor, pair_id=pair)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_pair(
                actor=actor,
                candidate=candidate,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Recorded: {DECIDED[form.cleaned_data['decision']]}.")
            following = selectors.next_pair(actor=actor)
            if following is None:
                return redirect("matching:review")
            return redirect("matching:pair", pair=following.public_id)
    view = selectors.pair_for_review(actor=actor, pair_id=pair)
    if not form.is_bound and view.decision is not None:
        form = DecisionForm(
            initial={"decision": view.decision.decision, "note": view.decision.note}
        )
    return render(request, "matching/pair.html", {"view": view, "form": form})


# ----------------------------------------------------------------------------- linked people


@access(MATCHING_STAFF)
@require_safe
def person(request: HttpRequest, linked_person_id: UUID) -> HttpResponse:
    view = selectors.linked_person(
        actor=Actor.from_request(request), linked_person_id=linked_person_id
    )
    return render(request, "matching/person.html", {"view": view})


@access(MATCHING_STAFF)
@require_safe
def changes(request: HttpRequest) -> HttpResponse:
    page = selectors.changes_page(actor=Actor.from_request(request), page=request.GET.get("page"))
    return render(request, "matching/changes.html", {"page": page})


@access(MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def undo(request: HttpRequest, change: UUID) -> HttpResponse:
    """Confirm, then undo a merge or split."""
    actor = Actor.from_request(request)
    found = selectors.change_for_undo(actor=actor, change_id=change)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and found.undone_on is None:
        try:
            services.undo_change(actor=actor, change=found)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            what = "merge" if found.kind == ClusterChange.Kind.MERGE else "split"
            messages.success(
                request,
                f"The {what} of {found.person.reference} and {found.other.reference} has been "
                "undone. Later runs will keep it undone.",
            )
            return redirect("matching:person", linked_person_id=found.person_id)
    return render(request, "matching/undo.html", {"change": found, "form": form})


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("extracts/", extracts, name="extracts"),
    path("extracts/new/", load_extract, name="load"),
    path("extracts/new/columns/", load_columns, name="load_columns"),
    path("extracts/new/cancel/", cancel_load, name="load_cancel"),
    path("runs/", runs, name="runs"),
    path("runs/<uuid:run_id>/", run_detail, name="run"),
    path("review/", review, name="review"),
    path("review/<uuid:pair>/", pair_detail, name="pair"),
    path("people/<uuid:linked_person_id>/", person, name="person"),
    path("changes/", changes, name="changes"),
    path("changes/<uuid:change>/undo/", undo, name="undo"),
]
