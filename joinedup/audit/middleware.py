"""Audit fails closed (rule 3, SEC-21): when the audit event for a look at personal data cannot
be written, the selector raises before returning anything, and this turns that into a plain
"try again" page with no personal data on it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .services import AuditWriteError

logger = logging.getLogger(__name__)


class AuditFailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AuditWriteError):
            return None
        logger.error("Audit event could not be written; request refused", exc_info=exception)
        return render(
            request,
            "audit/audit_unavailable.html",
            {"request_id": getattr(request, "request_id", "")},
            status=503,
        )
