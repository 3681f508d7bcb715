"""Forms for areas, indicators, value imports and targets. They only check what was typed;
the services check the rest and their errors are shown on the form (``add_service_errors``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from ..charts import format_period
from ..models import Indicator, IndicatorImport
from ..services.indicators import parse_number, parse_period

CSV_ACCEPT = ".csv,text/csv"


class AreasUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload an ONS lookup file",
        help_text=(
            "A CSV with a row per LSOA (or per postcode) and columns for the LSOA, ward and "
            "district codes and names, e.g. LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD, "
            "LAD24NM and optionally PCDS."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": CSV_ACCEPT}),
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The selected file is empty",
        },
    )


class CustomAreaForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="A short code of your own, e.g. NV-WORST20. It cannot be changed later.",
        error_messages={"required": "Enter a code"},
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="e.g. Worst performing neighbourhoods",
        error_messages={"required": "Enter a name"},
    )
    description = forms.CharField(
        label="How the neighbourhoods were chosen (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lsoa_codes = forms.MultipleChoiceField(
        label="LSOAs in this area",
        help_text="Choose the lower layer super output areas (neighbourhoods) it is made of.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one LSOA"},
    )

    def __init__(
        self, *args: Any, lsoas: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["lsoa_codes"]
        field.choices = lsoas
        if editing:
            del self.fields["code"]


class IndicatorForm(forms.Form):
    """A new indicator, or a change to one (``editing``): a change says why, and carries the
    version the page showed so that a change saved by someone else meanwhile is not
    overwritten (REL-01)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    code = forms.SlugField(
        label="Code",
        max_length=60,
        help_text="Lower-case letters, digits and hyphens, e.g. claimant-count. Used in file imports.",
        error_messages={
            "required": "Enter a code",
            "invalid": "Use only lower-case letters, digits and hyphens",
        },
    )
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter a name"}
    )
    definition = forms.CharField(
        label="Definition",
        help_text="In plain English: who or what it counts.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the definition"},
    )
    numerator = forms.CharField(
        label="Numerator (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    denominator = forms.CharField(
        label="Denominator (optional)",
        required=False,
        max_length=2000,
        help_text="For a percentage or rate: what it is a share of.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=Indicator.Unit.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the unit"},
    )
    polarity = forms.ChoiceField(
        label="Is up good?",
        choices=Indicator.Polarity.choices,
        widget=forms.RadioSelect,
        help_text="Decides whether a figure above the forecast is better or worse.",
        error_messages={"required": "Choose whether up or down is good"},
    )
    frequency = forms.ChoiceField(
        label="How often it is published",
        choices=Indicator.Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often it is published"},
    )
    source = forms.CharField(
        label="Source (optional)", required=False, max_length=300, help_text="Who publishes it."
    )
    where_to_get_data = forms.CharField(
        label="Where to get the data (optional)",
        required=False,
        max_length=2000,
        help_text="The website, dataset and options to choose, so the next person can repeat it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(label="In use", required=False, initial=True)
    change_reason = forms.CharField(
        label="Why is the definition changing?",
        max_length=500,
        help_text="Kept with the old version, so anyone reading a chart can see what changed.",
        error_messages={"required": "Say why the definition is changing"},
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["version"]
            del self.fields["change_reason"]
            del self.fields["active"]


class ValuesUploadForm(forms.Form):
    shape = forms.ChoiceField(
        label="What shape is the file?",
        choices=IndicatorImport.Shape.choices,
        widget=forms.RadioSelect,
        initial=IndicatorImport.Shape.TIDY,
        error_messages={"required": "Choose the shape of the file"},
    )
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Up to 20 MB. Nothing is saved until you have checked what it will do.",
        widget=forms.ClearableFileInput(attrs={"accept": CSV_ACCEPT}),
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The selected file is empty",
        },
    )


class ValuesConfirmForm(forms.Form):
    replace = forms.BooleanField(
        label="Yes, this is a newer file: replace the values that differ",
        required=False,
    )

    def __init__(self, *args: Any, changes: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changes = changes

    def clean_replace(self) -> bool:
        value = bool(self.cleaned_data.get("replace"))
        if self.changes and not value:
            raise forms.ValidationError(
                "Confirm that this newer file should replace the values that differ"
            )
        return value


class TargetForm(forms.Form):
    baseline_period = forms.ChoiceField(
        label="Baseline",
        help_text="The period the target starts from; its value is the baseline.",
        error_messages={"required": "Choose the baseline period"},
    )
    target_value = forms.CharField(
        label="Target value",
        max_length=20,
        help_text="e.g. 8200, or 3.5 for a percentage.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the target value"},
    )
    target_period = forms.CharField(
        label="To be reached by",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"required": "Enter when the target is to be reached"},
    )
    description = forms.CharField(
        label="The target in words (optional)",
        required=False,
        max_length=500,
        help_text="e.g. 9,500 on benefits down to 8,200 by March 2028.",
    )

    def __init__(
        self, *args: Any, indicator: Indicator, periods: list[date], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        field: Any = self.fields["baseline_period"]
        field.choices = [
            (p.isoformat(), format_period(p, indicator.frequency)) for p in reversed(periods)
        ]
        examples: dict[str, str] = {
            Indicator.Frequency.MONTHLY: "a month, e.g. March 2028 or 2028-03",
            Indicator.Frequency.QUARTERLY: "a quarter, e.g. 2028-Q1",
            Indicator.Frequency.ANNUAL: "a year, e.g. 2028, or 2027/28 for a financial year",
        }
        self.fields["target_period"].help_text = (
            "Enter " + examples.get(indicator.frequency, "a period") + "."
        )

    def clean_baseline_period(self) -> date:
        return date.fromisoformat(self.cleaned_data["baseline_period"])

    def clean_target_value(self) -> Decimal:
        try:
            return parse_number(self.cleaned_data["target_value"])
        except ValueError as exc:
            raise forms.ValidationError(f"Target value: {exc}") from exc

    def clean_target_period(self) -> date:
        try:
            return parse_period(
                self.cleaned_data["target_period"], frequency=self.indicator.frequency
            )
        except ValueError as exc:
            raise forms.ValidationError(f"To be reached by: {exc}") from exc
