"""Writing population indicators: definitions, values imported from CSV, and targets.

Values come in two shapes (``docs/oba-indicators.md`` shows both):

- **tidy**: a header ``area_code,period,value`` with optional ``numerator,denominator``;
- **nomis**: a Nomis download, either the API/"data download" long table (columns ``DATE`` or
  ``DATE_NAME``, ``GEOGRAPHY_CODE``, ``OBS_VALUE``, and usually ``MEASURES_NAME``) or the
  web query's table with a ``mnemonic`` column of area codes and one column per period, with
  Nomis's title lines above and footnotes below.

A file loads whole or not at all: every bad row is reported with its line and reason (unknown
area, bad period, bad number, the same area and period twice). Figures already held for an area
and period are replaced only when the import is told to (``replace=True``), whether the value,
the numerator or the denominator differs: the preview says which. The same file loaded again is
recognised by its SHA-256 and changes nothing while its figures are still held as they are; if
another file has replaced some since, it is compared with what is held like any other file.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from joinedup.core.actor import Actor

from ..models import Area, DefinitionVersion, Indicator, IndicatorImport, IndicatorValue, Target
from ..selectors.indicators import indicator_value_for
from .areas import (
    ImportProblem,
    ImportRejectedError,
    decode_csv,
    require_analyst,
    unreadable_csv,
)
from .definitions import INDICATOR_FIELDS as DEFINITION_FIELDS
from .definitions import indicator_definition_change, indicator_snapshot

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_VALUE = Decimal("9999999999")
# Cells Nomis and the ONS use for a value withheld or not available: skipped, not an error.
SUPPRESSED = {"", "*", "!", "-", "..", "x", "#", ":", "~"}
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_MONTH_NUMERIC = re.compile(r"(\d{4})-(\d{1,2})(?:-01)?")
_MONTH_WORDS = re.compile(r"([A-Za-z]+)\.?[\s\-]+(\d{4})")
_QUARTER = re.compile(r"(\d{4})[\s\-]*Q([1-4])|Q([1-4])[\s\-]*(\d{4})", re.IGNORECASE)
_QUARTER_MONTHS = re.compile(r"([A-Za-z]{3,9})[\s\-]+([A-Za-z]{3,9})\s+(\d{4})")
_FINANCIAL_YEAR = re.compile(r"(\d{4})\s*[/\-]\s*(\d{2}|\d{4})")
_YEAR = re.compile(r"(\d{4})")


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse_period(text: str, *, frequency: str) -> date:
    """The first day of the period named by ``text`` for an indicator of ``frequency``.

    Monthly: ``2024-03``, ``2024-03-01``, ``March 2024``, ``Mar 2024``, ``Mar-2024``.
    Quarterly: ``2024-Q1``, ``2024 Q1``, ``Q1 2024``, ``Jan-Mar 2024``; a calendar quarter.
    Annual: ``2024`` (the calendar year) or ``2024/25``, ``2024-25`` (the financial year, from
    1 April). Raises ``ValueError`` with the reason.
    """
    value = " ".join(text.strip().split())
    if not value:
        raise ValueError("the period is missing")
    if frequency == Indicator.Frequency.MONTHLY:
        month = _month(value)
        if month is None:
            raise ValueError(
                f"{value!r} is not a month (use 2024-03 or March 2024) for a monthly indicator"
            )
        return month
    if frequency == Indicator.Frequency.QUARTERLY:
        match = _QUARTER.fullmatch(value)
        if match:
            year = int(match.group(1) or match.group(4))
            quarter = int(match.group(2) or match.group(3))
            return date(year, 3 * quarter - 2, 1)
        match = _QUARTER_MONTHS.fullmatch(value)
        if match:
            first = MONTHS.get(match.group(1).lower())
            last = MONTHS.get(match.group(2).lower())
            if first and last and first % 3 == 1 and last == first + 2:
                return date(int(match.group(3)), first, 1)
        raise ValueError(
            f"{value!r} is not a calendar quarter (use 2024-Q1 or Jan-Mar 2024) for a "
            "quarterly indicator"
        )
    if frequency == Indicator.Frequency.ANNUAL:
        match = _FINANCIAL_YEAR.fullmatch(value)
        if match:
            start = int(match.group(1))
            end = match.group(2)
            follows = int(end) == start + 1 if len(end) == 4 else int(end) == (start + 1) % 100
            if not follows:
                raise ValueError(f"{value!r} is not a financial year (e.g. 2024/25)")
            return date(start, 4, 1)
        if _YEAR.fullmatch(value):
            year = int(value)
            if not 1900 <= year <= 2200:
                raise ValueError(f"{value!r} is not a plausible year")
            return date(year, 1, 1)
        raise ValueError(
            f"{value!r} is not a year (use 2024, or 2024/25 for a financial year) for an "
            "annual indicator"
        )
    raise ValueError(f"the indicator's frequency {frequency!r} is not known")


def _month(value: str) -> date | None:
    match = _MONTH_NUMERIC.fullmatch(value)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = _MONTH_WORDS.fullmatch(value)
        if not match or match.group(1).lower() not in MONTHS:
            return None
        year, month = int(match.group(2)), MONTHS[match.group(1).lower()]
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        return None
    return date(year, month, 1)


def parse_number(text: str) -> Decimal:
    """A number as published: ``9,500``, ``12.5``, ``12.5%``, ``£1,200``. Raises ValueError."""
    cleaned = text.strip().replace(",", "").replace("£", "").rstrip("%").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text.strip()!r} is not a number")
    if number < 0:
        raise ValueError(f"{text.strip()} is negative")
    if number > MAX_VALUE:
        raise ValueError(f"{text.strip()} is too large")
    return number.quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class ParsedValue:
    line: int
    area_code: str
    period: date
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass
class ParsedFile:
    values: list[ParsedValue] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    suppressed: int = 0
    layout: str = ""


# ----------------------------------------------------------------------------- the two shapes


def _parse_tidy(text: str, *, frequency: str) -> ParsedFile:
    parsed = ParsedFile(layout="tidy")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        parsed.problems.append(ImportProblem(0, "The file is empty."))
        return parsed
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("area_code", "period", "value") if c not in names]
    if missing:
        parsed.problems.append(
            ImportProblem(
                1,
                "The header row must have area_code, period and value (and may have numerator "
                "and denominator); missing: " + ", ".join(missing) + ".",
            )
        )
        return parsed
    index = {name: names.index(name) for name in names}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(names) - len(row))
        cells = {name: row[i].strip() for name, i in index.items()}
        if cells["value"] in SUPPRESSED:
            if not cells["area_code"] or not cells["period"]:
                parsed.problems.append(ImportProblem(line, "the row has no area, period or value"))
            else:
                parsed.suppressed += 1
            continue
        _add_value(
            parsed,
            line=line,
            area_code=cells["area_code"],
            period_text=cells["period"],
            value_text=cells["value"],
            numerator_text=cells.get("numerator", ""),
            denominator_text=cells.get("denominator", ""),
            frequency=frequency,
        )
    return parsed


def _add_value(
    parsed: ParsedFile,
    *,
    line: int,
    area_code: str,
    period_text: str,
    value_text: str,
    frequency: str,
    numerator_text: str = "",
    denominator_text: str = "",
) -> None:
    reasons: list[str] = []
    if not area_code:
        reasons.append("the area code is missing")
    period: date | None = None
    try:
        period = parse_period(period_text, frequency=frequency)
    except ValueError as exc:
        reasons.append(str(exc))
    value: Decimal | None = None
    try:
        value = parse_number(value_text)
    except ValueError as exc:
        reasons.append(f"value: {exc}")
    extra: dict[str, Decimal | None] = {"numerator": None, "denominator": None}
    for name, text in (("numerator", numerator_text), ("denominator", denominator_text)):
        if text and text not in SUPPRESSED:
            try:
                # Kept to the hundredth, as held, so the same figure reloaded compares equal.
                extra[name] = parse_number(text).quantize(Decimal("0.01"))
            except ValueError as exc:
                reasons.append(f"{name}: {exc}")
    if extra["denominator"] == 0:
        reasons.append("the denominator is 0")
    if reasons or period is None or value is None:
        parsed.problems.append(ImportProblem(line, "; ".join(reasons)))
        return
    parsed.values.append(
        ParsedValue(
            line=line,
            area_code=area_code.upper(),
            period=period,
            value=value,
            numerator=extra["numerator"],
            denominator=extra["denominator"],
        )
    )


RATE_WORDS = ("proportion", "percent", "rate", "%")


def _nomis_measure(indicator: Indicator, names: set[str]) -> str | None:
    """Which rows to load when a Nomis measure column holds several values (e.g. MEASURE_NAME
    "Claimant count" and "Claimants as a proportion of residents aged 16-64"): the count for a
    count indicator, the proportion or rate for a percentage or rate indicator."""
    if len(names) <= 1:
        return next(iter(names), None)
    ordered = sorted(names)
    if indicator.unit in (Indicator.Unit.PERCENT, Indicator.Unit.RATE):
        for name in ordered:
            if any(word in name.lower() for word in RATE_WORDS):
                return name
        return None
    for name in ordered:
        if name.lower() == "value":
            return name
    for name in ordered:
        lowered = name.lower()
        if ("count" in lowered or "number" in lowered) and not any(
            word in lowered for word in RATE_WORDS
        ):
            return name
    return None


def _parse_nomis(text: str, *, indicator: Indicator) -> ParsedFile:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        parsed = ParsedFile(layout="nomis")
        parsed.problems.append(ImportProblem(0, "The file is empty."))
        return parsed
    header = [h.strip().upper() for h in rows[0]]
    if "GEOGRAPHY_CODE" in header and "OBS_VALUE" in header:
        return _parse_nomis_long(rows, header, indicator=indicator)
    for number, row in enumerate(rows[:40]):
        if any(cell.strip().lower() == "mnemonic" for cell in row):
            return _parse_nomis_wide(rows, number, indicator=indicator)
    parsed = ParsedFile(layout="nomis")
    parsed.problems.append(
        ImportProblem(
            1,
            "This is not a Nomis layout JoinedUp reads: expected either columns GEOGRAPHY_CODE, "
            "OBS_VALUE and DATE or DATE_NAME (a Nomis API or data download), or a table with a "
            "'mnemonic' column of area codes and a column per period (a Nomis query download).",
        )
    )
    return parsed


def _parse_nomis_long(
    rows: list[list[str]], header: list[str], *, indicator: Indicator
) -> ParsedFile:
    parsed = ParsedFile(layout="Nomis long table (GEOGRAPHY_CODE, DATE, OBS_VALUE)")
    date_column = "DATE" if "DATE" in header else "DATE_NAME" if "DATE_NAME" in header else ""
    if not date_column:
        parsed.problems.append(ImportProblem(1, "The Nomis table has no DATE or DATE_NAME column."))
        return parsed
    at = {name: i for i, name in enumerate(header)}
    chosen: dict[int, str] = {}
    for column in ("MEASURE_NAME", "MEASURES_NAME"):
        if column not in at:
            continue
        names = {
            row[at[column]].strip()
            for row in rows[1:]
            if len(row) > at[column] and row[at[column]].strip()
        }
        measure = _nomis_measure(indicator, names)
        if measure is None and names:
            parsed.problems.append(
                ImportProblem(
                    1,
                    f"The table holds several {column} values ({', '.join(sorted(names))}) and "
                    f"none fits a {indicator.get_unit_display().lower()} indicator: download one.",
                )
            )
            return parsed
        if measure is not None:
            chosen[at[column]] = measure
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        if any(row[index].strip() != wanted for index, wanted in chosen.items()):
            continue
        value_text = row[at["OBS_VALUE"]].strip()
        status = row[at["OBS_STATUS"]].strip() if "OBS_STATUS" in at else ""
        if value_text in SUPPRESSED or status in {"Q", "X"}:
            parsed.suppressed += 1
            continue
        period_text = row[at[date_column]].strip()
        if date_column == "DATE" and "DATE_NAME" in at:
            # DATE is 2024-03 for months; DATE_NAME is "March 2024": either parses, prefer DATE.
            period_text = period_text or row[at["DATE_NAME"]].strip()
        _add_value(
            parsed,
            line=line,
            area_code=row[at["GEOGRAPHY_CODE"]].strip(),
            period_text=period_text,
            value_text=value_text,
            frequency=indicator.frequency,
        )
    return parsed


def _parse_nomis_wide(
    rows: list[list[str]], header_index: int, *, indicator: Indicator
) -> ParsedFile:
    parsed = ParsedFile(layout="Nomis query table (mnemonic and a column per period)")
    header = [h.strip() for h in rows[header_index]]
    code_column = next(i for i, h in enumerate(header) if h.lower() == "mnemonic")
    periods: dict[int, date] = {}
    for i, name in enumerate(header):
        if i == code_column or not name:
            continue
        try:
            periods[i] = parse_period(name, frequency=indicator.frequency)
        except ValueError:
            if i > code_column:
                parsed.problems.append(
                    ImportProblem(header_index + 1, f"column {name!r}: not a period")
                )
    if not periods:
        parsed.problems.append(
            ImportProblem(header_index + 1, "The table has no columns named by period.")
        )
        return parsed
    for line, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            break  # Nomis puts a blank line between the table and its footnotes.
        row = row + [""] * (len(header) - len(row))
        code = row[code_column].strip()
        if not code:
            # A footnote or a total without a code ends the table.
            break
        for i in periods:
            cell = row[i].strip()
            if cell in SUPPRESSED:
                parsed.suppressed += 1
                continue
            _add_value(
                parsed,
                line=line,
                area_code=code,
                period_text=header[i],
                value_text=cell,
                frequency=indicator.frequency,
            )
    return parsed


# ----------------------------------------------------------------------------- preview and load


#: What is held for one area and period: (value, numerator, denominator).
Figures = tuple[Decimal, Decimal | None, Decimal | None]


def _number(value: Decimal | None) -> str:
    return "blank" if value is None else f"{value.normalize():f}"


@dataclass(frozen=True)
class ValueChange:
    """A figure held now that the file would replace: its value, numerator or denominator (or
    more than one of them) differs."""

    area_code: str
    period: date
    old: Decimal
    new: Decimal
    old_numerator: Decimal | None = None
    new_numerator: Decimal | None = None
    old_denominator: Decimal | None = None
    new_denominator: Decimal | None = None

    @property
    def parts(self) -> list[tuple[str, Decimal | None, Decimal | None]]:
        """(name, held now, in the file) for each part that differs."""
        pairs = (
            ("value", self.old, self.new),
            ("numerator", self.old_numerator, self.new_numerator),
            ("denominator", self.old_denominator, self.new_denominator),
        )
        return [(name, old, new) for name, old, new in pairs if old != new]

    @property
    def has_pair(self) -> bool:
        """Whether a numerator or denominator is held or loaded (so the page shows them)."""
        return any(
            v is not None
            for v in (
                self.old_numerator,
                self.new_numerator,
                self.old_denominator,
                self.new_denominator,
            )
        )

    def __str__(self) -> str:
        what = "; ".join(f"{name} {_number(old)} → {_number(new)}" for name, old, new in self.parts)
        return f"{self.area_code} {self.period:%Y-%m} {what}"


@dataclass(frozen=True)
class ImportPreview:
    """What loading a file would do: checked, nothing written. ``already_loaded`` is the last
    time this same file (by its SHA-256) was loaded; loading it again changes nothing only when
    every figure in it is still held as it is (``changes_nothing``)."""

    indicator: Indicator
    file_name: str
    shape: str
    layout: str
    sha256: str
    already_loaded: IndicatorImport | None
    new: int
    unchanged: int
    changes: list[ValueChange]
    suppressed: int
    areas: int
    first_period: date | None
    last_period: date | None

    @property
    def total(self) -> int:
        return self.new + self.unchanged + len(self.changes)

    @property
    def changes_nothing(self) -> bool:
        """The same file was loaded before and every figure in it is held as it is now."""
        return self.already_loaded is not None and not self.new and not self.changes

    @property
    def shows_pairs(self) -> bool:
        return any(change.has_pair for change in self.changes)


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    record: IndicatorImport | None
    created: int
    replaced: int
    kept_unchanged: int

    @property
    def summary(self) -> str:
        p = self.preview
        if self.record is None and p.already_loaded is not None:
            return (
                f"This file was already loaded on {p.already_loaded.created_on:%d %B %Y}: "
                "nothing changed."
            )
        parts = [f"Loaded {p.file_name}: {self.created} new values"]
        if self.replaced:
            parts.append(f"{self.replaced} values replaced by this newer file")
        if self.kept_unchanged:
            parts.append(f"{self.kept_unchanged} already held with the same value")
        if p.suppressed:
            parts.append(f"{p.suppressed} cells withheld at source skipped")
        return ", ".join(parts) + "."


class ReplaceNotConfirmedError(ValidationError):
    """The file would change figures already held (a value, numerator or denominator); the
    import must be told to replace them."""

    def __init__(self, preview: ImportPreview) -> None:
        self.preview = preview
        sample = ", ".join(str(c) for c in preview.changes[:5])
        super().__init__(
            f"{len(preview.changes)} figures in this file differ from those held (e.g. {sample}). "
            "Confirm that this is a newer file to replace them."
        )


def _figures(value: ParsedValue) -> Figures:
    return (value.value, value.numerator, value.denominator)


def _compare(
    values: list[ParsedValue], held: dict[tuple[str, date], Figures]
) -> tuple[int, int, list[ValueChange]]:
    """How many of ``values`` are new, held the same, and held differently. A figure is held
    the same only when its value, numerator and denominator all match: a change to any of
    them is a replacement, confirmed and counted like a change of value."""
    new = unchanged = 0
    changes: list[ValueChange] = []
    for value in values:
        old = held.get((value.area_code, value.period))
        if old is None:
            new += 1
        elif old == _figures(value):
            unchanged += 1
        else:
            changes.append(
                ValueChange(
                    value.area_code,
                    value.period,
                    old[0],
                    value.value,
                    old_numerator=old[1],
                    new_numerator=value.numerator,
                    old_denominator=old[2],
                    new_denominator=value.denominator,
                )
            )
    return new, unchanged, changes


def _check(
    *, indicator: Indicator, shape: str, file_name: str, content: bytes
) -> tuple[ImportPreview, list[ParsedValue], dict[str, Area]]:
    if shape not in IndicatorImport.Shape.values:
        raise ValidationError({"shape": "Choose tidy or nomis."})
    if not content:
        raise ImportRejectedError([ImportProblem(0, "The file is empty.")])
    if len(content) > MAX_FILE_BYTES:
        raise ImportRejectedError(
            [ImportProblem(0, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")]
        )
    sha = content_sha256(content)
    text = decode_csv(content)
    try:
        parsed = (
            _parse_tidy(text, frequency=indicator.frequency)
            if shape == IndicatorImport.Shape.TIDY
            else _parse_nomis(text, indicator=indicator)
        )
    except csv.Error as exc:  # e.g. a quote never closed, running past the field limit
        raise ImportRejectedError([unreadable_csv(exc)]) from exc
    problems = list(parsed.problems)
    codes = {v.area_code for v in parsed.values}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    seen: dict[tuple[str, date], int] = {}
    for value in parsed.values:
        if value.area_code not in areas:
            problems.append(
                ImportProblem(
                    value.line, f"{value.area_code} is not a loaded area (import the areas first)"
                )
            )
        key = (value.area_code, value.period)
        if key in seen:
            problems.append(
                ImportProblem(
                    value.line,
                    f"{value.area_code} {value.period:%Y-%m} appears twice (also line {seen[key]})",
                )
            )
        else:
            seen[key] = value.line
    if not parsed.values and not problems:
        problems.append(ImportProblem(0, "The file holds no values."))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise ImportRejectedError(problems)

    held = {
        (v.area.code, v.period_start): (v.value, v.numerator, v.denominator)
        for v in IndicatorValue.objects.filter(
            indicator=indicator, area__code__in=codes
        ).select_related("area")
    }
    new, unchanged, changes = _compare(parsed.values, held)
    periods = [v.period for v in parsed.values]
    preview = ImportPreview(
        indicator=indicator,
        file_name=file_name,
        shape=shape,
        layout=parsed.layout,
        sha256=sha,
        already_loaded=IndicatorImport.objects.filter(indicator=indicator, content_sha256=sha)
        .order_by("-created_on")
        .first(),
        new=new,
        unchanged=unchanged,
        changes=changes,
        suppressed=parsed.suppressed,
        areas=len(codes),
        first_period=min(periods) if periods else None,
        last_period=max(periods) if periods else None,
    )
    return preview, parsed.values, areas


def indicator_values_preview(
    *, actor: Actor, indicator: Indicator, shape: str, file_name: str, content: bytes
) -> ImportPreview:
    """Check a file of values and say what loading it would do. Raises ``ImportRejectedError``
    listing every bad row."""
    require_analyst(actor)
    preview, _values, _areas = _check(
        indicator=indicator, shape=shape, file_name=file_name, content=content
    )
    return preview


def indicator_values_import(
    *,
    actor: Actor,
    indicator: Indicator,
    shape: str,
    file_name: str,
    content: bytes,
    replace: bool = False,
) -> ImportResult:
    """Load a file of values whole, or nothing.

    Each figure is compared with what is held now for its area and period. A figure that
    differs in its value, numerator or denominator is replaced only with ``replace``
    (otherwise ``ReplaceNotConfirmedError``, nothing written); the result counts it as
    replaced. The same file loaded again changes nothing while its figures are all still
    held as they are; if some have since been replaced by another file, it is loaded like any
    other file (a new import record; the replacements need ``replace``)."""
    require_analyst(actor)
    preview, values, areas = _check(
        indicator=indicator, shape=shape, file_name=file_name, content=content
    )
    if preview.changes_nothing:
        return ImportResult(
            preview=preview, record=None, created=0, replaced=0, kept_unchanged=preview.total
        )
    if preview.changes and not replace:
        raise ReplaceNotConfirmedError(preview)
    try:
        with transaction.atomic():
            # Compare again with the rows locked: another import may have finished since the
            # check, and what this one replaces must be what it counts.
            existing = {
                (v.area_id, v.period_start): v
                for v in IndicatorValue.objects.select_for_update().filter(
                    indicator=indicator, area__in=list(areas.values())
                )
            }
            codes = {area.pk: code for code, area in areas.items()}
            by_code = {
                (codes[area_id], period): (row.value, row.numerator, row.denominator)
                for (area_id, period), row in existing.items()
            }
            new, unchanged, changes = _compare(values, by_code)
            now = dataclass_replace(preview, new=new, unchanged=unchanged, changes=changes)
            if changes and not replace:
                raise ReplaceNotConfirmedError(now)
            if now.changes_nothing:
                return ImportResult(
                    preview=now, record=None, created=0, replaced=0, kept_unchanged=now.total
                )
            record = IndicatorImport(
                indicator=indicator,
                shape=shape,
                file_name=file_name[:255],
                content_sha256=preview.sha256,
                rows_loaded=len(values),
            )
            record.stamp(actor).save()
            to_create: list[IndicatorValue] = []
            to_update: list[IndicatorValue] = []
            for value in values:
                area = areas[value.area_code]
                row = existing.get((area.pk, value.period))
                if row is None:
                    row = IndicatorValue(
                        indicator=indicator,
                        area=area,
                        period_start=value.period,
                        value=value.value,
                        numerator=value.numerator,
                        denominator=value.denominator,
                        imported_by=record,
                    )
                    to_create.append(row.stamp(actor))
                elif (row.value, row.numerator, row.denominator) != _figures(value):
                    row.value = value.value
                    row.numerator = value.numerator
                    row.denominator = value.denominator
                    row.imported_by = record
                    row.modified_on = timezone.now()
                    to_update.append(row.stamp(actor))
            IndicatorValue.objects.bulk_create(to_create, batch_size=1000)
            IndicatorValue.objects.bulk_update(
                to_update,
                ["value", "numerator", "denominator", "imported_by", "modified_by", "modified_on"],
                batch_size=1000,
            )
    except IntegrityError as exc:
        # Another import of overlapping values inserted the same area and period first.
        raise ValidationError(
            "Another import for this indicator finished at the same time; try again."
        ) from exc
    return ImportResult(
        preview=now,
        record=record,
        created=len(to_create),
        replaced=len(to_update),
        kept_unchanged=len(values) - len(to_create) - len(to_update),
    )


# ----------------------------------------------------------------------------- definitions


def _record_version(indicator: Indicator, *, actor: Actor, reason: str) -> None:
    DefinitionVersion(
        kind=DefinitionVersion.Kind.INDICATOR,
        code=indicator.code,
        version=indicator.version,
        definition=indicator_snapshot(indicator),
        change_reason=reason[:500],
    ).stamp(actor).save()


def indicator_create(*, actor: Actor, **fields: Any) -> Indicator:
    """A new indicator definition (version 1, kept as a definition version)."""
    require_analyst(actor)
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown indicator fields: {', '.join(sorted(unknown))}")
    code = slugify(fields.get("code") or fields.get("name", ""))[:60]
    if not code:
        raise ValidationError({"code": "Enter a code (letters, digits and hyphens)"})
    if Indicator.objects.filter(code=code).exists():
        raise ValidationError({"code": "An indicator with this code already exists"})
    indicator = Indicator(**{**fields, "code": code})
    indicator.full_clean(exclude=["created_by", "modified_by"])
    with transaction.atomic():
        indicator.stamp(actor).save()
        _record_version(indicator, actor=actor, reason="Created")
    return indicator


def indicator_update(
    *,
    actor: Actor,
    indicator: Indicator,
    change_reason: str,
    seen_version: int | None = None,
    **fields: Any,
) -> Indicator:
    """Change a definition: the version goes up and the old one is kept, so charts and reports
    can say the definition changed (``definitions.indicator_definition_change`` does it, as it
    does for measures). ``seen_version`` is the version the editor saw (a form carries it):
    if the definition has moved on since, the change is refused (REL-01). Saving with nothing
    changed keeps the version."""
    unknown = set(fields) - (set(DEFINITION_FIELDS) - {"code"})
    if unknown:
        raise TypeError(f"Unknown indicator fields: {', '.join(sorted(unknown))}")
    changed = {k: v for k, v in fields.items() if getattr(indicator, k) != v}
    if not changed:
        require_analyst(actor)
        return indicator
    return indicator_definition_change(
        actor=actor,
        code=indicator.code,
        seen_version=indicator.version if seen_version is None else seen_version,
        changes=changed,
        reason=change_reason,
    )


# ----------------------------------------------------------------------------- targets


def target_set(
    *,
    actor: Actor,
    indicator: Indicator,
    area: Area,
    baseline_period: date,
    target_value: Decimal,
    target_period: date,
    description: str = "",
) -> Target:
    """Set (or change) the target for an indicator in an area: from the value held for the
    baseline period to ``target_value`` by ``target_period``, e.g. 9,500 on benefits down to
    8,200 by March 2028. A custom area's baseline may be a figure summed from its LSOAs."""
    require_analyst(actor)
    held = indicator_value_for(actor=actor, indicator=indicator, area=area, period=baseline_period)
    errors: dict[str, str] = {}
    if held is None:
        errors["baseline_period"] = (
            "There is no value for this area in that period: choose a period with a value"
        )
    if target_period <= baseline_period:
        errors["target_period"] = "The target date must be after the baseline"
    if target_value < 0:
        errors["target_value"] = "The target cannot be negative"
    if errors:
        raise ValidationError(errors)
    assert held is not None
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(
            indicator=indicator, area=area
        ).first() or Target(indicator=indicator, area=area)
        target.baseline_period = baseline_period
        target.baseline_value = held.value
        target.target_value = target_value
        target.target_period = target_period
        target.description = description.strip()[:500]
        target.stamp(actor).save()
    return target
