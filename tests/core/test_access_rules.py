"""Every URL declares who may use it, and the rule is enforced (SEC-11, SEC-02)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from joinedup.accounts.models import User
from joinedup.core.access import PASSWORD_ONLY, PUBLIC, StaffRule, rule_for

from ..helpers import log_in_password_only

pytestmark = pytest.mark.django_db


def _walk(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        else:
            yield prefix + str(entry.pattern), entry, namespace


def _example_path(route: str) -> str | None:
    """A concrete path for a route, with a made-up (but fixed) UUID for each <uuid:...> parameter
    and 1 for each <int:...> one."""
    if route.startswith("^") or "(?P" in route:
        return None  # regex routes (Django admin's internals) are covered by the admin rule
    path = "/" + route
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        converter = path[start + 1 : end].split(":")[0]
        value = {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, route)), "int": "1"}.get(
            converter, "x1"
        )
        path = path[:start] + value + path[end + 1 :]
    return path


ALL_ROUTES = list(_walk(get_resolver()))
OWN_ROUTES = [(route, pattern) for route, pattern, ns in ALL_ROUTES if ns != "admin"]


def test_every_view_declares_an_access_rule() -> None:
    """SEC-11: every URL declares who may use it; this fails on any view that does not."""
    undeclared = [route for route, pattern in OWN_ROUTES if rule_for(pattern.callback) is None]
    assert undeclared == []
    assert len(OWN_ROUTES) > 20


def test_public_routes_are_exactly_the_expected_ones() -> None:
    """SEC-11: the public surface is small and known; adding to it is a deliberate change."""
    public = sorted(route for route, pattern in OWN_ROUTES if rule_for(pattern.callback) is PUBLIC)
    assert public == sorted(
        [
            "healthz",
            "sign-in/",
            "password-reset/",
            "password-reset/sent/",
            "password-reset/<uidb64>/<token>/",
            "password-reset/done/",
            "invitation/<uidb64>/<token>/",
            "invitation/accepted/",
            "self-referral/",
            "self-referral/check-your-answers/",
            "self-referral/sent/",
            "self-referral/<slug:step>/",
            # The anonymised public dashboard (issue 7): suppressed and rounded, no personal data.
            "performance/public/dashboard/",
            "performance/public/dashboard.csv",
        ]
    )


def test_a_view_without_a_rule_is_refused(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """SEC-11: deny by default."""
    settings.ROOT_URLCONF = "tests.core.undeclared_urls"
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert b"secret" not in response.content


STAFF_ROUTES = [
    path
    for route, pattern in OWN_ROUTES
    if isinstance(rule_for(pattern.callback), StaffRule)
    and (path := _example_path(route)) is not None
] + ["/admin/", "/admin/accounts/user/"]


@pytest.mark.parametrize("path", STAFF_ROUTES)
def test_signed_in_but_unverified_sessions_never_reach_a_staff_page(
    path: str, key_worker: User
) -> None:
    """SEC-02: a session that has passed the password but not two-factor is sent to the
    two-factor step on every staff URL, for every method."""
    client = Client()
    log_in_password_only(client, key_worker)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response["Location"].startswith("/sign-in/two-factor/"), response["Location"]


@pytest.mark.parametrize("path", STAFF_ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(path: str, client: Client) -> None:
    """SEC-11: staff pages need sign-in."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_password_only_pages_are_the_two_factor_steps_and_sign_out() -> None:
    routes = sorted(
        route for route, pattern in OWN_ROUTES if rule_for(pattern.callback) is PASSWORD_ONLY
    )
    assert routes == ["sign-in/two-factor/", "sign-in/two-factor/set-up/", "sign-out/"]


def test_route_patterns_are_routes_not_regexes() -> None:
    """Identifiers in our URLs are typed (UUIDs), never free-form regexes (SEC-13)."""
    assert all(isinstance(pattern.pattern, RoutePattern) for _route, pattern in OWN_ROUTES)
    with_ids = [route for route, _ in OWN_ROUTES if "_id>" in route]
    assert with_ids and all("<uuid:" in route for route in with_ids)
