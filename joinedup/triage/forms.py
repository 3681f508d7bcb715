"""Forms for the triage steps. The assessment step reuses the assessment form."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.accounts.models import User
from joinedup.directory.models import Service
from joinedup.people.selectors import PersonSummary

from .models import Triage

NEW_RECORD = "new"


class MatchForm(forms.Form):
    """Which record is the referral about: one the duplicate check found, or a new one."""

    person = forms.ChoiceField(
        label="Which record is this person's?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select their record, or select add a new record",
            "invalid_choice": "Select their record, or select add a new record",
        },
    )
    identity_checked = forms.BooleanField(
        label="I have checked with the person that this is their record",
        required=False,
        help_text="For example, by asking their date of birth and previous address. "
        "Not needed for a new record.",
    )

    def __init__(self, *args: Any, candidates: list[PersonSummary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ChoiceField)
        person_field.choices = [
            *((str(c.person_id), c.name) for c in candidates),
            (NEW_RECORD, "None of these: add a new record"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person") not in (None, NEW_RECORD) and not data.get("identity_checked"):
            self.add_error(
                "identity_checked",
                "Confirm you have checked with the person that this is their record",
            )
        return data


class PickOneField(forms.ModelChoiceField):
    """A model choice whose bad value (not an id at all, or not in the list) always gets the
    field's own "invalid_choice" message, never the id field's technical one."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happens next?",
        choices=Triage.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome of the triage"},
    )
    key_worker = PickOneField(
        label="Key worker",
        queryset=User.objects.none(),
        required=False,
        help_text="They will be the person's single point of contact.",
        empty_label="Select a key worker",
        error_messages={"invalid_choice": "Select an active key worker in your organisation"},
    )
    service = PickOneField(
        label="Service",
        queryset=Service.objects.none(),
        required=False,
        empty_label="Select a service",
        error_messages={"invalid_choice": "Select a service from the list"},
    )
    send_referral = forms.BooleanField(
        label="Send the service a referral as well",
        required=False,
        help_text="The service will see who the person is, how to contact them and why.",
    )
    person_agreed = forms.BooleanField(
        label="The person agreed to the referral and to their details being shared",
        required=False,
    )
    handoff_note = forms.CharField(
        label="Note (optional)",
        help_text="For the key worker or the service. Kept with the triage.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label="Why is there no further action?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the triage. The referrer is told only that there was no further "
        "action.",
    )

    def __init__(
        self,
        *args: Any,
        key_workers: list[User],
        services: list[Service],
        default_key_worker: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        key_worker_field = self.fields["key_worker"]
        assert isinstance(key_worker_field, forms.ModelChoiceField)
        key_worker_field.queryset = User.objects.filter(pk__in=[u.pk for u in key_workers])
        key_worker_field.choices = [("", "Select a key worker")] + [
            (str(u.pk), u.full_name) for u in key_workers
        ]
        if default_key_worker is not None and not self.is_bound:
            self.initial.setdefault("key_worker", str(default_key_worker.pk))
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        running = Service.objects.filter(archived_on__isnull=True, status=Service.Status.ACTIVE)
        service_field.queryset = running
        suggested_ids = {s.pk for s in services}
        others = running.exclude(pk__in=suggested_ids).select_related("organisation")
        service_field.choices = [
            ("", "Select a service"),
            *((str(s.pk), f"{s.name} ({s.organisation.name}), suggested") for s in services),
            *(
                (str(s.pk), f"{s.name} ({s.organisation.name})")
                for s in others.order_by("name", "organisation__name")
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if (
            outcome == Triage.Outcome.OPEN_CASE
            and not data.get("key_worker")
            and "key_worker" not in self.errors
        ):
            self.add_error("key_worker", "Select the key worker")
        if outcome == Triage.Outcome.SIGNPOST:
            if not data.get("service") and "service" not in self.errors:
                self.add_error("service", "Select the service")
            if data.get("send_referral") and not data.get("person_agreed"):
                self.add_error("person_agreed", "Confirm the person agreed to the referral")
        if outcome == Triage.Outcome.NO_FURTHER_ACTION and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why there is no further action")
        return data
