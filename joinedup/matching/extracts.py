"""Reading and checking an agency extract (CSV or XLSX) against its column mapping.

Nothing here writes: :func:`read_extract` turns the file into rows of standard fields and
signals and lists every bad row with its line and the reason, so that the service can load
the file whole or not at all.

A row is refused when it has no record id, repeats another row's record id, has neither a
first name nor a surname, gives an impossible full date of birth (31/02/1980) or one in the
future, a signal that is not a finite number, or a value longer than its field holds. A
placeholder date ("UNKNOWN", "n/a") counts as missing; other text in the date (a two-digit
year) is kept and compared as text. Line numbers are the lines of the file where each row
starts, even when a quoted cell holds line breaks. Postcodes, NI numbers and
NHS numbers that are not valid are kept as they are (they are compared as plain text), never
refused: an agency's odd value is still evidence.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .cleaning import parse_date
from .models import STANDARD_FIELDS, ExtractRecord, Signal

MAX_ROWS = 2_000_000
#: A full date (four-digit year) in one of the formats read: if it does not parse, it is an
#: impossible date such as 31/02/1980 and the row is refused. Other text is kept.
_LOOKS_LIKE_A_DATE = re.compile(
    r"^\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{8})\s*$"
)
SIGNAL_CODES = frozenset(Signal.values)
#: The longest value each stored field holds.
FIELD_LENGTHS = {
    name: ExtractRecord._meta.get_field(name).max_length  # type: ignore[union-attr]
    for name in (*STANDARD_FIELDS, "source_record_id")
}


class ExtractFormatError(ValueError):
    """The file as a whole cannot be read (not CSV or XLSX, no header, missing columns)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.reason}"


@dataclass
class ReadExtract:
    sha256: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: Values kept as plain text because they are not valid (field → count).
    kept_as_text: dict[str, int] = field(default_factory=dict)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_workbook(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm"))


def _rows(data: bytes, name: str, *, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """The file's rows as text cells with the line each starts on (a quoted CSV cell may
    hold line breaks), header first; at most ``limit`` rows after the header, plus one so
    that the caller can tell there were more. The format is decided by the file's name."""
    stop = None if limit is None else limit + 2
    if _is_workbook(name):
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = []
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    rows.append((number, ["" if c is None else _cell_text(c) for c in row]))
                    if stop is not None and number >= stop:
                        break
            finally:
                book.close()
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ExtractFormatError("The file is not a readable XLSX workbook.") from exc
        return rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ExtractFormatError("The file is not UTF-8 or Windows-1252 text.") from exc
    if "\x00" in text:
        raise ExtractFormatError("The file is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        line = 1
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
            if stop is not None and len(rows) >= stop:
                break
    except csv.Error as exc:
        raise ExtractFormatError(f"The CSV cannot be read near line {line}: {exc}.") from exc
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


def header_of(data: bytes, name: str) -> list[str]:
    """The column headers, for the mapping form (only the first row is read)."""
    table = _rows(data, name, limit=0)
    if not table or not any(cell.strip() for cell in table[0][1]):
        raise ExtractFormatError("The file has no header row.")
    return [cell.strip() for cell in table[0][1]]


def read_extract(
    data: bytes,
    name: str,
    *,
    id_column: str,
    fields: dict[str, str],
    signals: dict[str, str],
    today: date,
) -> ReadExtract:
    """Every row as standard fields and signals, and every bad row (see the module)."""
    result = ReadExtract(sha256=sha256_of(data))
    table = _rows(data, name, limit=MAX_ROWS)
    if not table or not any(cell.strip() for cell in table[0][1]):
        raise ExtractFormatError("The file has no header row.")
    header = [cell.strip() for cell in table[0][1]]
    position = {column: index for index, column in enumerate(header)}
    wanted = {"record id": id_column, **fields, **signals}
    missing = sorted({column for column in wanted.values() if column not in position})
    if missing:
        raise ExtractFormatError(
            "The file has no column " + ", ".join(f"'{c}'" for c in missing) + "."
        )
    unknown = sorted(set(fields) - set(STANDARD_FIELDS)) + sorted(set(signals) - SIGNAL_CODES)
    if unknown:
        raise ExtractFormatError("Unknown fields in the mapping: " + ", ".join(unknown) + ".")
    if len(table) - 1 > MAX_ROWS:
        raise ExtractFormatError(f"The file has more than {MAX_ROWS:,} rows.")
    if len(table) < 2:
        raise ExtractFormatError("The file has a header but no rows.")

    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of exported files

        def cell(column: str, cells: list[str] = cells) -> str:
            index = position[column]
            return cells[index].strip() if index < len(cells) else ""

        reasons: list[str] = []
        record_id = cell(id_column)
        if not record_id:
            reasons.append(f"no record id in '{id_column}'")
        elif record_id in seen:
            reasons.append(f"record id {record_id!r} is also on line {seen[record_id]}")
        else:
            seen[record_id] = line
        row: dict[str, Any] = {"row_number": line, "source_record_id": record_id}
        for standard, column in fields.items():
            row[standard] = cell(column)
        if not row.get("first_name") and not row.get("surname"):
            reasons.append("no first name or surname")
        born = row.get("date_of_birth", "")
        if born:
            iso, parsed = parse_date(born)
            if iso is None:
                row["date_of_birth"] = ""  # a placeholder ("UNKNOWN", "n/a"): missing
            elif not parsed and _LOOKS_LIKE_A_DATE.match(born):
                reasons.append(f"date of birth {born!r} is not a date (day, month and year)")
            elif parsed and iso > today.isoformat():
                reasons.append(f"date of birth {born} is in the future")
            # Anything else ("05/03/90": a two-digit year) is kept as text and compared so.
        for name_, value in list(row.items()):
            limit = FIELD_LENGTHS.get(name_)
            if limit and isinstance(value, str) and len(value) > limit:
                reasons.append(f"{name_.replace('_', ' ')} is longer than {limit} characters")
        values: dict[str, float] = {}
        for code, column in signals.items():
            raw = cell(column).replace(",", "").replace("£", "").rstrip("%").strip()
            if not raw:
                continue
            if raw.upper() in {"Y", "YES", "TRUE"}:
                values[code] = 1.0
                continue
            if raw.upper() in {"N", "NO", "FALSE"}:
                values[code] = 0.0
                continue
            try:
                number = float(Decimal(raw))
            except (InvalidOperation, ValueError):
                number = math.nan
            if not math.isfinite(number):
                reasons.append(f"{Signal(code).label} {cell(column)!r} is not a number")
            else:
                values[code] = number
        row["signals"] = values
        if reasons:
            result.problems.append(RowProblem(line, "; ".join(reasons)))
        else:
            result.rows.append(row)
    if not result.rows and not result.problems:
        raise ExtractFormatError("The file has a header but no rows.")
    return result
