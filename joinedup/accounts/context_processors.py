from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from joinedup.core.access import passed_two_factor

from .navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation items this user may see, and which is current. Nothing is shown until
    two-factor has been passed."""
    user = getattr(request, "user", None)
    if user is None or not passed_two_factor(user):
        return {"navigation": []}
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match and match.namespace else ""
    items = []
    for item in NAVIGATION:
        if item.roles and not user.has_any_role(item.roles):
            continue
        items.append(
            {
                "text": item.label,
                "href": reverse(item.url_name),
                "current": any(current.startswith(prefix) for prefix in item.section),
            }
        )
    return {"navigation": items}
