"""How django-axes identifies who is signing in (SEC-04)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def username_for_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address as the account knows it (trimmed, lower case), so that typing it in
    another case does not start a fresh count of failures."""
    value = (credentials or {}).get("email")
    if value is None:
        value = request.POST.get("email", "")
    return str(value).strip().lower()
