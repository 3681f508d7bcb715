"""Cleaning agencies' records before they are linked (multi-agency record matching).

``clean_frame`` takes a table of raw records from one or more agencies and returns the columns
that the linkage model compares, each in one standard form. It is built on the person record's
own rules (``joinedup.people.names`` and ``joinedup.people.identifiers``) so that a record
cleaned here and a record checked when it was saved agree. Nothing here decides that two records
are the same person; it only makes like values look alike.

Two rules apply to every field:

* **Missing values.** ``None``, NaN, ``NaT``, empty or whitespace-only text, and the placeholder
  words that spreadsheets and exports put in empty cells ("null", "none", "nan", "n/a",
  "#n/a", "unknown", "not known", "-", "?") all become ``None``. A placeholder is not
  evidence: two records that both say "unknown" are no more likely to be the same person, but
  kept as text they would agree with each other.
* **Never crash, keep what cannot be read.** Any value is accepted. Numbers that a spreadsheet
  or ``pandas.read_csv`` made of a column (``12345.0`` for a UPRN, ``19900305`` for a date)
  are written as whole numbers where they are whole; dates and datetimes are written as ISO
  dates; anything else is turned into text. Control characters other than tabs and line
  breaks become spaces, characters that cannot be written as UTF-8 (lone surrogates) are
  replaced, and text is cut to 500 characters (no real value is longer, and it bounds the cost
  of fuzzy comparisons later). A value that is
  not a valid postcode, date or identifier is kept, tidied, as plain text, so it can still agree
  exactly with the same mistake in another agency's record.

The output has the columns ``CLEAN_COLUMNS`` and every value is a ``str`` or ``None`` (object
dtype, never NaN, so that DuckDB reads NULL). Field by field:

* ``first_name``: ``normalise_name`` (case folded, accents removed, apostrophes and full
  stops dropped, leading titles removed), then only the first word: "Mary-Jane" and
  "Mary Jane" both give "mary" (``normalise_name`` makes a hyphen a word break), because
  agencies differ in whether they record middle and second given names.
* ``first_name_alias``: the formal name of the nickname group in ``data/nicknames.csv`` that
  the first name belongs to: "Bill", "Billy", "Will", "Liam" and "William" all give "william".
  A formal name is its own alias. A nickname in several groups ("ed" is in edward, edmund and
  edwin) takes the first of those groups in the file, where the commoner formal name comes first
  (robert before roberta, edward before edmund); so "ed" and "edmund" do not share an alias
  and are left to the spelling comparisons, where a shared beginning already scores well.
  Two names with the same alias are always in one group, so the alias never says more than
  ``names_match`` would. ``None`` for a name in no group: compare ``first_name`` instead.
* ``surname``: ``normalise_name`` with the spaces removed: "Smith-Jones", "Smith Jones" and
  "SmithJones" all give "smithjones", and "O'Brien" gives "obrien". Agencies write
  double-barrelled and prefixed names ("Van der Berg") with hyphens, spaces or neither, and
  this makes them agree; the cost is that "Smith" and "Smith-Jones" differ, which the fuzzy
  comparisons still see.
* ``surname_soundex``: the project's American Soundex of the surname ("R163"), for blocking
  on how a name sounds; ``None`` when the surname has no letters a to z.
* ``date_of_birth``: an ISO date ("1990-03-05") when ``parse_date`` in
  ``joinedup.people.identifiers`` reads it: ISO "1990-03-05", day first "05/03/1990",
  "5-3-1990" or "05.03.1990" (always the UK order, never month first) and compact
  "19900305". A trailing midnight time ("1990-03-05 00:00:00", as database and spreadsheet
  exports write dates) is ignored. Years must have four digits: "05/03/90" is kept as text,
  because a two-digit year cannot tell someone born in 1925 from someone born in 2025, and a
  wrong guess would look like firm evidence. A value that is not a real date ("31/02/1990") is kept as its text.
* ``date_of_birth_swapped``: the same date with day and month exchanged, when both are 12 or
  less and they differ ("1990-03-05" gives "1990-05-03"), else ``None``: keying the day and
  month the wrong way round is a common error, and a comparison level can look for it.
* ``sex``: "M" for m, male, man, boy and 1; "F" for f, female, woman, girl and 2 (1 and 2 are
  the NHS Data Dictionary and ISO/IEC 5218 codes); ``None`` for u, unknown, not known,
  not stated, not specified, prefer not to say, nk, n/k and 0 (ISO/IEC 5218 "not known").
  Anything else ("X", "9", "Other") is kept in upper case with spaces tidied.
* ``postcode``: the canonical postcode with its space ("nv14ab" gives "NV1 4AB"), by
  ``normalise_postcode``; anything else in upper case with whitespace collapsed, as text.
* ``postcode_area``, ``postcode_district``, ``postcode_sector``: "NV", "NV1" and "NV1 4" for
  a valid postcode (``postcode_parts``), so that a neighbouring or recently changed address
  still counts for something; ``None`` when the postcode is not valid.
* ``address``: lower case, accents removed, apostrophes dropped ("St John's" gives
  "saint johns"), every other character that is not a letter or digit made a space, spaces
  collapsed, and the usual abbreviations written out (rd road, ave avenue, ln lane, dr drive,
  cl close, cres crescent, ct court, gdns gardens, gr grove, pl place, sq square, ter terrace,
  pk park, hse house, apt apartment, flt flat, among others). "st" is "saint" at the start of
  the address or of a line (after a comma), after a number or after a word such as "road"
  ("12 St Marys Court", "High St, St Albans", "Station Rd St Ives") and "street" otherwise
  ("High St"). "flat" and "apartment" are kept as words.
* ``address_number``: the first house or flat number in the address, digits with an optional
  letter ("12", "12a"), so "Flat 3, 12 High Street" gives "3"; ordinals such as "1st" are
  not numbers. ``None`` when there is none.
* ``uprn``: the digits without leading zeros when the value is all digits (spaces and a
  trailing ".0" from a spreadsheet are ignored); ``None`` for all zeros, which is a
  placeholder and not a UPRN; otherwise the text.
* ``ni_number``: a valid National Insurance number (``normalise_ni_number``) without spaces,
  in upper case and without its suffix letter, because the suffix is not needed to identify a
  person and is often left off: "QQ 12 34 56 C" and "QQ123456" both give "QQ123456". HMRC's
  example prefix "QQ" is kept like any other: see ``is_example_ni_number`` if the linkage
  should ignore such numbers. Anything else in upper case without whitespace, as text.
* ``nhs_number``: ten digits when the Modulus 11 check digit is right
  (``normalise_nhs_number``); otherwise the text, with spaces and hyphens removed when what is
  left is all digits, so that the same mistyped number written two ways still agrees.
* ``email``: lower case.
* ``phone``: digits only; "+44" or "0044" becomes the leading "0" (and "+44 (0)20" does not
  keep both zeros); a ten-digit number that does not start with 0 gets its 0 back, because a
  spreadsheet that read the number as an integer dropped it. ``None`` when there are no digits.
* ``unique_id`` and ``source`` are copied unchanged; only numbers are written as text and
  missing values as ``None``.

Each rule is applied once per distinct value, not once per row: a million records hold a few
thousand first names, dates of birth and postcodes, so the work is finding the distinct values
(``pandas.factorize``) and spreading the results back with one array look-up.
"""

