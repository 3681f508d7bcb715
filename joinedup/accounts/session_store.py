"""The session engine: Django's database sessions, stored in ``StaffSession`` with the user,
start time and client of each session (``SESSION_ENGINE = "joinedup.accounts.session_store"``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.dateparse import parse_datetime

from .models import StaffSession

#: Session keys written at sign-in (``accounts.sessions.start_session``).
SESSION_STARTED = "joinedup_session_started"
SESSION_LAST_SEEN = "joinedup_session_last_seen"
SESSION_IP = "joinedup_session_ip"
SESSION_USER_AGENT = "joinedup_session_user_agent"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[StaffSession]:
        return StaffSession

    def create_model_instance(self, data: dict[str, Any]) -> StaffSession:
        session = cast(StaffSession, super().create_model_instance(data))
        session.user_id = data.get(SESSION_KEY) or None
        started = data.get(SESSION_STARTED)
        session.started_on = parse_datetime(started) if isinstance(started, str) else None
        session.ip_address = data.get(SESSION_IP) or None
        session.user_agent = str(data.get(SESSION_USER_AGENT, ""))[:300]
        return session
