"""Form fields shared across apps, in the shapes the GOV.UK Design System uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # Submitted as <name>_0 (day), <name>_1 (month) and <name>_2 (year).
        widgets: list[forms.Widget | type[forms.Widget]] = [
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK error messages."""

    widget = GovukDateWidget

    def __init__(self, *, past_only: bool = False, **kwargs: Any) -> None:
        self.past_only = past_only
        fields = (
            forms.CharField(max_length=2),
            forms.CharField(max_length=2),
            forms.CharField(max_length=4),
        )
        label = str(kwargs.get("label") or "Date")
        kwargs.setdefault(
            "error_messages",
            {
                "required": f"Enter the {label.lower()}",
                "incomplete": f"{label} must include a day, month and year",
            },
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        label = str(self.label or "Date")
        if not (day and month and year):
            raise forms.ValidationError(f"{label} must include a day, month and year")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise forms.ValidationError(f"{label} must be a real date")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError as exc:
            raise forms.ValidationError(f"{label} must be a real date") from exc
        if value.year < 1900:
            raise forms.ValidationError(f"{label} must be after 1900")
        if self.past_only and value > date.today():  # noqa: DTZ011 (a calendar date)
            raise forms.ValidationError(f"{label} must be in the past")
        return value


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the fields it names, else on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item)
    else:
        for message in error.messages:
            form.add_error(None, message)
