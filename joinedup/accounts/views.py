"""Sign-in, two-factor, account and partnership set-up pages."""

from __future__ import annotations

import hashlib
import hmac
from base64 import b32encode
from typing import Any
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.core.access import (
    PASSWORD_ONLY,
    PUBLIC,
    STAFF,
    access,
    passed_two_factor,
    staff_with_roles,
)
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors
from joinedup.core.logging import security_event
from joinedup.core.request_meta import client_ip

from . import selectors, services
from .forms import (
    ConfirmAuthenticatorForm,
    DeactivateForm,
    GovukSetPasswordForm,
    InviteStaffForm,
    OrganisationForm,
    RolesForm,
    SignInForm,
    StaffSearchForm,
    TeamForm,
    TwoFactorForm,
)
from .models import User
from .roles import Role
from .sessions import (
    SESSION_ENDED_REASON,
    end_session,
    end_user_sessions,
    keep_session_after_password_change,
    live_sessions,
    rotate_session_key,
    start_session,
)

STAFF_MANAGERS = staff_with_roles(Role.ORGANISATION_ADMIN, Role.SYSTEM_ADMIN)
SYSTEM_ADMINS = staff_with_roles(Role.SYSTEM_ADMIN)
SETUP_DEVICE_KEY = "joinedup_totp_setup_device"
PAGE_SIZE = 25


def _safe_next(request: HttpRequest, fallback: str = "core:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


# ----------------------------------------------------------------------------- sign-in


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if passed_two_factor(request.user):
        return redirect("core:home")
    ended_reason = request.session.pop(SESSION_ENDED_REASON, "")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
        )
        if user is None:
            # SEC-04: the same answer whether or not the address belongs to anyone.
            security_event(
                "sign_in_failure",
                email_hash=_email_fingerprint(form.cleaned_data["email"]),
                ip_address=client_ip(request),
                locked_out=bool(getattr(request, "axes_locked_out", False)),
            )
            form.add_error(None, "Enter a correct email address and password")
        else:
            login(request, user)  # a new session key (SEC-07)
            start_session(request)
            security_event(
                "sign_in_password_ok", user_id=str(user.pk), ip_address=client_ip(request)
            )
            target = "accounts:two_factor"
            if not services.has_authenticator(user):
                target = "accounts:two_factor_setup"
            url = reverse(target)
            next_url = request.POST.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}
            ):
                url += "?" + urlencode({"next": next_url})
            return redirect(url)
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": request.GET.get("next", ""), "ended_reason": ended_reason},
    )


def _email_fingerprint(email: str) -> str:
    """A short keyed hash of an e-mail address: lets a reviewer see repeated attempts on one
    address without the log holding addresses typed by strangers."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()
    return digest[:16]


@access(PASSWORD_ONLY)
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if passed_two_factor(user):
        return redirect(_safe_next(request))
    if not services.has_authenticator(user):
        return redirect("accounts:two_factor_setup")
    form = TwoFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device, problem = services.verify_second_factor(user=user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)
            rotate_session_key(request)  # SEC-07
            security_event("sign_in_success", user_id=str(user.pk), ip_address=client_ip(request))
            remaining = services.backup_codes_left(user=user)  # type: ignore[arg-type]
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(
                    request,
                    f"You used a backup code. You have {remaining} left. "
                    "Get new ones from your account page if you are running low.",
                )
            return redirect(_safe_next(request))
        form.add_error("code", problem)
    return render(
        request, "accounts/two_factor.html", {"form": form, "next": request.GET.get("next", "")}
    )


@access(PASSWORD_ONLY)
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after a reset): scan a QR code, confirm a code, get backup codes."""
    user: User = request.user  # type: ignore[assignment]
    if services.has_authenticator(user):
        return redirect("accounts:two_factor")
    device = None
    device_id = request.session.get(SETUP_DEVICE_KEY)
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = services.start_totp_setup(user=user)
        request.session[SETUP_DEVICE_KEY] = device.pk
    form = ConfirmAuthenticatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_setup(user=user, device=device, code=form.cleaned_data["code"]):
            request.session.pop(SETUP_DEVICE_KEY, None)
            otp_login(request, device)
            rotate_session_key(request)  # SEC-07
            security_event("sign_in_success", user_id=str(user.pk), ip_address=client_ip(request))
            codes = services.issue_backup_codes(user=user)
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "first_time": True}
            )
        form.add_error("code", "The code is not right. Check the time on your phone and try again")
    qr = segno.make(device.config_url, error="m")
    secret = _group(_base32(device))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#0b0c0c", title="QR code"),
            "secret": secret,
        },
    )


