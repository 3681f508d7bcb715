"""The Django admin site, for system admins who have passed two-factor only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.core.access import passed_two_factor


class SystemAdminSite(admin.AdminSite):
    site_header = "JoinedUp system administration"
    site_title = "JoinedUp admin"
    index_title = "System administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and passed_two_factor(user) and getattr(user, "is_system_admin", False)
        )

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """Everyone signs in through the service's own sign-in, with two-factor."""
        return redirect("accounts:sign_in")

    def logout(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """Sign-out goes through the service's own page, which ends the server-side session."""
        return redirect("accounts:sign_out")

    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """Passwords change on the service's own page, which ends the other sessions."""
        return redirect("accounts:change_password")
