"""Forms for recording and verifying outcomes. They only parse what was typed (dates, choices);
the services check each kind's rules and give the messages, so a page and any other caller
get the same answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from joinedup.core.forms import GovukDateField

from .models import Outcome
from .services import COMMON_FIELDS, KIND_FIELDS, SELECT_MESSAGES, field_label

KIND_HINTS: dict[str, str] = {
    Outcome.Kind.JOB_START: "Paid work, including self-employment and apprenticeships.",
    Outcome.Kind.JOB_SUSTAINED: "Still in a job 13, 26 or 52 weeks after starting it.",
    Outcome.Kind.QUALIFICATION: "From entry level to level 8.",
    Outcome.Kind.DEBT_REDUCED: "For example after a debt relief order or a repayment plan.",
    Outcome.Kind.INCOME_GAINED: "For example a benefit they were entitled to but not claiming.",
    Outcome.Kind.TREATMENT_STARTED: "Drug or alcohol treatment.",
    Outcome.Kind.TREATMENT_COMPLETED: "Drug or alcohol treatment.",
}

HELP_TEXTS: dict[str, str] = {
    "hours_per_week": "For example, 16 or 37.5",
    "pay": "In pounds an hour, for example 12.21. Leave it blank if you do not know.",
    "debt_before": "In pounds, for example 4250",
    "debt_after": "In pounds. Enter 0 if they no longer owe anything.",
    "income_gained_per_year": "In pounds a year, for example 3640",
    "evidence": "What you saw or were told, for example “payslip seen” or “letter from the "
    "employer”.",
}
_WIDTHS: dict[str, str] = {
    "hours_per_week": "govuk-input--width-4",
    "pay": "govuk-input--width-5",
    "debt_before": "govuk-input--width-10",
    "debt_after": "govuk-input--width-10",
    "income_gained_per_year": "govuk-input--width-10",
}
_TEXTAREAS = frozenset({"debt_how", "description"})


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label="What did they achieve?",
        choices=Outcome.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what they achieved",
            "invalid_choice": "Select what they achieved",
        },
    )


class OutcomeForm(forms.Form):
    """The fields of one kind of outcome, in the order the service lists them: the date, the
    kind's own fields, then the evidence."""

    def __init__(
        self, *args: Any, kind: str, job_starts: Sequence[Outcome] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.job_starts = {str(o.pk): o for o in job_starts}
        self.names = ["achieved_on", *KIND_FIELDS[kind], "evidence"]
        for name in self.names:
            self.fields[name] = self._field(name)

    def _label(self, name: str) -> str:
        required = {**COMMON_FIELDS, **KIND_FIELDS[self.kind]}[name]
        label = field_label(self.kind, name)
        return label if required else f"{label} (optional)"

    def _field(self, name: str) -> forms.Field:
        label = self._label(name)
        help_text = HELP_TEXTS.get(name, "")
        if name == "achieved_on":
            return GovukDateField(label=label, required=False, help_text="For example, 27 3 2026")
        choices: list[tuple[Any, str]] | None = None
        if name == "job_start":
            choices = [
                (pk, f"{o.role} at {o.employer}, started {o.achieved_on:%-d %B %Y}")
                for pk, o in self.job_starts.items()
            ]
        elif name == "weeks":
            choices = [(str(value), text) for value, text in Outcome.Weeks.choices]
        elif name == "contract_type":
            choices = list(Outcome.ContractType.choices)
        if choices is not None:
            return forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                help_text=help_text,
                error_messages={"invalid_choice": SELECT_MESSAGES[name]},
            )
        if name == "qualification_level":
            return forms.ChoiceField(
                label=label,
                choices=[("", "Select the level"), *Outcome.QualificationLevel.choices],
                required=False,
                error_messages={"invalid_choice": SELECT_MESSAGES[name]},
            )
        attrs = {"class": _WIDTHS[name], "inputmode": "decimal"} if name in _WIDTHS else {}
        widget = (
            forms.Textarea(attrs={"rows": 3})
            if name in _TEXTAREAS
            else forms.TextInput(attrs=attrs)
        )
        return forms.CharField(
            label=label, required=False, help_text=help_text, widget=widget, strip=True
        )

    def service_fields(self) -> dict[str, Any]:
        """The cleaned answers as ``services.record_outcome`` takes them."""
        data = getattr(self, "cleaned_data", {})
        fields = {name: data.get(name) for name in self.names}
        if "job_start" in fields:
            fields["job_start"] = self.job_starts.get(fields["job_start"] or "")
        return fields


class VerifyForm(forms.Form):
    state = forms.ChoiceField(
        label="Could you verify it?",
        choices=[
            (Outcome.Verification.VERIFIED, "Yes, I have seen evidence of it"),
            (Outcome.Verification.COULD_NOT_VERIFY, "No, I could not verify it"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether you could verify the outcome",
            "invalid_choice": "Select whether you could verify the outcome",
        },
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The evidence you saw, for example “payslip from March seen”, or why you "
        "could not verify it.",
    )