def _base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@access(PASSWORD_ONLY)
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        user_id = str(request.user.pk)
        end_session(request)
        security_event("sign_out", user_id=user_id, ip_address=client_ip(request))
        messages.success(request, "You have signed out.")
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.html")


# ----------------------------------------------------------------------------- password reset


class GovukPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages = {
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        }


class EndSessionsSetPasswordForm(GovukSetPasswordForm):
    """Setting a password (reset or invitation) ends every session of the account (SEC-09).
    It does not sign the user in: they sign in again, with two-factor (SEC-05)."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            end_user_sessions(user)
            security_event("password_set", user_id=str(user.pk))
        return user


password_reset = access(PUBLIC)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        form_class=GovukPasswordResetForm,
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = access(PUBLIC)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = access(PUBLIC)(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        form_class=EndSessionsSetPasswordForm,
        post_reset_login=False,
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = access(PUBLIC)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


class AcceptInvitationView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/accept_invitation.html"
    form_class = EndSessionsSetPasswordForm
    token_generator = services.invitation_tokens
    post_reset_login = False
    reset_url_token = "set-password"  # noqa: S105 (a URL segment, not a secret)
    success_url = reverse_lazy("accounts:invitation_accepted")


accept_invitation = access(PUBLIC)(AcceptInvitationView.as_view())


@access(PUBLIC)
def invitation_accepted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/invitation_accepted.html")


# ----------------------------------------------------------------------------- your account


@access(STAFF)
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": user.memberships.select_related("team"),
            "backup_codes_left": services.backup_codes_left(user=user),
            "sessions": live_sessions(user),
            "current_session_key": request.session.session_key,
        },
    )


@access(STAFF)
@require_http_methods(["GET", "POST"])
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes need a fresh code from the authenticator: whoever happens to be at an
    unlocked screen cannot mint themselves a lasting second factor."""
    user: User = request.user  # type: ignore[assignment]
    form = ConfirmAuthenticatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device, problem = services.verify_second_factor(user=user, code=form.cleaned_data["code"])
        if device is not None:
            codes = services.issue_backup_codes(user=user)
            security_event("backup_codes_issued", user_id=str(user.pk))
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "first_time": False}
            )
        form.add_error("code", problem)
    return render(request, "accounts/new_backup_codes.html", {"form": form})


@access(STAFF)
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    form.fields["old_password"].label = "Current password"
    form.fields["old_password"].error_messages["required"] = "Enter your current password"
    form.fields["new_password1"].label = "New password"
    form.fields["new_password2"].label = "Confirm new password"
    form.fields["new_password2"].help_text = ""
    if request.method == "POST" and form.is_valid():
        user = form.save()
        keep_session_after_password_change(request, user)
        ended = end_user_sessions(user, keep_session_key=request.session.session_key)
        security_event("password_changed", user_id=str(user.pk), other_sessions_ended=ended)
        messages.success(request, "Your password has been changed. Your other sessions have ended.")
        return redirect("accounts:account")
    return render(request, "accounts/change_password.html", {"form": form})


# ----------------------------------------------------------------------------- organisations


