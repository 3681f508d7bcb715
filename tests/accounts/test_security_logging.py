"""Security events are logged, without secrets, one JSON object a line (SEC-24)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.accounts.models import User
from joinedup.core.logging import JsonFormatter, RequestIdFilter, security_event

from ..factories import PASSWORD, UserFactory
from ..helpers import sign_in_with_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_log():  # type: ignore[no-untyped-def]
    """The security log as it is written: JSON lines through the project's formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("joinedup.security")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def _events(stream: io.StringIO) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_sign_in_success_and_failure_are_logged_without_secrets(
    key_worker: User, security_log: io.StringIO
) -> None:
    """SEC-24: sign-in success and failure, two-factor failure; no password or code logged."""
    client = Client()
    sign_in_with_password(client, key_worker, "wrong password entirely")
    sign_in_with_password(client, key_worker)
    client.post(reverse("accounts:two_factor"), {"code": "123456"})
    text = security_log.getvalue()
    names = [event["event"] for event in _events(security_log)]
    assert "sign_in_failure" in names
    assert "sign_in_password_ok" in names
    assert "two_factor_failure" in names
    assert "wrong password entirely" not in text
    assert PASSWORD not in text
    assert "123456" not in text
    assert key_worker.email not in text  # failures record a keyed fingerprint, not the address


def test_lockout_and_permission_denied_are_logged(
    key_worker: User, key_worker_client: Client, security_log: io.StringIO
) -> None:
    """SEC-24: lockout and permission denied are security events."""
    client = Client()
    for _ in range(11):
        sign_in_with_password(client, key_worker, "not the password at all")
    key_worker_client.get(reverse("accounts:organisation_list"))
    events = _events(security_log)
    assert any(e["event"] == "sign_in_failure" and e["locked_out"] for e in events)
    assert any(e["event"] == "permission_denied" for e in events)


def test_user_input_cannot_forge_a_log_line(db, security_log: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    """SEC-24: a newline in input stays inside one JSON line."""
    forged = 'x@example.org\n{"event": "sign_in_success", "user_id": "admin"}'
    Client().post(reverse("accounts:sign_in"), {"email": forged, "password": "whatever whatever"})
    security_event("sign_in_failure", note=forged)
    lines = security_log.getvalue().splitlines()
    assert all(json.loads(line)["event"] != "sign_in_success" for line in lines)
    assert any(json.loads(line).get("note") == forged for line in lines)


def test_security_events_refuse_secret_fields() -> None:
    """SEC-24: a caller cannot log a password or code by mistake."""
    with pytest.raises(ValueError, match="never carry secrets"):
        security_event("oops", password="hunter2")
    with pytest.raises(ValueError, match="never carry secrets"):
        security_event("oops", code="123456")


def test_no_logger_writes_the_address_typed_at_a_failed_sign_in(
    key_worker: User, caplog: pytest.LogCaptureFixture
) -> None:
    """SEC-24: the whole log (every logger, not just ours) keeps typed addresses out; our own
    events carry a keyed fingerprint instead."""
    caplog.set_level(logging.DEBUG)
    for _ in range(11):
        sign_in_with_password(Client(), key_worker, "not the password at all")
    sign_in_with_password(
        Client(), UserFactory.build(email="typo.address@partner.example"), "x" * 12
    )
    assert caplog.records  # something was logged
    assert key_worker.email not in caplog.text
    assert "typo.address@partner.example" not in caplog.text
