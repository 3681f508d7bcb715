"""Forms for the data officer's pages: loading an extract (the file and its details, then the
column mapping), starting a run, deciding a pair and undoing a merge or split."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.core.forms import GovukDateField
from joinedup.sharing.models import SharingAgreement

from .models import STANDARD_FIELDS, ColumnMapping, LinkageRun, PairDecision, Signal, SourceKind

#: The largest extract accepted through the page (larger ones: ``manage.py import_extract``).
MAX_EXTRACT_BYTES = 50 * 1024 * 1024
EXTRACT_TYPES = {".csv": "CSV", ".xlsx": "XLSX"}
NEW_MAPPING = "new"

#: Column headers agencies often use for each standard field, to suggest a mapping.
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "forename", "forenames", "givenname", "christianname"),
    "surname": ("surname", "lastname", "familyname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "born"),
    "sex": ("sex", "gender"),
    "address": ("address", "addressline1", "address1", "homeaddress"),
    "postcode": ("postcode", "homepostcode", "postalcode", "zip"),
    "uprn": ("uprn",),
    "ni_number": ("ninumber", "nino", "nationalinsurancenumber", "nationalinsurance"),
    "nhs_number": ("nhsnumber", "nhsno", "nhs"),
    "email": ("email", "emailaddress"),
    "phone": ("phone", "tel", "telephone", "mobile", "phonenumber", "telephonenumber"),
}


def _simple(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


class ExtractUploadForm(forms.Form):
    """Step 1: the file, who sent it, what it is and why it may be shared."""

    file = forms.FileField(
        label="Upload the extract",
        help_text="A CSV or XLSX file with a header row, smaller than 50 MB.",
        error_messages={
            "required": "Select the extract file",
            "empty": "The selected file is empty",
            "invalid": "Select the extract file",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    organisation = forms.ModelChoiceField(
        label="Which organisation sent it?",
        queryset=Organisation.objects.none(),
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation that sent the extract"},
    )
    source_kind = forms.ChoiceField(
        label="What kind of extract is it?",
        choices=SourceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of extract"},
    )
    extract_date = GovukDateField(
        label="Extract date",
        help_text="The day the agency took the extract, for example 27 3 2026.",
    )
    lawful_basis = forms.CharField(
        label="Lawful basis for sharing it",
        help_text="For example ‘UK GDPR 6(1)(e) public task; Crime and Disorder Act 1998 s.115’. "
        "Leave blank only if you choose a sharing agreement below.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreement = forms.ModelChoiceField(
        label="Information sharing agreement",
        help_text="The current agreement the agency shares this extract under. Needed for an "
        "extract another organisation sent: the agreement must name both your organisation and "
        "theirs. Optional for your own organisation's extracts.",
        queryset=SharingAgreement.objects.none(),
        required=False,
        empty_label="None",
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Any],
        agreements: QuerySet[Any],
        own_organisation_id: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: The officer's organisation: its own extracts need no agreement.
        self.own_organisation_id = own_organisation_id
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in EXTRACT_TYPES:
            raise forms.ValidationError("The extract must be a CSV or XLSX file")
        if upload.size is None or upload.size > MAX_EXTRACT_BYTES:
            raise forms.ValidationError("The extract must be smaller than 50 MB")
        head = upload.read(4096)
        upload.seek(0)
        if suffix == ".xlsx" and not head.startswith(b"PK\x03\x04"):
            raise forms.ValidationError("The file is not a real XLSX workbook")
        if suffix == ".csv" and b"\x00" in head:
            raise forms.ValidationError("The file is not a CSV text file")
        return upload

    def clean_extract_date(self) -> date:
        value: date = self.cleaned_data["extract_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("The extract date must be today or in the past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        agreement = data.get("agreement")
        if not (data.get("lawful_basis") or "").strip() and agreement is None:
            self.add_error(
                "lawful_basis",
                "Enter the lawful basis for sharing this extract, or choose a sharing agreement",
            )
        organisation = data.get("organisation")
        if organisation is None:
            return data
        if agreement is not None and organisation not in agreement.parties.all():
            self.add_error("agreement", f"{organisation.name} is not a party to {agreement.name}")
        elif agreement is None and organisation.pk != self.own_organisation_id:
            self.add_error(
                "agreement",
                f"Choose the current sharing agreement between your organisation and "
                f"{organisation.name}: an extract another organisation sent is loaded only under "
                "an agreement naming both",
            )
        return data


class ColumnMappingForm(forms.Form):
    """Step 2: a saved mapping, or each standard field and signal mapped to a column."""

    mapping = forms.ChoiceField(
        label="How do you want to match the columns?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a saved mapping, or match the columns yourself"},
    )
    id_column = forms.ChoiceField(
        label="Record id",
        help_text="The column holding the agency's own id for each row.",
        required=False,
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        help_text="So that the next extract from this organisation can use it.",
        required=False,
        max_length=120,
    )

    def __init__(
        self,
        *args: Any,
        header: Sequence[str],
        mappings: Sequence[ColumnMapping],
        suggested_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mappings = {str(m.pk): m for m in mappings}
        columns = list(dict.fromkeys(h for h in header if h))
        self.columns = columns
        mapping_field: forms.ChoiceField = self.fields["mapping"]  # type: ignore[assignment]
        mapping_field.choices = [
            *((str(m.pk), f"Use the saved mapping ‘{m.name}’") for m in mappings),
            (NEW_MAPPING, "Match the columns myself"),
        ]
        if not mappings:
            self.fields["mapping"].required = False
        self.initial.setdefault("mapping", str(mappings[0].pk) if mappings else NEW_MAPPING)
        id_field: forms.ChoiceField = self.fields["id_column"]  # type: ignore[assignment]
        id_field.choices = [("", "Choose a column"), *((c, c) for c in columns)]
        self.initial.setdefault("save_as", suggested_name)
        by_simple = {_simple(c): c for c in columns}
        for name, label in STANDARD_FIELDS.items():
            self.fields[f"field_{name}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "Not in this file"), *((c, c) for c in columns)],
            )
            guess = next(
                (
                    by_simple[h]
                    for h in (name.replace("_", ""), *HEADER_HINTS[name])
                    if h in by_simple
                ),
                "",
            )
            self.initial.setdefault(f"field_{name}", guess)
        for code, label in Signal.choices:
            self.fields[f"signal_{code}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "Not in this file"), *((c, c) for c in columns)],
            )

    @property
    def field_names(self) -> list[str]:
        return [f"field_{name}" for name in STANDARD_FIELDS]

    @property
    def signal_names(self) -> list[str]:
        return [f"signal_{code}" for code in Signal.values]

    def standard_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.field_names]

    def signal_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.signal_names]

    @property
    def saved(self) -> ColumnMapping | None:
        """The saved mapping chosen, if one was."""
        return self.mappings.get(self.cleaned_data.get("mapping") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        if not self.mappings:
            data["mapping"] = NEW_MAPPING
        if data.get("mapping") != NEW_MAPPING:
            return data
        if not data.get("id_column"):
            self.add_error("id_column", "Choose the column holding the agency's record id")
        if not (data.get("field_first_name") or data.get("field_surname")):
            self.add_error("field_first_name", "Match at least the first name or the surname")
        if not (data.get("save_as") or "").strip():
            self.add_error("save_as", "Enter a name for this mapping")
        return data

    def fields_mapped(self) -> dict[str, str]:
        return {
            name: column
            for name in STANDARD_FIELDS
            if (column := self.cleaned_data.get(f"field_{name}"))
        }

    def signals_mapped(self) -> dict[str, str]:
        return {
            code: column
            for code in Signal.values
            if (column := self.cleaned_data.get(f"signal_{code}"))
        }


class RunForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to match?",
        choices=[
            (LinkageRun.Kind.FULL, "Everything (trains the model again)"),
            (LinkageRun.Kind.INCREMENTAL, "New extracts only (uses the saved model)"),
        ],
        widget=forms.RadioSelect,
        initial=LinkageRun.Kind.FULL,
        error_messages={"required": "Choose what to match"},
    )

    def __init__(self, *args: Any, has_model: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_model = has_model

    def clean_kind(self) -> str:
        kind: str = self.cleaned_data["kind"]
        if kind == LinkageRun.Kind.INCREMENTAL and not self.has_model:
            raise forms.ValidationError("There is no trained model yet: match everything first")
        return kind


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Are these the same person?",
        choices=[
            (PairDecision.Decision.MATCH, "Same person"),
            (PairDecision.Decision.NON_MATCH, "Different people"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether these records are the same person"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="Why you decided, for whoever looks at this pair again.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The note must be 500 characters or fewer"},
    )
