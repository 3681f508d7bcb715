"""Writes for partnership set-up and sign-in. Every function takes the acting user as
``actor=`` and checks that the actor may do what is asked before writing (SEC-18).

Who may do what:
- system admins manage organisations, and staff and teams in any organisation;
- organisation admins manage the staff and teams of their own organisation only;
- everyone manages their own password and two-factor.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.core.logging import security_event

from .models import Membership, Organisation, Team, User
from .roles import Role
from .sessions import end_user_sessions

if TYPE_CHECKING:
    from datetime import datetime

    from django_otp.models import Device

    from joinedup.core.actor import Actor

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Invitation links: like reset links (single-use: the token depends on the password hash
    and last sign-in), but valid for ``INVITATION_TIMEOUT_DAYS``."""

    key_salt = "joinedup.accounts.InvitationTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Like Django's check (including SECRET_KEY_FALLBACKS), but with the invitation's own
        lifetime, and never for an account that has been deactivated."""
        if not (user and token) or "-" not in token or not user.is_active:
            return False
        try:
            timestamp = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.INVITATION_TIMEOUT_DAYS * 24 * 60 * 60


invitation_tokens = InvitationTokenGenerator()


# ----------------------------------------------------------------------------- permissions


def _actor_user(actor: Actor) -> User:
    if actor.user is None or not actor.user.is_active:
        raise PermissionDenied("Only an active member of staff can do this.")
    return actor.user


def can_manage_organisations(actor: Actor) -> bool:
    return actor.user is not None and actor.user.has_role(Role.SYSTEM_ADMIN)


def can_manage_staff_of(actor: Actor, organisation_id: object) -> bool:
    user = actor.user
    if user is None:
        return False
    if user.has_role(Role.SYSTEM_ADMIN):
        return True
    return (
        user.has_role(Role.ORGANISATION_ADMIN)
        and organisation_id is not None
        and organisation_id == user.organisation_id
    )


def _require_staff_manager(actor: Actor, organisation_id: object) -> None:
    """Refuse with 404 (not 403) when the staff member belongs to an organisation the actor
    does not manage, so other organisations' staff are not even confirmed to exist."""
    _actor_user(actor)
    if not can_manage_staff_of(actor, organisation_id):
        raise Http404("No such member of staff.")


def can_manage_member(actor: Actor, member: User) -> bool:
    """Whether the actor may act on this member of staff: their organisation's admins may, and
    only system admins act on a system admin (so an organisation admin cannot deactivate one,
    reset their two-factor or take their role)."""
    if not can_manage_staff_of(actor, member.organisation_id):
        return False
    return not member.is_system_admin or can_manage_organisations(actor)


def _require_member_manager(actor: Actor, member: User) -> None:
    _actor_user(actor)
    if not can_manage_member(actor, member):
        raise Http404("No such member of staff.")


# ----------------------------------------------------------------------------- organisations


def _check_organisation_name_free(name: str, except_id: object = None) -> None:
    clash = Organisation.objects.filter(name__iexact=name.strip()).exclude(pk=except_id)
    if clash.exists():
        raise ValidationError({"name": "An organisation with this name already exists."})


def create_organisation(
    *,
    actor: Actor,
    name: str,
    organisation_type: str,
    co_located: bool,
    short_name: str = "",
    description: str = "",
) -> Organisation:
    _actor_user(actor)
    if not can_manage_organisations(actor):
        raise PermissionDenied("Only system admins can add organisations.")
    _check_organisation_name_free(name)
    organisation = Organisation(
        name=name.strip(),
        short_name=short_name.strip(),
        organisation_type=organisation_type,
        co_located=co_located,
        description=description.strip(),
    ).stamp(actor)
    organisation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "An organisation with this name already exists."}) from exc
    return organisation


def update_organisation(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    organisation_type: str,
    co_located: bool,
    short_name: str = "",
    description: str = "",
) -> Organisation:
    _actor_user(actor)
    if not can_manage_organisations(actor):
        raise PermissionDenied("Only system admins can change organisations.")
    _check_organisation_name_free(name, except_id=organisation.pk)
    organisation.name = name.strip()
    organisation.short_name = short_name.strip()
    organisation.organisation_type = organisation_type
    organisation.co_located = co_located
    organisation.description = description.strip()
    organisation.stamp(actor)
    organisation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "An organisation with this name already exists."}) from exc
    return organisation


# ----------------------------------------------------------------------------- teams


