"""Middleware that enforces who may use each URL and how long a session lasts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from joinedup.core.access import passed_two_factor, rule_for, staff_with_roles
from joinedup.core.logging import security_event
from joinedup.core.request_meta import client_ip

from .roles import Role
from .services import has_authenticator
from .sessions import SESSION_ENDED_REASON, SESSION_LAST_SEEN, SESSION_STARTED, end_session

#: Django admin views carry no rule of their own; the whole admin site is for system admins.
ADMIN_RULE = staff_with_roles(Role.SYSTEM_ADMIN)


class SessionTimeoutMiddleware:
    """SEC-08: a session ends after the idle timeout and after the absolute timeout, whatever
    the cookie says. Times are kept in the server-side session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            started = _read_time(request.session.get(SESSION_STARTED))
            last_seen = _read_time(request.session.get(SESSION_LAST_SEEN))
            reason = ""
            if started is None or last_seen is None:
                reason = "invalid"
            elif now - started > settings.JOINEDUP_SESSION_ABSOLUTE_TIMEOUT:
                reason = "absolute"
            elif now - last_seen > settings.JOINEDUP_SESSION_IDLE_TIMEOUT:
                reason = "idle"
            if reason:
                security_event(
                    "session_expired",
                    reason=reason,
                    user_id=str(request.user.pk),
                    ip_address=client_ip(request),
                )
                end_session(request)
                request.session[SESSION_ENDED_REASON] = reason
            else:
                request.session[SESSION_LAST_SEEN] = now.isoformat()
        return self.get_response(request)


def _read_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class AccessRuleMiddleware:
    """SEC-11 and SEC-02: each view's declared rule is applied before it runs.

    - A view that declares no rule is refused (deny by default).
    - A rule that needs sign-in sends anonymous users to sign in.
    - A rule that needs two-factor sends users who have not passed it to the two-factor step,
      so a signed-in but unverified session never reaches a page with personal data.
    - A rule that needs a role refuses others with 403 (and logs it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        rule = rule_for(view_func)
        if rule is None and match is not None and match.app_name == "admin":
            rule = ADMIN_RULE
        if rule is None:
            security_event(
                "permission_denied",
                reason="view declares no access rule",
                path=request.path,
                ip_address=client_ip(request),
            )
            raise PermissionDenied("This page is not available.")
        user = request.user
        if rule.needs_sign_in and not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if rule.needs_two_factor and not passed_two_factor(user):
            target = (
                "accounts:two_factor" if has_authenticator(user) else "accounts:two_factor_setup"
            )
            url = reverse(target)
            if request.method == "GET":
                url = f"{url}?{urlencode({'next': request.get_full_path()})}"
            return redirect(url)
        if not rule.allows(request):
            security_event(
                "permission_denied",
                reason=rule.description,
                path=request.path,
                user_id=str(user.pk),
                ip_address=client_ip(request),
            )
            raise PermissionDenied("You do not have access to this page.")
        return None
