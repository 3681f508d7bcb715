"""Default accounts and inactive accounts (SEC-06)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from joinedup.accounts.models import StaffSession, User
from joinedup.accounts.services import disable_inactive_accounts
from joinedup.core.actor import Actor

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_migrations_create_no_accounts() -> None:
    """SEC-06: no default accounts are created by migrations."""
    assert User.objects.count() == 0


def test_accounts_unused_for_90_days_are_disabled(organisation) -> None:  # type: ignore[no-untyped-def]
    """SEC-06: accounts unused for 90 days are disabled by a scheduled command."""
    now = timezone.now()
    recent = UserFactory(organisation=organisation, last_login=now - timedelta(days=89))
    stale = UserFactory(organisation=organisation, last_login=now - timedelta(days=91))
    never_used_old = UserFactory(organisation=organisation, last_login=None)
    User.objects.filter(pk=never_used_old.pk).update(date_joined=now - timedelta(days=120))
    never_used_new = UserFactory(organisation=organisation, last_login=None)
    StaffSession.objects.create(
        user=stale, session_key="k" * 32, session_data="", expire_date=now + timedelta(hours=1)
    )

    out = StringIO()
    call_command("disable_inactive_accounts", stdout=out)

    assert "2 inactive account(s) disabled" in out.getvalue()
    for user, active in (
        (recent, True),
        (stale, False),
        (never_used_old, False),
        (never_used_new, True),
    ):
        user.refresh_from_db()
        assert user.is_active is active, user
    stale.refresh_from_db()
    assert stale.deactivation_reason == "Not used for 90 days"
    assert not StaffSession.objects.filter(user=stale).exists()


def test_only_the_system_runs_the_sweep(key_worker: User) -> None:
    with pytest.raises(PermissionDenied):
        disable_inactive_accounts(actor=Actor.for_user(key_worker, process="test"))


def test_createsuperuser_makes_a_system_admin() -> None:
    """Bootstrapping: the first account comes from `createsuperuser`, never a migration."""
    call_command(
        "createsuperuser",
        email="Lead@Council.example",
        full_name="Lead",
        interactive=False,
        stdout=StringIO(),
    )
    user = User.objects.get(email="lead@council.example")
    assert user.is_system_admin
    assert not user.has_usable_password()