from __future__ import annotations

import csv
import datetime
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from joinedup.people.identifiers import (
    date_swaps,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_postcode,
    postcode_parts,
)
from joinedup.people.identifiers import parse_date as _read_date
from joinedup.people.names import NICKNAMES_PATH, normalise_name, soundex

__all__ = [
    "CLEAN_COLUMNS",
    "PASSED_THROUGH",
    "STANDARD_FIELDS",
    "clean_frame",
    "nickname_alias",
    "nickname_groups",
    "parse_date",
    "postcode_levels",
]

STANDARD_FIELDS = (
    "first_name",
    "surname",
    "date_of_birth",
    "sex",
    "address",
    "postcode",
    "uprn",
    "ni_number",
    "nhs_number",
    "email",
    "phone",
)
"""The fields an agency's records may have, named as ``clean_frame`` expects them."""

CLEAN_COLUMNS = (
    "unique_id",
    "source",
    "first_name",
    "first_name_alias",
    "surname",
    "surname_soundex",
    "date_of_birth",
    "date_of_birth_swapped",
    "sex",
    "postcode",
    "postcode_area",
    "postcode_district",
    "postcode_sector",
    "address",
    "address_number",
    "uprn",
    "ni_number",
    "nhs_number",
    "email",
    "phone",
)
"""The columns of ``clean_frame``'s result, in order."""

