"""The health check, the GOV.UK layout and the error pages."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from joinedup.accounts.models import User

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_without_sign_in(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_unreachable(client: Client) -> None:
    with mock.patch("joinedup.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_layout_has_skip_link_header_phase_banner_and_footer(key_worker_client: Client) -> None:
    html = key_worker_client.get(reverse("core:home")).content.decode()
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert 'id="main-content"' in html
    assert "govuk-generic-header" in html and ">JoinedUp</a>" in html
    assert "govuk-phase-banner" in html
    assert "govuk-footer" in html
    assert 'data-testid="signed-in-organisation">Northvale Borough Council<' in html
    assert '<html lang="en-GB"' in html
    # Assets come from our own server, never a CDN.
    assert "/static/joinedup/css/application.css" in html
    assert "https://" not in html.split("<body")[0]


def test_navigation_depends_on_role(
    key_worker_client: Client, org_admin_client: Client, system_admin_client: Client
) -> None:
    def nav(client: Client) -> str:
        html = client.get(reverse("core:home")).content.decode()
        return html.split('id="navigation"')[1].split("</ul>")[0]

    assert "Staff" not in nav(key_worker_client) and "Organisations" not in nav(key_worker_client)
    assert "Staff" in nav(org_admin_client) and "Organisations" not in nav(org_admin_client)
    assert "Organisations" in nav(system_admin_client)


def test_no_navigation_before_two_factor(key_worker: User) -> None:
    from ..helpers import log_in_password_only

    client = Client()
    log_in_password_only(client, key_worker)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert 'id="navigation"' not in html


def test_not_found_page_is_the_govuk_pattern(client: Client) -> None:
    response = client.get("/there-is-nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html


def test_forbidden_page_is_the_govuk_pattern(key_worker_client: Client) -> None:
    response = key_worker_client.get(reverse("accounts:organisation_list"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_pages_work_without_javascript_forms_post_to_the_server(key_worker_client: Client) -> None:
    """Every action is a plain HTML form or link: sign-out is a POST form, not a script."""
    html = key_worker_client.get(reverse("core:home")).content.decode()
    assert (
        f'<form class="joinedup-account-bar__item" method="post" action="{reverse("accounts:sign_out")}">'
        in html
    )