def create_team(
    *, actor: Actor, organisation: Organisation, name: str, description: str = ""
) -> Team:
    _require_staff_manager(actor, organisation.pk)
    team = Team(organisation=organisation, name=name.strip(), description=description.strip())
    team.stamp(actor)
    team.full_clean(validate_constraints=False)
    if Team.objects.filter(organisation=organisation, name__iexact=team.name).exists():
        raise ValidationError({"name": "This organisation already has a team with this name."})
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"name": "This organisation already has a team with this name."}
        ) from exc
    return team


# ----------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class RoleChoice:
    role: str
    team: Team | None = None


def _check_roles(
    *, actor: Actor, organisation: Organisation, roles: Iterable[RoleChoice]
) -> list[RoleChoice]:
    chosen = list(roles)
    if not chosen:
        raise ValidationError({"roles": "Choose at least one role."})
    for choice in chosen:
        if choice.role not in Role.values:
            raise ValidationError({"roles": f"'{choice.role}' is not a role."})
        if choice.role == Role.SYSTEM_ADMIN and not can_manage_organisations(actor):
            raise PermissionDenied("Only system admins can make someone a system admin.")
        if choice.team is not None and choice.team.organisation_id != organisation.pk:
            raise ValidationError({"teams": "Teams must belong to the member's organisation."})
    return chosen


def _send_invitation(*, user: User, inviter: User | None, base_url: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    link = base_url.rstrip("/") + reverse(
        "accounts:accept_invitation", kwargs={"uidb64": uid, "token": token}
    )
    context = {
        "user": user,
        "inviter": inviter,
        "link": link,
        "service_name": settings.JOINEDUP_SERVICE_NAME,
        "days": settings.INVITATION_TIMEOUT_DAYS,
    }
    send_mail(
        subject=f"You have been invited to {settings.JOINEDUP_SERVICE_NAME}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def invite_staff(
    *,
    actor: Actor,
    organisation: Organisation,
    email: str,
    full_name: str,
    job_title: str = "",
    roles: Iterable[RoleChoice],
    base_url: str,
) -> User:
    """Create a member of staff with no usable password and e-mail them a link to set one.
    They set up two-factor at their first sign-in."""
    _require_staff_manager(actor, organisation.pk)
    chosen = _check_roles(actor=actor, organisation=organisation, roles=roles)
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {"email": "A member of staff with this e-mail address already exists."}
        )
    with transaction.atomic():
        user = User(
            email=email,
            full_name=full_name.strip(),
            job_title=job_title.strip(),
            organisation=organisation,
            invited_on=timezone.now(),
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        for choice in chosen:
            Membership(user=user, role=choice.role, team=choice.team).stamp(actor).save()
        transaction.on_commit(
            lambda: _send_invitation(user=user, inviter=actor.user, base_url=base_url)
        )
    return user


def resend_invitation(*, actor: Actor, member: User, base_url: str) -> None:
    _require_member_manager(actor, member)
    if member.has_usable_password():
        raise ValidationError("This member of staff has already accepted their invitation.")
    member.invited_on = timezone.now()
    member.set_unusable_password()  # a new unusable hash: links sent before stop working
    member.save(update_fields=["invited_on", "password"])
    _send_invitation(user=member, inviter=actor.user, base_url=base_url)


def set_staff_roles(*, actor: Actor, member: User, roles: Iterable[RoleChoice]) -> None:
    _require_member_manager(actor, member)
    if member.organisation is None:
        raise ValidationError("Give this member of staff an organisation first.")
    chosen = _check_roles(actor=actor, organisation=member.organisation, roles=roles)
    gives_system_admin = any(c.role == Role.SYSTEM_ADMIN for c in chosen)
    if gives_system_admin != member.is_system_admin and not can_manage_organisations(actor):
        raise PermissionDenied("Only system admins can change who is a system admin.")
    removing_own_admin = member.pk == actor.user_id and not any(
        c.role in (Role.ORGANISATION_ADMIN, Role.SYSTEM_ADMIN) for c in chosen
    )
    if removing_own_admin:
        raise ValidationError({"roles": "You cannot remove your own admin role."})
    with transaction.atomic():
        member.memberships.all().delete()
        for choice in chosen:
            Membership(user=member, role=choice.role, team=choice.team).stamp(actor).save()
    member.__dict__.pop("role_names", None)


def deactivate_staff(*, actor: Actor, member: User, reason: str) -> int:
    """Deactivate a member of staff and end all their sessions. Returns sessions ended."""
    _require_member_manager(actor, member)
    if member.pk == actor.user_id:
        raise ValidationError("You cannot deactivate your own account.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this account is being deactivated."})
    with transaction.atomic():
        member.is_active = False
        member.deactivated_on = timezone.now()
        member.deactivation_reason = reason.strip()[:500]
        member.save(update_fields=["is_active", "deactivated_on", "deactivation_reason"])
        ended = end_user_sessions(member)
    security_event(
        "account_deactivated",
        user_id=str(member.pk),
        by_user_id=str(actor.user_id),
        sessions_ended=ended,
    )
    return ended


