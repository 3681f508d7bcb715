"""Production settings, headers and error pages (SEC-10, SEC-25, SEC-26, SEC-27)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.core.access import STAFF, access

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "joinedup.config.settings.production",
    "SECRET_KEY": "dummy-secret-for-checks-only-" + "x" * 40,
    "ALLOWED_HOSTS": "joinedup.example.org",
    "DATABASE_URL": "sqlite:////tmp/joinedup-check.sqlite3",
}


def _production_env() -> dict[str, str]:
    """The environment of a production process: ours, less anything a test run added."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **PRODUCTION_ENV}


def _production(code: str) -> str:
    env = _production_env()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; " + code,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_production_cookies_are_secure_httponly_and_samesite() -> None:
    """SEC-10: in production settings cookies are Secure, HttpOnly, SameSite=Lax or stricter."""
    values = json.loads(
        _production(
            "import json; print(json.dumps({k: getattr(settings, k) for k in ["
            "'SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
            "'CSRF_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE','CSRF_COOKIE_SAMESITE','DEBUG']}))"
        )
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "DEBUG": False,
    }


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in _production_env().items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_checks_are_clean_under_production_settings() -> None:
    """SEC-25: `manage.py check --deploy --fail-level WARNING` is clean under production settings."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:sign_in", "accounts:password_reset", "core:home"])
def test_every_html_response_has_a_strict_csp(
    client: Client, key_worker_client: Client, name: str
) -> None:
    """SEC-26: a Content Security Policy on every HTML response, no inline script, no framing."""
    for c in (client, key_worker_client):
        response = c.get(reverse(name), follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        html = response.content.decode()
        # No inline script: every <script> has a src.
        assert html.count("<script") == html.count("<script src=") + html.count(
            '<script type="module" src='
        )


@pytest.mark.django_db
def test_error_pages_have_csp_too(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_signed_in_responses_are_not_stored(client: Client, key_worker_client: Client) -> None:
    """SEC-27: authenticated responses are Cache-Control: no-store."""
    response = key_worker_client.get(reverse("core:home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    response = key_worker_client.get(reverse("accounts:account"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_sign_in_puts_nothing_personal_in_urls(client: Client, key_worker) -> None:  # type: ignore[no-untyped-def]
    """SEC-27: credentials are POSTed, and nothing typed comes back in a redirect URL."""
    html = client.get(reverse("accounts:sign_in")).content.decode()
    assert 'method="post"' in html
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": key_worker.email, "password": "correct horse battery staple"},
    )
    assert key_worker.email not in response["Location"]


@access(STAFF)
def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret internals: /srv/app/settings.py password=hunter2")


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_hardening_urls")
def test_server_errors_show_no_traceback(key_worker) -> None:  # type: ignore[no-untyped-def]
    """SEC-27: error pages show no tracebacks."""
    from ..helpers import log_in_verified

    client = Client(raise_request_exception=False)
    log_in_verified(client, key_worker)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html
    assert response["X-Request-ID"] in html
