"""Pages for areas, population indicators, value imports, targets and the indicator chart.

Every signed-in member of staff may read them (indicators are published aggregates, not personal
data); performance analysts manage areas, indicators, imports and targets. Views are thin: they
call the selectors and services in ``performance``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import STAFF, access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from ..charts import chart_svg as render_svg
from ..charts import format_period, format_value, indicator_chart, indicator_page_chart
from ..forms.indicators import (
    AreasUploadForm,
    CustomAreaForm,
    IndicatorForm,
    TargetForm,
    ValuesConfirmForm,
    ValuesUploadForm,
)
from ..models import Area, Indicator
from ..selectors import areas as area_selectors
from ..selectors import indicators as selectors
from ..services import areas as area_services
from ..services import indicators as services
from ..services.areas import ImportRejectedError

ANALYSTS = staff_with_roles(Role.PERFORMANCE_ANALYST)
UPLOAD_FOLDER = "performance-uploads"
UPLOAD_SESSION_KEY = "performance_values_upload"
UPLOAD_MAX_AGE = timedelta(days=1)
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")


def _data(request: HttpRequest) -> Any:
    """The posted data on a POST (even when empty, so the form is bound and shows its errors)."""
    return request.POST if request.method == "POST" else None


def _bound(request: HttpRequest) -> tuple[Any, Any]:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _status(form: Any) -> int:
    """400 when a posted form (or file) was refused, so the refusal is not mistaken for a
    success (REL-04); 200 otherwise. The page is the same: the form with every error."""
    return 400 if form.is_bound and form.errors else 200


def _is_analyst(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.has_role(Role.PERFORMANCE_ANALYST))


# ----------------------------------------------------------------------------- the upload store


def _upload_path(token: str) -> Path:
    if not TOKEN_PATTERN.fullmatch(token):
        raise ValueError("Not an upload token.")
    return Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER / f"{token}.upload"


def _store_upload(request: HttpRequest, data: bytes, details: dict[str, Any]) -> None:
    _discard_upload(request)
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE.total_seconds()
    for old in folder.glob("*.upload"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()
    token = secrets.token_hex(16)
    handle = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    request.session[UPLOAD_SESSION_KEY] = {**details, "token": token}


def _pending_upload(request: HttpRequest, code: str) -> tuple[dict[str, Any], bytes] | None:
    pending = request.session.get(UPLOAD_SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("indicator") != code:
        return None
    try:
        data = _upload_path(str(pending.get("token", ""))).read_bytes()
    except (OSError, ValueError):
        return None
    if services.content_sha256(data) != pending.get("sha256"):
        return None
    return pending, data


def _discard_upload(request: HttpRequest) -> None:
    pending = request.session.pop(UPLOAD_SESSION_KEY, None)
    if isinstance(pending, dict):
        with contextlib.suppress(OSError, ValueError):
            _upload_path(str(pending.get("token", ""))).unlink(missing_ok=True)


# ----------------------------------------------------------------------------- indicators


@access(STAFF)
@require_safe
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Every indicator in use, with how much data each holds."""
    actor = Actor.from_request(request)
    show_all = request.GET.get("all") == "1"
    page = selectors.indicator_page(
        actor=actor, page=request.GET.get("page"), include_inactive=show_all
    )
    return render(
        request,
        "performance/indicators/list.html",
        {
            "page": page,
            "show_all": show_all,
            "query_string": "all=1" if show_all else "",
            "is_analyst": _is_analyst(request),
        },
    )


@access(STAFF)
@require_safe
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator: its definition, where to get the data, the areas with values, imports."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    return render(
        request,
        "performance/indicators/detail.html",
        {
            "indicator": indicator,
            "areas": selectors.indicator_areas(actor=actor, indicator=indicator),
            "imports": selectors.indicator_imports(actor=actor, indicator=indicator)[:10],
            "history": selectors.indicator_definition_history(actor=actor, indicator=indicator),
            "is_analyst": _is_analyst(request),
        },
    )


