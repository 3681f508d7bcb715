"""Organisations, teams and staff of the partnership (F1)."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.core.models import ArchivableModel, BaseModel

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .session_store import SessionStore


class Organisation(ArchivableModel):
    class Type(models.TextChoices):
        STATUTORY = "statutory", "Statutory"
        VOLUNTARY = "voluntary", "Voluntary and community"
        PRIVATE = "private", "Private"
        SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"

    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=40, blank=True, help_text="Shown where space is short, e.g. 'CAB'."
    )
    organisation_type = models.CharField(max_length=32, choices=Type.choices)
    co_located = models.BooleanField(
        default=False,
        help_text="Staff work from the shared partnership hub.",
    )
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Team(ArchivableModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="team_name_unique_per_organisation_ci"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.display_name})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def normalize_email(self, email: str | None) -> str:  # type: ignore[override]
        """E-mail addresses are compared without regard to case."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A member of staff needs an e-mail address.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        """Used by ``manage.py createsuperuser``: a system admin, with no organisation until one
        is chosen. Migrations never call this (SEC-06)."""
        user = self.create_user(email, password, **fields)
        Membership.objects.create(user=user, role=Role.SYSTEM_ADMIN)
        return user


class User(AbstractBaseUser):
    """A member of staff. Staff sign in with their e-mail address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True, max_length=254)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="Empty only for system admins who belong to no partner.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    invited_on = models.DateTimeField(null=True, blank=True)
    deactivated_on = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.CharField(max_length=500, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = "member of staff"
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def role_names(self) -> frozenset[str]:
        """The roles this user holds (loaded once per request)."""
        return frozenset(self.memberships.values_list("role", flat=True))

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return not self.role_names.isdisjoint(roles)

    @property
    def is_system_admin(self) -> bool:
        return self.has_role(Role.SYSTEM_ADMIN)

    @property
    def is_staff(self) -> bool:
        """Django admin's gate. Only system admins reach the admin site."""
        return self.is_active and self.is_system_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: Iterable[str], obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class Membership(BaseModel):
    """A role held by a member of staff, within their organisation, optionally for one team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "team"], name="membership_unique_with_team"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(team__isnull=True),
                name="membership_unique_without_team",
            ),
        ]

    def __str__(self) -> str:
        team = f" in {self.team.name}" if self.team_id and self.team else ""
        return f"{self.get_role_display()}{team}"

    def clean(self) -> None:
        team = self.team if self.team_id else None
        if team is not None and team.organisation_id != self.user.organisation_id:
            raise ValidationError({"team": "The team must belong to the member's organisation."})


class StaffSession(AbstractBaseSession):
    """Django's database session, with the member of staff it belongs to, so every session of a
    user can be found and ended: at sign-out, deactivation, password change and two-factor
    reset (SEC-09). The session table is the register; nothing else needs keeping in step."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    started_on = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_on"]
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls) -> type[SessionStore]:
        from .session_store import SessionStore

        return SessionStore
