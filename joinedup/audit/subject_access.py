"""Subject access: everything JoinedUp holds about one person, and who has looked at it, as
JSON and as a readable PDF (F4, UK GDPR Art. 15)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone


@dataclass
class SubjectAccessPack:
    person_name: str
    generated_at: datetime
    sections: list[tuple[str, list[dict[str, Any]]]]
    access_history: list[dict[str, Any]]

    def as_json_data(self) -> dict[str, Any]:
        return {
            "subject": self.person_name,
            "generated_at": self.generated_at.isoformat(),
            "data": dict(self.sections),
            "access_history": self.access_history,
        }

    def as_pdf(self) -> bytes:
        from weasyprint import HTML

        html = render_to_string("audit/subject_access_pack.html", {"pack": self})
        return bytes(HTML(string=html).write_pdf())


def plain(value: Any) -> Any:
    """A JSON-friendly form of a model field value."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def rows_of(objects: Iterable[Any], fields: Iterable[str]) -> list[dict[str, Any]]:
    names = list(fields)
    rows = []
    for obj in objects:
        row = {}
        for name in names:
            value = obj
            for part in name.split("."):
                value = getattr(value, part, None) if value is not None else None
            display = getattr(obj, f"get_{name}_display", None)
            row[name] = plain(display() if display and "." not in name else value)
        rows.append(row)
    return rows