def _indicator_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in services.DEFINITION_FIELDS and k != "code"}


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = IndicatorForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(
                actor=actor, code=form.cleaned_data["code"], **_indicator_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{indicator.name} added.")
            return redirect("performance:indicator_detail", code=indicator.code)
    return render(
        request,
        "performance/indicators/form.html",
        {"form": form, "indicator": None},
        status=_status(form),
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a definition: asks why, makes a new version and keeps the old one. The form
    carries the version the page showed; if someone else saved a change since, the form is
    refused with 409 and what was typed is kept, to make again after reading theirs (REL-01)."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    initial = {name: getattr(indicator, name) for name in services.DEFINITION_FIELDS}
    initial["version"] = indicator.version
    form = IndicatorForm(_data(request), initial=initial, editing=True)
    status = _status(form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("change_reason")
        seen_version = data.pop("version")
        try:
            indicator = services.indicator_update(
                actor=actor,
                indicator=indicator,
                seen_version=seen_version,
                change_reason=reason,
                **_indicator_fields(data),
            )
        except ValidationError as exc:
            indicator = selectors.indicator_for_code(actor=actor, code=code)
            if indicator.version != seen_version:
                form = _stale_indicator_form(request, indicator)
                status = 409
            else:
                add_service_errors(form, exc)
                status = 400
        else:
            messages.success(request, f"{indicator.name} saved (version {indicator.version}).")
            return redirect("performance:indicator_detail", code=indicator.code)
    return render(
        request,
        "performance/indicators/form.html",
        {
            "form": form,
            "indicator": indicator,
            "history": selectors.indicator_definition_history(actor=actor, indicator=indicator),
        },
        status=status,
    )


def _stale_indicator_form(request: HttpRequest, latest: Indicator) -> IndicatorForm:
    """The form again after someone else's change: what this user typed kept, the version now
    the latest (so saving again is a deliberate choice after reading theirs), and why."""
    data = request.POST.copy()
    data["version"] = str(latest.version)
    form = IndicatorForm(data, initial={"version": latest.version}, editing=True)
    form.is_valid()
    form.add_error(
        None,
        f"Someone else changed this definition while you were editing it (it is now version "
        f"{latest.version}). Check their change in the history below, then save yours again "
        "if it is still needed.",
    )
    return form


# ----------------------------------------------------------------------------- one indicator, one area


@access(STAFF)
@require_safe
def indicator_area(request: HttpRequest, code: str, area_code: str) -> HttpResponse:
    """The chart: history, the forecast if nothing changes, the target, and whether the figures
    since the baseline are doing better than the forecast; with the same in a table."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    area = area_selectors.area_for_code(actor=actor, code=area_code)
    series = selectors.indicator_series(actor=actor, indicator=indicator, area=area)
    chart = (
        indicator_page_chart(series=series, element_id="indicator-chart")
        if series.history
        else None
    )
    return render(
        request,
        "performance/indicators/area.html",
        {
            "indicator": indicator,
            "area": area,
            "series": series,
            "chart": chart,
            "latest": series.latest,
            "target_text": _target_text(series),
            "is_analyst": _is_analyst(request),
        },
    )


def _target_text(series: selectors.IndicatorSeries) -> str:
    target = series.target
    if target is None:
        return ""
    unit, frequency = series.indicator.unit, series.indicator.frequency
    direction = "down" if target.target_value < target.baseline_value else "up"
    return (
        f"{format_value(target.baseline_value, unit)} in "
        f"{format_period(target.baseline_period, frequency)} {direction} to "
        f"{format_value(target.target_value, unit)} by "
        f"{format_period(target.target_period, frequency)}"
    )


@access(STAFF)
@require_safe
def indicator_area_svg(request: HttpRequest, code: str, area_code: str) -> HttpResponse:
    """The chart as an SVG image (for pages read without JavaScript, and for printing)."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    area = area_selectors.area_for_code(actor=actor, code=area_code)
    series = selectors.indicator_series(actor=actor, indicator=indicator, area=area)
    response = HttpResponse(
        render_svg(indicator_chart(series=series)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, code: str, area_code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    area = area_selectors.area_for_code(actor=actor, code=area_code)
    history = selectors.indicator_history(actor=actor, indicator=indicator, area=area)
    target = selectors.target_for(actor=actor, indicator=indicator, area=area)
    initial: dict[str, Any] = {}
    if target is not None:
        initial = {
            "baseline_period": target.baseline_period.isoformat(),
            "target_value": f"{target.target_value.normalize():f}",
            "target_period": format_period(target.target_period, indicator.frequency)
            if indicator.frequency == Indicator.Frequency.MONTHLY
            else "",
            "description": target.description,
        }
    form = TargetForm(
        _data(request),
        initial=initial,
        indicator=indicator,
        periods=[p.period for p in history],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(actor=actor, indicator=indicator, area=area, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Target saved.")
            return redirect("performance:indicator_area", code=indicator.code, area_code=area.code)
    return render(
        request,
        "performance/indicators/target.html",
        {"form": form, "indicator": indicator, "area": area, "has_values": bool(history)},
        status=_status(form),
    )


# ----------------------------------------------------------------------------- importing values


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def values_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: choose the shape and the file; it is checked, nothing is saved yet."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    form = ValuesUploadForm(*_bound(request))
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_FILE_BYTES:
            form.add_error("file", "The file must be smaller than 20 MB")
        else:
            data = upload.read()
            try:
                preview = services.indicator_values_preview(
                    actor=actor,
                    indicator=indicator,
                    shape=form.cleaned_data["shape"],
                    file_name=upload.name,
                    content=data,
                )
            except ImportRejectedError as exc:
                problems = exc.problems
                form.add_error(
                    "file",
                    f"The file has {len(problems)} "
                    f"{'problem' if len(problems) == 1 else 'problems'}: nothing was saved. "
                    "Correct them and upload it again.",
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _store_upload(
                    request,
                    data,
                    {
                        "indicator": indicator.code,
                        "shape": preview.shape,
                        "file_name": preview.file_name,
                        "sha256": preview.sha256,
                    },
                )
                return redirect("performance:values_confirm", code=indicator.code)
    return render(
        request,
        "performance/indicators/upload.html",
        {
            "form": form,
            "indicator": indicator,
            "problems": problems[:200],
            "problem_count": len(problems),
        },
        status=_status(form),
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def values_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: what loading the file will do (new values, values it would replace, a file already
    loaded); load it on confirmation."""
    actor = Actor.from_request(request)
    indicator = selectors.indicator_for_code(actor=actor, code=code)
    pending = _pending_upload(request, indicator.code)
    if pending is None:
        messages.error(request, "Upload the file again: the checked file has gone.")
        return redirect("performance:values_upload", code=indicator.code)
    details, data = pending
    try:
        preview = services.indicator_values_preview(
            actor=actor,
            indicator=indicator,
            shape=details["shape"],
            file_name=details["file_name"],
            content=data,
        )
    except ValidationError:
        _discard_upload(request)
        messages.error(request, "The file no longer checks out: upload it again.")
        return redirect("performance:values_upload", code=indicator.code)
    form = ValuesConfirmForm(_data(request), changes=len(preview.changes))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.indicator_values_import(
                actor=actor,
                indicator=indicator,
                shape=details["shape"],
                file_name=details["file_name"],
                content=data,
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _discard_upload(request)
            messages.success(request, result.summary)
            return redirect("performance:indicator_detail", code=indicator.code)
    return render(
        request,
        "performance/indicators/confirm.html",
        {
            "form": form,
            "indicator": indicator,
            "preview": preview,
            "changes": preview.changes[:50],
            "first_period": format_period(preview.first_period, indicator.frequency)
            if preview.first_period
            else "",
            "last_period": format_period(preview.last_period, indicator.frequency)
            if preview.last_period
            else "",
        },
        status=_status(form),
    )


# ----------------------------------------------------------------------------- areas


@access(STAFF)
@require_safe
def area_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    level = request.GET.get("level", "")
    if level not in Area.Level.values:
        level = ""
    search = request.GET.get("q", "")[:100]
    page = area_selectors.area_page(
        actor=actor, level=level, search=search, page=request.GET.get("page")
    )
    query = "&".join(
        part
        for part in (f"level={level}" if level else "", f"q={search}" if search else "")
        if part
    )
    return render(
        request,
        "performance/areas/list.html",
        {
            "page": page,
            "level": level,
            "search": search,
            "levels": Area.Level.choices,
            "counts": area_selectors.area_counts(actor=actor),
            "query_string": query,
            "is_analyst": _is_analyst(request),
        },
    )


@access(STAFF)
@require_safe
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    area = area_selectors.area_for_code(actor=actor, code=code)
    children = (
        area.children.order_by("name")
        if area.level in (Area.Level.DISTRICT, Area.Level.WARD)
        else None
    )
    lsoas = (
        area.lsoas.select_related("parent").order_by("name")
        if area.level == Area.Level.CUSTOM
        else None
    )
    return render(
        request,
        "performance/areas/detail.html",
        {
            "area": area,
            "children": children,
            "lsoas": lsoas,
            "lsoa_count": len(area_selectors.lsoa_codes_in(area=area)),
            "is_analyst": _is_analyst(request),
        },
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def areas_upload(request: HttpRequest) -> HttpResponse:
    """Load an ONS lookup file (a whole file or nothing; loading it again changes nothing)."""
    actor = Actor.from_request(request)
    form = AreasUploadForm(*_bound(request))
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = area_services.areas_import(
                actor=actor, file_name=upload.name, content=upload.read()
            )
        except ImportRejectedError as exc:
            problems = exc.problems
            form.add_error(
                "file",
                f"The file has {len(problems)} "
                f"{'problem' if len(problems) == 1 else 'problems'}: nothing was saved.",
            )
        else:
            messages.success(request, result.summary)
            return redirect("performance:area_list")
    return render(
        request,
        "performance/areas/upload.html",
        {"form": form, "problems": problems[:200], "problem_count": len(problems)},
        status=_status(form),
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def custom_area_create(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    lsoas = area_selectors.lsoa_choices(actor=actor)
    form = CustomAreaForm(_data(request), lsoas=lsoas)
    if request.method == "POST" and form.is_valid():
        try:
            area = area_services.custom_area_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{area.name} created.")
            return redirect("performance:area_detail", code=area.code)
    return render(
        request,
        "performance/areas/custom_form.html",
        {"form": form, "area": None, "has_lsoas": bool(lsoas)},
        status=_status(form),
    )


@access(ANALYSTS)
@require_http_methods(["GET", "POST"])
def custom_area_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = Actor.from_request(request)
    area = area_selectors.area_for_code(actor=actor, code=code)
    if area.level != Area.Level.CUSTOM:
        messages.error(
            request, "Only custom target areas can be changed; the others come from the ONS lookup."
        )
        return redirect("performance:area_detail", code=area.code)
    lsoas = area_selectors.lsoa_choices(actor=actor)
    form = CustomAreaForm(
        _data(request),
        lsoas=lsoas,
        editing=True,
        initial={
            "name": area.name,
            "description": area.description,
            "lsoa_codes": area_selectors.lsoa_codes_in(area=area),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            area_services.custom_area_update(actor=actor, area=area, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{area.name} saved.")
            return redirect("performance:area_detail", code=area.code)
    return render(
        request,
        "performance/areas/custom_form.html",
        {
            "form": form,
            "area": area,
            "has_lsoas": bool(lsoas),
            "back": reverse("performance:area_detail", args=[area.code]),
        },
        status=_status(form),
    )
