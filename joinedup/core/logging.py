"""Structured logging: one JSON object per line (SEC-24).

Because every record is serialised as JSON, a newline or control character inside a username or
any other user input is escaped, so input can never start a forged log line. Security events go
to the ``joinedup.security`` logger through ``security_event``, which never takes a password or
code.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

security_logger = logging.getLogger("joinedup.security")

_FORBIDDEN_KEYS = frozenset({"password", "password1", "password2", "otp_token", "code", "token"})
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as a single line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key.startswith("_"):
                continue
            payload[key] = "[removed]" if key in _FORBIDDEN_KEYS else value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=True)


def security_event(event: str, **fields: Any) -> None:
    """Log a security event (sign-in success/failure, lockout, two-factor failure, denial).

    Field names that could carry a secret are refused outright, so a caller cannot log one
    by mistake.
    """
    leaked = _FORBIDDEN_KEYS.intersection(fields)
    if leaked:
        raise ValueError(f"Security events never carry secrets: {sorted(leaked)}")
    security_logger.info(event, extra={"event": event, **fields})