@access(SYSTEM_ADMINS)
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    page = Paginator(selectors.organisations_for_admin(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/organisation_list.html", {"page": page})


@access(SYSTEM_ADMINS)
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{organisation.name} has been added.")
            return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": None})


@access(STAFF_MANAGERS)
def organisation_detail(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    organisation = selectors.organisation_for_admin(actor=actor, organisation_id=organisation_id)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "teams": selectors.teams_of_organisation(actor=actor, organisation=organisation),
            "role_counts": selectors.staff_counts_by_role(organisation=organisation),
            "can_edit": services.can_manage_organisations(actor),
        },
    )


@access(SYSTEM_ADMINS)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    organisation = selectors.organisation_for_admin(actor=actor, organisation_id=organisation_id)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial=OrganisationForm.initial_from(organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(
                actor=actor, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The organisation has been updated.")
            return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    return render(
        request, "accounts/organisation_form.html", {"form": form, "organisation": organisation}
    )


# ----------------------------------------------------------------------------- teams


@access(STAFF_MANAGERS)
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    organisation = selectors.organisation_for_admin(actor=actor, organisation_id=organisation_id)
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=actor, organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The team '{team.name}' has been added.")
            return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    return render(request, "accounts/team_form.html", {"form": form, "organisation": organisation})


# ----------------------------------------------------------------------------- staff


@access(STAFF_MANAGERS)
def my_staff(request: HttpRequest) -> HttpResponse:
    """Organisation admins land on their own organisation's staff list."""
    organisation_id = request.user.organisation_id  # type: ignore[union-attr]
    if organisation_id is None:
        return redirect("accounts:organisation_list")
    return redirect("accounts:staff_list", organisation_id=organisation_id)


@access(STAFF_MANAGERS)
def staff_list(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    organisation = selectors.organisation_for_admin(actor=actor, organisation_id=organisation_id)
    search = StaffSearchForm(request.GET or None)
    query, status = "", "active"
    if search.is_valid():
        query = search.cleaned_data.get("q") or ""
        status = search.cleaned_data.get("status") or "active"
    staff = selectors.staff_of_organisation(
        actor=actor, organisation=organisation, query=query, status=status
    )
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff_list.html",
        {
            "organisation": organisation,
            "page": page,
            "search": search,
            "query": query,
            "status": status,
        },
    )


def _role_choices_from(form: RolesForm) -> list[services.RoleChoice]:
    team = form.cleaned_data.get("team")
    return [services.RoleChoice(role=role, team=team) for role in form.cleaned_data["roles"]]


@access(STAFF_MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    organisation = selectors.organisation_for_admin(actor=actor, organisation_id=organisation_id)
    form = InviteStaffForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        include_system_admin=services.can_manage_organisations(actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invite_staff(
                actor=actor,
                organisation=organisation,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                roles=_role_choices_from(form),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"An invitation has been sent to {member.email}.")
            return redirect("accounts:staff_detail", member_id=member.pk)
    return render(
        request, "accounts/staff_invite.html", {"form": form, "organisation": organisation}
    )


@access(STAFF_MANAGERS)
def staff_detail(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_for_admin(actor=actor, member_id=member_id)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "member": member,
            "memberships": member.memberships.select_related("team"),
            "has_two_factor": services.has_authenticator(member),
            "is_self": member.pk == request.user.pk,
            "can_act": services.can_manage_member(actor, member),
        },
    )


@access(STAFF_MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_roles(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_to_manage(actor=actor, member_id=member_id)
    if member.organisation is None:
        messages.error(
            request, "This account belongs to no organisation, so it has no roles to edit here."
        )
        return redirect("accounts:staff_detail", member_id=member.pk)
    current = list(member.memberships.all())
    initial = {
        "roles": [m.role for m in current],
        "team": next((m.team_id for m in current if m.team_id), None),
    }
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisation=member.organisation,
        include_system_admin=services.can_manage_organisations(actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_staff_roles(actor=actor, member=member, roles=_role_choices_from(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{member.full_name}'s roles have been updated.")
            return redirect("accounts:staff_detail", member_id=member.pk)
    return render(request, "accounts/staff_roles.html", {"form": form, "member": member})


@access(STAFF_MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_deactivate(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_to_manage(actor=actor, member_id=member_id)
    form = DeactivateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate_staff(
                actor=actor, member=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{member.full_name}'s account has been deactivated and their sessions ended.",
            )
            return redirect("accounts:staff_detail", member_id=member.pk)
    return render(request, "accounts/staff_deactivate.html", {"form": form, "member": member})


@access(STAFF_MANAGERS)
@require_POST
def staff_reactivate(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_to_manage(actor=actor, member_id=member_id)
    services.reactivate_staff(actor=actor, member=member)
    messages.success(request, f"{member.full_name}'s account has been reactivated.")
    return redirect("accounts:staff_detail", member_id=member.pk)


@access(STAFF_MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_reset_two_factor(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_to_manage(actor=actor, member_id=member_id)
    if request.method == "POST":
        services.reset_two_factor(actor=actor, member=member)
        messages.success(
            request,
            f"Two-factor has been reset for {member.full_name}. They will set it up again "
            "when they next sign in.",
        )
        if member.pk == request.user.pk:
            return HttpResponseRedirect(reverse("accounts:sign_in"))
        return redirect("accounts:staff_detail", member_id=member.pk)
    return render(request, "accounts/staff_reset_two_factor.html", {"member": member})


@access(STAFF_MANAGERS)
@require_POST
def staff_resend_invitation(request: HttpRequest, member_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    member = selectors.staff_member_to_manage(actor=actor, member_id=member_id)
    try:
        services.resend_invitation(
            actor=actor, member=member, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The invitation has been sent again to {member.email}.")
    return redirect("accounts:staff_detail", member_id=member.pk)