PASSED_THROUGH = ("extract", "extract_date")
"""Columns about where a record came from, copied as they are (after ``CLEAN_COLUMNS``) when
the input has them: ``extract``, which file the record came from (an agency holds one
record per person in a file), and ``extract_date``, the ISO date the file was taken (the
day from which the ages an agency holds are counted). The clustering reads both
(``joinedup.matching.linkage.clusters``); nothing compares them."""

_MAX_TEXT_LENGTH = 500

_PLACEHOLDERS = frozenset(
    {"null", "none", "nan", "n/a", "#n/a", "unknown", "not known", "-", "--", "?"}
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not tabs or line breaks
_WHITESPACE = re.compile(r"\s+")

Cleaned = tuple[str | None, ...]
ObjectArray = npt.NDArray[np.object_]


# --- Turning any value into text -------------------------------------------------------------


def _number_text(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _as_text(value: object) -> str | None:
    """Return ``value`` as text, unchanged if it is already text; ``None`` if it is missing."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(int(value))  # pandas' factorize already counts True as 1
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _number_text(float(value))
    if isinstance(value, datetime.date):  # datetime and pandas' Timestamp too
        if pd.isna(value):  # NaT
            return None
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:  # an object that cannot describe itself is no value at all
        return None


def _to_text(value: object) -> str | None:
    """Return ``value`` as trimmed text, or ``None`` if it is missing (see the module notes)."""
    text = _as_text(value)
    if text is None:
        return None
    text = text[:_MAX_TEXT_LENGTH]
    if not text.isprintable():  # tabs, newlines, control characters, lone surrogates
        text = _CONTROL.sub(" ", text).encode("utf-8", "replace").decode("utf-8")
    text = text.strip()
    if not text or text.casefold() in _PLACEHOLDERS:
        return None
    return text


def _factorised(
    frame: pd.DataFrame, column: str, as_text: Callable[[object], str | None]
) -> tuple[npt.NDArray[np.intp], list[str | None]] | None:
    """Return codes and the distinct values of ``column`` as text, or ``None`` if it is absent.

    Missing values (``None``, NaN, ``NaT``, ``pd.NA``) have the code -1; ``as_text`` turns
    each distinct value into text.
    """
    if column not in frame.columns:
        return None
    series = frame[column]
    if isinstance(series, pd.DataFrame):  # the column name appears more than once
        series = series.iloc[:, 0]
    values: Any = series
    if isinstance(series.dtype, pd.StringDtype):
        # pandas' own string columns (what read_csv gives): factorising Python strings is
        # about twice as fast as factorising Arrow-backed ones when most values are distinct.
        values = series.to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # tolist() gives plain Python values, and many times faster than iterating an Index.
    distinct = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    return np.asarray(codes, dtype=np.intp), [as_text(value) for value in distinct]


def _clean_column(
    frame: pd.DataFrame, column: str, cleaner: Callable[[str], Cleaned], width: int
) -> list[ObjectArray]:
    """Apply ``cleaner`` to each distinct value of ``column`` and return ``width`` columns."""
    rows = len(frame)
    factorised = _factorised(frame, column, _to_text)
    if factorised is None:
        return [np.full(rows, None, dtype=object) for _ in range(width)]
    codes, uniques = factorised
    nothing: Cleaned = (None,) * width
    results = [nothing if text is None else cleaner(text) for text in uniques]
    columns: list[ObjectArray] = []
    for position in range(width):
        # One more slot than there are distinct values, left as None: code -1 (missing) reads
        # the last element, so missing values come out as None without a separate step.
        values: ObjectArray = np.array(
            [result[position] for result in results] + [None], dtype=object
        )
        columns.append(values.take(codes))
    return columns


def _copy_column(frame: pd.DataFrame, column: str) -> ObjectArray:
    """Return ``column`` with missing values as ``None``, text unchanged and numbers as text."""
    rows = len(frame)
    factorised = _factorised(frame, column, _as_text)
    if factorised is None:
        return np.full(rows, None, dtype=object)
    codes, uniques = factorised
    values: ObjectArray = np.array([*uniques, None], dtype=object)
    return values.take(codes)


# --- Names -----------------------------------------------------------------------------------


@functools.cache
def _alias_index() -> Mapping[str, str]:
    """Map each name in ``data/nicknames.csv`` to the formal name of its group (see notes)."""
    index: dict[str, str] = {}
    formal: set[str] = set()
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)  # the header: canonical,variants
        for row in rows:
            names = [name for name in (normalise_name(cell) for cell in row) if name]
            if not names:
                continue
            head = names[0]
            index[head] = head  # a formal name is its own alias, whatever came before
            formal.add(head)
            for name in names[1:]:
                if name not in formal:
                    index.setdefault(name, head)  # the first group in the file wins
    return index


@functools.cache
def _groups_index() -> Mapping[str, tuple[str, ...]]:
    """Map each name in ``data/nicknames.csv`` to the formal names of EVERY group it is in:
    "mo" is Maurice, Maureen and Mohammed; "sammy" is Samuel and Samantha."""
    index: dict[str, set[str]] = {}
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        for row in rows:
            names = [name for name in (normalise_name(cell) for cell in row) if name]
            if names:
                for name in names:
                    index.setdefault(name, set()).add(names[0])
    return {name: tuple(sorted(heads)) for name, heads in index.items()}


def nickname_alias(name: str | None) -> str | None:
    """The formal name of a cleaned first name's nickname group (as ``first_name_alias``),
    or ``None`` for a name in none."""
    if not isinstance(name, str):
        return None
    return _alias_index().get(name)


def nickname_groups(name: str | None) -> list[str]:
    """The formal names of the nickname groups a cleaned first name is in (empty for a
    name in none). Two names may be the same person's if their lists share a name; the
    linkage compares them so (``first_name_alias`` keeps only the first group, for
    blocking)."""
    if not isinstance(name, str):
        return []
    return list(_groups_index().get(name, ()))


def _clean_first_name(text: str) -> Cleaned:
    words = normalise_name(text).split()
    if not words:
        return (None, None)
    name = words[0]
    return (name, _alias_index().get(name))


def _clean_surname(text: str) -> Cleaned:
    surname = normalise_name(text).replace(" ", "")
    if not surname:
        return (None, None)
    return (surname, soundex(surname) or None)


# --- Dates -----------------------------------------------------------------------------------

_MIDNIGHT = re.compile(r"[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?\Z")


def _read_date_text(text: str) -> datetime.date | None:
    parsed = _read_date(text)
    if parsed is None:
        midnight = _MIDNIGHT.search(text)
        if midnight is not None:
            parsed = _read_date(text[: midnight.start()])
    return parsed


def _clean_date(text: str) -> Cleaned:
    parsed = _read_date_text(text)
    if parsed is None:
        return (text, None)
    swaps = date_swaps(parsed)
    return (parsed.isoformat(), swaps[0].isoformat() if swaps else None)


def parse_date(value: str | None) -> tuple[str | None, bool]:
    """Return a date of birth as ``clean_frame`` writes it, and whether it was read as a date.

    ``(ISO date, True)`` for a date in one of the accepted forms ("05/03/1990" gives
    ``("1990-03-05", True)``); ``(trimmed text, False)`` for anything else ("05/03/90" gives
    ``("05/03/90", False)``); ``(None, False)`` for a missing value or a placeholder such as
    "unknown". Never raises.
    """
    text = _to_text(value)
    if text is None:
        return (None, False)
    parsed = _read_date_text(text)
    if parsed is None:
        return (text, False)
    return (parsed.isoformat(), True)


# --- Sex -------------------------------------------------------------------------------------

_SEX_CODES: Mapping[str, str | None] = {
    **dict.fromkeys(("m", "male", "man", "boy", "1"), "M"),
    **dict.fromkeys(("f", "female", "woman", "girl", "2"), "F"),
    **dict.fromkeys(
        (
            "u",
            "unknown",
            "not known",
            "not stated",
            "not specified",
            "prefer not to say",
            "nk",
            "n k",
            "0",
        ),
        None,
    ),
}
_SEX_SEPARATORS = re.compile(r"[\s._/-]+")


def _clean_sex(text: str) -> Cleaned:
    key = _SEX_SEPARATORS.sub(" ", text.casefold()).strip()
    if key in _SEX_CODES:
        return (_SEX_CODES[key],)
    return (_WHITESPACE.sub(" ", text.upper()),)


# --- Postcodes -------------------------------------------------------------------------------


def postcode_levels(postcode: str | None) -> tuple[str | None, str | None, str | None]:
    """Return the area, district and sector of a postcode, or three ``None`` if it is invalid.

    "nv14ab" gives ``("NV", "NV1", "NV1 4")``; see ``postcode_parts``. Never raises.
    """
    if not isinstance(postcode, str):
        return (None, None, None)
    parts = postcode_parts(postcode)
    if parts is None:
        return (None, None, None)
    return (parts.area, parts.district, parts.sector)


def _clean_postcode(text: str) -> Cleaned:
    postcode = normalise_postcode(text)
    if postcode is None:
        return (_WHITESPACE.sub(" ", text.upper()), None, None, None)
    return (postcode, *postcode_levels(postcode))


# --- Addresses -------------------------------------------------------------------------------

_ADDRESS_WORDS: Mapping[str, str] = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "drv": "drive",
    "cl": "close",
    "cres": "crescent",
    "cresc": "crescent",
    "ct": "court",
    "crt": "court",
    "gdns": "gardens",
    "gr": "grove",
    "gro": "grove",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "tce": "terrace",
    "pk": "park",
    "pde": "parade",
    "wy": "way",
    "mt": "mount",
    "hts": "heights",
    "hse": "house",
    "ho": "house",
    "cotts": "cottages",
    "bldg": "building",
    "bldgs": "buildings",
    "est": "estate",
    "apt": "apartment",
    "flt": "flat",
}
# After one of these (or a number, or at the start), "st" is "saint": "Station Rd St Ives".
_BEFORE_SAINT = frozenset(
    {"road", "street", "avenue", "lane", "drive", "close", "crescent", "terrace", "way"}
)
_APOSTROPHES = re.compile(r"['’‘ʼ`´]")
_ADDRESS_LINES = re.compile(r"[,;\r\n]")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
_HOUSE_NUMBER = re.compile(r"[0-9]+[a-z]?")


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean_address(text: str) -> Cleaned:
    text = text.casefold()
    if not text.isascii():
        text = _fold_accents(text)
    expanded: list[str] = []
    number: str | None = None
    for line in _ADDRESS_LINES.split(_APOSTROPHES.sub("", text)):
        previous: str | None = None  # each line of the address starts afresh
        for word in _NOT_ALPHANUMERIC.sub(" ", line).split():
            if word == "st":
                saint = (
                    previous is None
                    or previous in _BEFORE_SAINT
                    or any(ch.isdigit() for ch in previous)
                )
                word = "saint" if saint else "street"
            else:
                word = _ADDRESS_WORDS.get(word, word)
            if number is None and _HOUSE_NUMBER.fullmatch(word):
                number = word
            expanded.append(word)
            previous = word
    if not expanded:
        return (None, None)
    return (" ".join(expanded)[:_MAX_TEXT_LENGTH], number)


# --- Identifiers and contact details ---------------------------------------------------------

_UPRN = re.compile(r"([0-9]+)(?:\.0*)?")
_NHS_SEPARATORS = re.compile(r"[\s-]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")


def _clean_uprn(text: str) -> Cleaned:
    compact = _WHITESPACE.sub("", text)
    match = _UPRN.fullmatch(compact)
    if match is None:
        return (text,)
    return (match.group(1).lstrip("0") or None,)


def _clean_ni_number(text: str) -> Cleaned:
    number = normalise_ni_number(text)
    if number is None:
        compact = _WHITESPACE.sub("", text).upper()
        # Jobcentre temporary references (TN, then the date of birth and sex) are shared by
        # everyone born that day: kept, two people would seem to agree.
        if compact.startswith("TN") or len(compact) < 6:
            return (None,)  # too short to tell anyone apart ("123")
        return (compact,)
    if len(set(number[2:8])) == 1:
        return (None,)  # "AA000000A" and the like pass the rules but are placeholders
    return (number[:8],)  # the suffix letter is not part of the identity


def _clean_nhs_number(text: str) -> Cleaned:
    number = normalise_nhs_number(text)
    if number is not None:
        # Placeholders such as 0000000000 and 9999999999 pass the check digit but say
        # nothing about who the person is: two records holding one would seem to agree.
        if len(set(number)) == 1:
            return (None,)
        return (number,)
    compact = _NHS_SEPARATORS.sub("", text)
    if len(compact) < 6:
        return (None,)  # too short to tell anyone apart ("123")
    if compact.isascii() and compact.isdigit():
        return (compact,)
    return (text,)


_EMAIL_PLACEHOLDERS = frozenset({"none", "noemail", "no", "na", "unknown", "nomail", "test"})


def _clean_email(text: str) -> Cleaned:
    # Without an "@" it is not an address ("none", "refused", "123"), and "none@none.com" and
    # the like are what systems make staff type: nothing to compare.
    email = text.lower()
    local, at, _domain = email.partition("@")
    if not at or local in _EMAIL_PLACEHOLDERS:
        return (None,)
    return (email,)


def _clean_phone(text: str) -> Cleaned:
    digits = _NOT_DIGIT.sub("", text)
    if not digits:
        return (None,)
    international = text.lstrip().startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00")
    if international and digits.startswith("44"):
        national = digits[2:]
        digits = national if national.startswith("0") else "0" + national
    elif len(digits) == 10 and not international and not digits.startswith("0"):
        digits = "0" + digits
    if len(digits) < 10 or len(set(digits[2:])) == 1:
        return (None,)  # "123", "00000000000": placeholders, not numbers
    return (digits,)


# --- The frame -------------------------------------------------------------------------------

_FIELD_CLEANERS: tuple[tuple[str, Callable[[str], Cleaned], tuple[str, ...]], ...] = (
    ("first_name", _clean_first_name, ("first_name", "first_name_alias")),
    ("surname", _clean_surname, ("surname", "surname_soundex")),
    ("date_of_birth", _clean_date, ("date_of_birth", "date_of_birth_swapped")),
    ("sex", _clean_sex, ("sex",)),
    (
        "postcode",
        _clean_postcode,
        ("postcode", "postcode_area", "postcode_district", "postcode_sector"),
    ),
    ("address", _clean_address, ("address", "address_number")),
    ("uprn", _clean_uprn, ("uprn",)),
    ("ni_number", _clean_ni_number, ("ni_number",)),
    ("nhs_number", _clean_nhs_number, ("nhs_number",)),
    ("email", _clean_email, ("email",)),
    ("phone", _clean_phone, ("phone",)),
)


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a new frame of ``frame``'s records in the form the linkage compares.

    ``frame`` has ``unique_id``, ``source`` and any of ``STANDARD_FIELDS`` holding raw values;
    a missing column counts as all missing. The result has the columns ``CLEAN_COLUMNS`` in
    that order (then those of ``PASSED_THROUGH`` the input has, unchanged), the same index as ``frame``, object dtype, and only ``str`` or ``None`` values.
    The rules are in the module notes. ``frame`` is not changed, and no value makes this raise.
    """
    columns: dict[str, Any] = {
        "unique_id": _copy_column(frame, "unique_id"),
        "source": _copy_column(frame, "source"),
    }
    for field, cleaner, outputs in _FIELD_CLEANERS:
        for name, values in zip(
            outputs, _clean_column(frame, field, cleaner, len(outputs)), strict=True
        ):
            columns[name] = values
    names = [*CLEAN_COLUMNS, *(name for name in PASSED_THROUGH if name in frame.columns)]
    for name in PASSED_THROUGH:
        if name in frame.columns:
            columns[name] = _copy_column(frame, name)
    return pd.DataFrame(
        {name: pd.Series(columns[name], index=frame.index, dtype=object) for name in names}
    )
