"""Server-side sessions of staff: started, stamped, ended (SEC-07, SEC-08, SEC-09).

Sessions live in ``StaffSession`` (see ``session_store``), which records whose each session is,
so ending "every session of this user" is one delete."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpRequest
from django.utils import timezone

from joinedup.core.request_meta import client_ip

from .models import StaffSession
from .session_store import (
    SESSION_IP,
    SESSION_LAST_SEEN,
    SESSION_STARTED,
    SESSION_USER_AGENT,
)

SESSION_ENDED_REASON = "joinedup_session_ended"

__all__ = [
    "SESSION_ENDED_REASON",
    "SESSION_LAST_SEEN",
    "SESSION_STARTED",
    "end_session",
    "end_user_sessions",
    "keep_session_after_password_change",
    "live_sessions",
    "rotate_session_key",
    "start_session",
]


def start_session(request: HttpRequest) -> None:
    """After ``login()`` (which gives a new session key, SEC-07): stamp when and from where."""
    now = timezone.now().isoformat()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    request.session[SESSION_IP] = client_ip(request)
    request.session[SESSION_USER_AGENT] = request.headers.get("User-Agent", "")[:300]


def rotate_session_key(request: HttpRequest) -> None:
    """A new session key at two-factor verification (SEC-07); the data carries over."""
    request.session.cycle_key()


def keep_session_after_password_change(request: HttpRequest, user: Any) -> None:
    """After a password change: keep this session signed in, under a new key."""
    update_session_auth_hash(request, user)


def end_session(request: HttpRequest) -> None:
    """Sign out: Django's logout deletes the server-side session and starts an empty one."""
    logout(request)


def end_user_sessions(user: Any, *, keep_session_key: str | None = None) -> int:
    """End every server-side session of a user (except, optionally, the one in use).
    Returns how many were ended."""
    sessions = StaffSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    ended, _ = sessions.delete()
    return ended


def live_sessions(user: Any) -> list[StaffSession]:
    return list(StaffSession.objects.filter(user=user, expire_date__gt=timezone.now())[:20])
