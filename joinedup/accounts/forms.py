"""Forms for sign-in, two-factor and partnership set-up. Error messages follow the GOV.UK
style: say what went wrong and how to fix it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from .models import Organisation, Team
from .roles import ROLE_HELP, Role


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
    )


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="Enter the 6-digit code your app shows for JoinedUp.",
        max_length=10,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(code) != 6:
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        return code


class GovukSetPasswordForm(SetPasswordForm):
    """Django's set-password form with GOV.UK wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. A few unrelated words make a strong password that is "
            "easy to remember."
        )
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Confirm your new password"


class OrganisationForm(forms.Form):
    """Checked by the service, which also gives the message for a name already in use."""

    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        error_messages={"required": "Enter the organisation's name"},
    )
    short_name = forms.CharField(
        label="Short name (optional)",
        max_length=40,
        required=False,
        help_text="Shown where space is short, for example 'Citizens Advice'.",
    )
    organisation_type = forms.ChoiceField(
        label="Type of organisation",
        choices=Organisation.Type.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of organisation"},
    )
    co_located = forms.BooleanField(
        label="Co-located at the partnership hub",
        required=False,
        help_text="Its staff work from the shared hub.",
    )
    description = forms.CharField(
        label="What the organisation does (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_from(cls, organisation: Organisation) -> dict[str, Any]:
        return {name: getattr(organisation, name) for name in cls.base_fields}


class TeamForm(forms.Form):
    name = forms.CharField(
        label="Team name", max_length=200, error_messages={"required": "Enter the team's name"}
    )
    description = forms.CharField(
        label="What the team does (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _role_choices(*, include_system_admin: bool) -> list[tuple[str, str]]:
    return [
        (value, label)
        for value, label in Role.choices
        if include_system_admin or value != Role.SYSTEM_ADMIN
    ]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one role"},
    )
    team = forms.ModelChoiceField(
        label="Team (optional)",
        queryset=Team.objects.none(),
        required=False,
        empty_label="No particular team",
        help_text="The roles are held in this team.",
    )

    def __init__(
        self, *args: Any, organisation: Organisation, include_system_admin: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["roles"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = _role_choices(include_system_admin=include_system_admin)
        self.role_help = ROLE_HELP
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(organisation=organisation).active()


class InviteStaffForm(RolesForm):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Work email address",
        max_length=254,
        help_text="We will email an invitation to this address.",
        error_messages={
            "required": "Enter their work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)

    field_order = ["full_name", "email", "job_title", "roles", "team"]


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Why is this account being deactivated?",
        help_text="For example, 'Left the organisation on 3 March'. The reason is kept.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this account is being deactivated"},
    )


class StaffSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("active", "Active staff"), ("deactivated", "Deactivated"), ("all", "Everyone")],
    )
