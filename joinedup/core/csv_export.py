"""CSV downloads that a spreadsheet cannot turn into formulas (SEC-29), for any app.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a tab
or carriage return in front of one does not stop it), so a name such as ``=HYPERLINK(...)`` typed
into a form could run when a partner opens an export. Every TEXT cell that starts with one of
``= + - @``, a tab or a carriage return is written with a leading apostrophe, which spreadsheets
show as text and do not evaluate.

Numbers written as numbers (``int``, ``float``, ``Decimal``) are not text and are written as they
are, so ``-5`` stays a negative number a spreadsheet can add up. The same characters as TEXT
(``"-5"``) are neutralised like any other text: a caller that means a number passes a number.
``None`` is written as an empty cell; ``True``/``False`` as ``Yes``/``No``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from django.http import HttpResponse

DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value: Any) -> str | int | float | Decimal:
    """One value as it may go into a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(DANGEROUS_FIRST_CHARACTERS):
        return "'" + text
    return text


def write_csv(handle: TextIO, rows: Iterable[Sequence[Any]]) -> None:
    """Write rows (the first is usually the header) with every cell made safe."""
    writer = csv.writer(handle, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    handle = io.StringIO()
    write_csv(handle, rows)
    return handle.getvalue()


def csv_response(*, filename: str, rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A download of the rows as ``filename`` (reduced to letters, digits, dots, dashes and
    underscores, ending ``.csv``)."""
    stem = _SAFE_FILENAME.sub("-", filename.removesuffix(".csv")).strip("-.") or "export"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    write_csv(response, rows)  # type: ignore[arg-type]
    return response
