"""Helpers shared by tests: signing in as a person would, and reading codes."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.models import User
from joinedup.accounts.sessions import SESSION_LAST_SEEN, SESSION_STARTED

from .factories import PASSWORD


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def sign_in_with_password(client: Client, user: User, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": password})


def sign_in_fully(client: Client, user: User, password: str = PASSWORD) -> Any:
    """Sign in through the real pages: password, then the authenticator code."""
    response = sign_in_with_password(client, user, password)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    response = client.post(
        reverse("accounts:two_factor"), {"code": current_code(totp_device(user))}
    )
    assert response.status_code == 302, response.content[:2000]
    return response


def log_in_verified(client: Client, user: User) -> None:
    """A fast equivalent of ``sign_in_fully`` for tests that are about something else."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    now = timezone.now().isoformat()
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session.save()


def log_in_password_only(client: Client, user: User) -> None:
    """Signed in with a password but not yet through two-factor."""
    client.force_login(user)
    session = client.session
    now = timezone.now().isoformat()
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
