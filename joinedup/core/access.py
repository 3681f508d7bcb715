"""Who may use each URL (SEC-11): every view declares an access rule, and anything that does
not is refused.

Views are marked with ``@access(rule)``. ``AccessRuleMiddleware`` (in ``accounts``) reads the
rule before the view runs. The rules here know nothing of roles' meaning: ``StaffRule`` asks the
user ``has_any_role`` with role names, which the accounts app answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.http import HttpRequest

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


class AccessRule(Protocol):
    @property
    def description(self) -> str: ...

    @property
    def needs_sign_in(self) -> bool:
        """The user must have signed in with a password."""
        ...

    @property
    def needs_two_factor(self) -> bool:
        """...and passed two-factor (SEC-02)."""
        ...

    def allows(self, request: HttpRequest) -> bool: ...


@dataclass(frozen=True)
class PublicRule:
    """Anyone, signed in or not. For sign-in pages, health checks and public forms."""

    description: str = "anyone"
    needs_sign_in: bool = False
    needs_two_factor: bool = False

    def allows(self, request: HttpRequest) -> bool:
        return True


@dataclass(frozen=True)
class PasswordOnlyRule:
    """Signed in with a password, two-factor not yet passed: the two-factor pages and sign-out."""

    description: str = "signed in, before two-factor"
    needs_sign_in: bool = True
    needs_two_factor: bool = False

    def allows(self, request: HttpRequest) -> bool:
        return True


@dataclass(frozen=True)
class StaffRule:
    """Signed in, two-factor passed, and (when ``roles`` is given) holding one of the roles."""

    roles: frozenset[str] = frozenset()
    description: str = "staff with two-factor"
    needs_sign_in: bool = True
    needs_two_factor: bool = True

    def allows(self, request: HttpRequest) -> bool:
        if not self.roles:
            return True
        has_any_role = getattr(request.user, "has_any_role", None)
        return bool(has_any_role and has_any_role(self.roles))


PUBLIC = PublicRule()
PASSWORD_ONLY = PasswordOnlyRule()
STAFF = StaffRule()


def staff_with_roles(*roles: str) -> StaffRule:
    return StaffRule(roles=frozenset(roles), description="staff with role: " + ", ".join(roles))


def access(rule: AccessRule) -> Callable[[ViewFunc], ViewFunc]:
    """Declare who may use a view."""

    def decorate(view: ViewFunc) -> ViewFunc:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def passed_two_factor(user: Any) -> bool:
    """True when the user signed in and passed two-factor in this session (django-otp's
    middleware gives authenticated users ``is_verified``)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(user is not None and user.is_authenticated and is_verified and is_verified())


def rule_for(view: Callable[..., Any]) -> AccessRule | None:
    return getattr(view, "access_rule", None)
