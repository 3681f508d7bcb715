"""Server-side sessions of staff: started, stamped, ended (SEC-07, SEC-08, SEC-09)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone

from joinedup.core.request_meta import client_ip

from .models import UserSession

SESSION_STARTED = "joinedup_session_started"
SESSION_LAST_SEEN = "joinedup_session_last_seen"
SESSION_ENDED_REASON = "joinedup_session_ended"


def start_session(request: HttpRequest, user: Any) -> None:
    """After ``login()`` (which gives a new session key, SEC-07): stamp the session's start and
    register it against the user so it can be ended from elsewhere."""
    now = timezone.now().isoformat()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.headers.get("User-Agent", "")[:300],
        },
    )


def rotate_session_key(request: HttpRequest) -> None:
    """Give the session a new key (SEC-07, at two-factor verification) and keep the register."""
    old_key = request.session.session_key
    request.session.cycle_key()
    new_key = request.session.session_key
    if old_key and new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def keep_session_after_password_change(request: HttpRequest, user: Any) -> None:
    """After a password change: keep this session (with a new key) in the register."""
    old_key = request.session.session_key
    update_session_auth_hash(request, user)  # cycles the session key
    new_key = request.session.session_key
    if old_key and new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def end_session(request: HttpRequest) -> None:
    """Sign out this request's session: the server-side session is deleted, not just forgotten."""
    key = request.session.session_key
    logout(request)  # flushes the session and gives an empty one
    if key:
        UserSession.objects.filter(session_key=key).delete()
        Session.objects.filter(session_key=key).delete()


def end_user_sessions(user: Any, *, keep_session_key: str | None = None) -> int:
    """End every server-side session of a user (except, optionally, the one in use).
    Returns how many were ended."""
    sessions = UserSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    keys = list(sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    sessions.delete()
    return len(keys)