def reactivate_staff(*, actor: Actor, member: User) -> None:
    _require_member_manager(actor, member)
    member.is_active = True
    member.deactivated_on = None
    member.deactivation_reason = ""
    # A reactivated account counts as freshly used, or the inactivity sweep would disable it again.
    member.last_login = timezone.now()
    member.save(update_fields=["is_active", "deactivated_on", "deactivation_reason", "last_login"])
    security_event("account_reactivated", user_id=str(member.pk), by_user_id=str(actor.user_id))


def reset_two_factor(*, actor: Actor, member: User) -> int:
    """Remove a member's authenticator and backup codes and end their sessions; they set up
    two-factor again at their next sign-in. Returns sessions ended."""
    _require_member_manager(actor, member)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=member).delete()
        StaticDevice.objects.filter(user=member).delete()
        ended = end_user_sessions(member)
    security_event(
        "two_factor_reset",
        user_id=str(member.pk),
        by_user_id=str(actor.user_id),
        sessions_ended=ended,
    )
    return ended


def disable_inactive_accounts(*, actor: Actor, now: datetime | None = None) -> list[User]:
    """SEC-06: disable accounts unused for longer than ``ACCOUNT_INACTIVITY_DAYS``. An account
    never signed in to counts from when it was invited or created. Returns those disabled."""
    if not actor.is_system:
        raise PermissionDenied("Only the scheduled job disables inactive accounts.")
    now = now or timezone.now()
    cutoff = now - settings.JOINEDUP_ACCOUNT_INACTIVITY_LIMIT
    stale = list(
        User.objects.filter(is_active=True).filter(
            Q(last_login__lt=cutoff)
            | Q(last_login__isnull=True, invited_on__lt=cutoff)
            | Q(last_login__isnull=True, invited_on__isnull=True, date_joined__lt=cutoff)
        )
    )
    for user in stale:
        with transaction.atomic():
            user.is_active = False
            user.deactivated_on = now
            user.deactivation_reason = (
                f"Not used for {settings.JOINEDUP_ACCOUNT_INACTIVITY_LIMIT.days} days"
            )
            user.save(update_fields=["is_active", "deactivated_on", "deactivation_reason"])
            end_user_sessions(user)
        security_event("account_disabled_inactive", user_id=str(user.pk))
    return stale


# ----------------------------------------------------------------------------- two-factor


def has_authenticator(user: Any) -> bool:
    """Whether the user has a confirmed authenticator app (else they must set one up)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_totp_setup(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for this user (one at a time; a new start replaces it)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def confirm_totp_setup(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Confirm the authenticator with a code from it. Any earlier confirmed authenticator is
    replaced. Returns False (and counts a failure) when the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied("This set-up does not belong to you.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_digits(code)):
            security_event("two_factor_failure", user_id=str(user.pk), stage="set-up")
            return False
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    security_event("two_factor_set_up", user_id=str(user.pk))
    return True


def issue_backup_codes(*, user: User) -> list[str]:
    """Replace the user's backup codes with a fresh set; returns them (shown once, stored only
    as single-use tokens)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(10))
        for _ in range(settings.JOINEDUP_BACKUP_CODE_COUNT)
    ]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify_second_factor(*, user: User, code: str) -> tuple[Device | None, str]:
    """Check a code from the authenticator (6 digits) or a backup code. Returns the device that
    accepted it, or None and the reason to show. Codes are single-use and wrong codes throttle
    the device (SEC-03)."""
    cleaned = code.strip().replace(" ", "").replace("-", "").lower()
    if not cleaned:
        return None, "Enter the code from your authenticator app or a backup code"
    is_totp = cleaned.isdigit() and len(cleaned) == 6
    model = TOTPDevice if is_totp else StaticDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("id")
            .first()
        )
        if device is None:
            reason = "Enter a 6-digit code from your authenticator app"
            security_event("two_factor_failure", user_id=str(user.pk), reason="no such device")
            return None, reason
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            security_event("two_factor_failure", user_id=str(user.pk), reason="throttled")
            return None, "You have entered too many wrong codes. Wait a minute and try again"
        if device.verify_token(cleaned):
            return device, ""
    security_event("two_factor_failure", user_id=str(user.pk), reason="wrong code")
    return None, "The code is not right, or it has been used already"


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())
