"""Session lifetime and ending sessions (SEC-08, SEC-09)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts import services
from joinedup.accounts.models import StaffSession, User
from joinedup.core.actor import Actor

from ..helpers import sign_in_fully

pytestmark = pytest.mark.django_db


def test_session_ends_after_30_idle_minutes(key_worker: User) -> None:
    """SEC-08: sessions end after 30 idle minutes."""
    with time_machine.travel("2026-11-02 09:00:00", tick=False) as traveller:
        client = Client()
        sign_in_fully(client, key_worker)
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("core:home")).status_code == 200  # activity resets the clock
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("core:home")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
        page = client.get(response["Location"])
        assert "had not done anything for 30 minutes" in page.content.decode()


def test_session_ends_after_10_hours_however_busy(key_worker: User) -> None:
    """SEC-08: sessions end after 10 hours in all, even with constant activity."""
    with time_machine.travel("2026-11-02 08:00:00", tick=False) as traveller:
        client = Client()
        sign_in_fully(client, key_worker)
        for _ in range(41):  # a request every 15 minutes for just over 10 hours
            traveller.shift(timedelta(minutes=15))
            response = client.get(reverse("core:home"))
            if response.status_code != 200:
                break
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
        page = client.get(response["Location"])
        assert "signed in for 10 hours" in page.content.decode()


def test_timeouts_are_settings(settings) -> None:  # type: ignore[no-untyped-def]
    """SEC-08: the limits are settings."""
    assert timedelta(minutes=30) == settings.JOINEDUP_SESSION_IDLE_TIMEOUT
    assert timedelta(hours=10) == settings.JOINEDUP_SESSION_ABSOLUTE_TIMEOUT


def test_sign_out_deletes_the_server_side_session(key_worker: User) -> None:
    """SEC-09: sign-out ends the server-side session (a copied cookie no longer works)."""
    client = Client()
    sign_in_fully(client, key_worker)
    key = client.session.session_key
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(reverse("core:home")).status_code == 200
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert not StaffSession.objects.filter(session_key=key).exists()
    assert stolen.get(reverse("core:home")).status_code == 302


def test_sign_out_by_get_does_not_sign_out(key_worker_client: Client) -> None:
    """Sign-out needs a POST (a link on another site cannot sign anyone out)."""
    response = key_worker_client.get(reverse("accounts:sign_out"))
    assert response.status_code == 200
    assert key_worker_client.get(reverse("core:home")).status_code == 200


def test_deactivation_ends_every_session(key_worker: User, org_admin: User) -> None:
    """SEC-09: deactivation ends the member's server-side sessions."""
    laptop, phone = Client(), Client()
    with time_machine.travel("2026-11-02 09:00:00", tick=False) as traveller:
        sign_in_fully(laptop, key_worker)
        traveller.shift(31)  # a new time step, so the next code is a fresh one
        sign_in_fully(phone, key_worker)
        keys = set(
            StaffSession.objects.filter(user=key_worker).values_list("session_key", flat=True)
        )
        assert keys == {laptop.session.session_key, phone.session.session_key}
        ended = services.deactivate_staff(
            actor=Actor.for_user(org_admin, process="test"), member=key_worker, reason="Left"
        )
        assert ended == 2
        assert laptop.get(reverse("core:home")).status_code == 302
        assert phone.get(reverse("core:home")).status_code == 302
    # The server-side sessions themselves are gone, not just refused.
    assert not StaffSession.objects.filter(session_key__in=keys).exists()


def test_password_change_ends_the_other_sessions(key_worker: User) -> None:
    """SEC-09: a password change ends the other server-side sessions and keeps this one."""
    here, elsewhere = Client(), Client()
    with time_machine.travel("2026-11-02 09:00:00", tick=False) as traveller:
        sign_in_fully(here, key_worker)
        traveller.shift(31)
        sign_in_fully(elsewhere, key_worker)
        new_password = "river lantern quietly"
        response = here.post(
            reverse("accounts:change_password"),
            {
                "old_password": "correct horse battery staple",
                "new_password1": new_password,
                "new_password2": new_password,
            },
        )
        assert response.status_code == 302
        assert here.get(reverse("core:home")).status_code == 200
        assert elsewhere.get(reverse("core:home")).status_code == 302
    # Only this session is left on the server; the other was deleted.
    assert list(
        StaffSession.objects.filter(user=key_worker).values_list("session_key", flat=True)
    ) == [here.session.session_key]


def test_two_factor_reset_ends_sessions_and_requires_set_up_again(
    key_worker: User, org_admin: User
) -> None:
    """SEC-09: resetting two-factor signs the member out; they set it up again next time."""
    client = Client()
    sign_in_fully(client, key_worker)
    key = client.session.session_key
    services.reset_two_factor(actor=Actor.for_user(org_admin, process="test"), member=key_worker)
    assert not StaffSession.objects.filter(session_key=key).exists()
    assert client.get(reverse("core:home")).status_code == 302
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": key_worker.email, "password": "correct horse battery staple"},
    )
    assert response["Location"] == reverse("accounts:two_factor_setup")


def test_new_backup_codes_need_a_fresh_authenticator_code(
    key_worker_client: Client, key_worker: User
) -> None:
    """Someone at an unlocked screen cannot mint a lasting second factor."""
    from django_otp.plugins.otp_static.models import StaticToken

    from ..helpers import current_code, totp_device

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        response = key_worker_client.post(reverse("accounts:new_backup_codes"), {"code": "000000"})
        assert response.status_code == 200
        assert not StaticToken.objects.filter(device__user=key_worker).exists()
        traveller.shift(2)  # past the throttle after one wrong code
        response = key_worker_client.post(
            reverse("accounts:new_backup_codes"), {"code": current_code(totp_device(key_worker))}
        )
    assert StaticToken.objects.filter(device__user=key_worker).count() == 10
    assert 'data-testid="backup-codes"' in response.content.decode()


def test_request_ids_from_clients_are_not_trusted(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Audit events carry the request id: a client cannot choose it unless our own proxy set it."""
    response = client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-attacker-123")
    assert response["X-Request-ID"] != "chosen-by-attacker-123"
    settings.JOINEDUP_TRUSTED_PROXY_COUNT = 1
    response = client.get("/healthz", HTTP_X_REQUEST_ID="set-by-our-proxy-123")
    assert response["X-Request-ID"] == "set-by-our-proxy-123"
