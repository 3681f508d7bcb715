"""Forms for cases and plans. Each change form carries the version the user saw, so a change
made meanwhile by someone else is refused rather than overwritten (REL-01)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from joinedup.accounts.models import Organisation, User
from joinedup.accounts.roles import Role
from joinedup.core.forms import GovukDateField
from joinedup.directory.models import Service
from joinedup.directory.needs import NeedArea
from joinedup.referrals.models import Referral

from .models import Action, Case, Contact, Goal, Programme


def _key_workers(organisation_id: Any = None) -> Any:
    found = User.objects.filter(is_active=True, memberships__role=Role.KEY_WORKER).distinct()
    if organisation_id is not None:
        found = found.filter(organisation_id=organisation_id)
    return found.select_related("organisation").order_by("organisation__name", "full_name")


class StaffChoiceField(forms.ModelChoiceField):
    """Members of staff by name, with their organisation unless ``with_organisation`` is
    False."""

    def __init__(self, *args: Any, with_organisation: bool = True, **kwargs: Any) -> None:
        self.with_organisation = with_organisation
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        if self.with_organisation and obj.organisation is not None:
            return f"{obj.full_name}, {obj.organisation.name}"
        return str(obj.full_name)


class OpenCaseForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.filter(active=True),
        empty_label="Select a programme",
        error_messages={
            "required": "Select the programme",
            "invalid_choice": "Select a programme from the list",
        },
    )
    key_worker = StaffChoiceField(
        with_organisation=False,
        label="Key worker",
        queryset=User.objects.none(),
        empty_label="Select a key worker",
        help_text="The person's single point of contact.",
        error_messages={
            "required": "Select the key worker",
            "invalid_choice": "Select an active key worker in your organisation",
        },
    )

    def __init__(self, *args: Any, organisation_id: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["key_worker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _key_workers(organisation_id)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="What is happening to the case?",
        choices=[
            (Case.Status.PAUSED, "Pause it"),
            (Case.Status.OPEN, "Resume it"),
            (Case.Status.CLOSED, "Close it"),
            (Case.Status.REOPENED, "Re-open it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what is happening to the case"},
    )
    closure_reason = forms.ChoiceField(
        label="Why is it closing? (if closing)",
        choices=[("", "Select a reason"), *Case.ClosureReason.choices],
        required=False,
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to pause, close or re-open.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransferForm(forms.Form):
    key_worker = StaffChoiceField(
        label="New key worker",
        queryset=User.objects.none(),
        empty_label="Select a key worker",
        help_text="A key worker at another partner makes that partner the lead organisation.",
        error_messages={
            "required": "Select the new key worker",
            "invalid_choice": "Select an active key worker from the list",
        },
    )
    reason = forms.CharField(
        label="Why is the case moving?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the case is moving"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["key_worker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _key_workers()


class GoalForm(forms.Form):
    need_area = forms.ChoiceField(
        label="Need area",
        choices=[("", "Select a need area"), *NeedArea.choices],
        error_messages={"required": "Select the need area"},
    )
    description = forms.CharField(
        label="Goal",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="In the person's own words if you can, e.g. 'Get my debts under control'.",
        error_messages={"required": "Enter the goal"},
    )


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What will be done?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what will be done"},
    )
    goal = forms.ModelChoiceField(
        label="Towards which goal? (optional)",
        queryset=Goal.objects.none(),
        required=False,
        empty_label="No particular goal",
    )
    need_area = forms.ChoiceField(
        label="Or, what is it about?",
        choices=[("", "Select a need area"), *NeedArea.choices],
        required=False,
        help_text="Needed when it is not towards a goal. Partners see the action only if the "
        "person agreed to share this kind of information with them.",
    )
    owner_organisation = forms.ModelChoiceField(
        label="Which partner will do it?",
        queryset=Organisation.objects.filter(archived_on__isnull=True).order_by("name"),
        empty_label="Select a partner",
        error_messages={"required": "Select the partner that will do it"},
    )
    owner = StaffChoiceField(
        label="Named member of staff (optional)",
        queryset=User.objects.filter(is_active=True)
        .exclude(organisation__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name", "full_name"),
        required=False,
        empty_label="Anyone at that partner",
    )
    due_on = GovukDateField(
        label="Due by (optional)", required=False, help_text="For example, 27 3 2027"
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goal = self.fields["goal"]
        assert isinstance(goal, forms.ModelChoiceField)
        goal.queryset = Goal.objects.filter(case=case, status=Goal.Status.ACTIVE)


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )
    progress_note = forms.CharField(
        label="What has happened? (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class CrossReferralForm(forms.Form):
    service = ServiceChoiceField(
        label="Refer to which service?",
        queryset=Service.objects.filter(
            archived_on__isnull=True, status=Service.Status.ACTIVE, accepting_referrals=True
        )
        .select_related("organisation")
        .order_by("name"),
        empty_label="Select a service",
        error_messages={
            "required": "Select the service",
            "invalid_choice": "Select a service from the list",
        },
    )
    needs = forms.MultipleChoiceField(
        label="What is the referral for?",
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one need"},
    )
    reason = forms.CharField(
        label="What should they know?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="They will see only what the person has agreed to share with them.",
        error_messages={"required": "Enter why you are referring them"},
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    consent_to_share = forms.BooleanField(
        label="The person agreed to this referral and to their details being shared",
        error_messages={"required": "Confirm the person agreed to the referral"},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ContactForm(forms.Form):
    happened_on = GovukDateField(label="Date of the contact", help_text="For example, 27 3 2027")
    kind = forms.ChoiceField(
        label="Type of contact",
        choices=[("", "Select the type"), *Contact.Kind.choices],
        error_messages={"required": "Select the type of contact"},
    )
    duration_minutes = forms.IntegerField(
        label="How long, in minutes (optional)",
        required=False,
        min_value=1,
        max_value=600,
        error_messages={
            "invalid": "Enter the duration as a number of minutes",
            "min_value": "The duration must be from 1 to 600 minutes",
            "max_value": "The duration must be from 1 to 600 minutes",
        },
    )
    attendees = forms.CharField(label="Who was there (optional)", required=False, max_length=500)
    need_area = forms.ChoiceField(
        label="What was it about?",
        choices=[("", "General (shared as identity and contact)"), *NeedArea.choices],
        required=False,
        help_text="Partners see the note only if the person agreed to share this kind of information with them.",
    )
    note = forms.CharField(
        label="Note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a note of the contact"},
    )
    attachments = MultipleFileField(
        label="Attach files (optional)",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
        help_text="Up to 5 PDF, JPG, PNG or Word files, each smaller than 10 MB.",
    )

    def clean_happened_on(self) -> Any:
        value = self.cleaned_data.get("happened_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError("The date of the contact must be today or in the past")
        return value
