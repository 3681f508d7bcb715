"""Normalising and checking the identifiers on a person record (F2).

Pure functions, no database and no network. They are used when a person record is saved and,
later, when records from several agencies are compared to find the same person, so every
function accepts messy input (stray spaces, lower case, punctuation people type) and returns
one canonical form, or ``None`` when the value is not a valid identifier of that kind. None of
them raise on bad input, except the ``format_*`` display helpers, which are only for values
that are already known to be valid.

Covered here:

* UK postcodes (``normalise_postcode``, ``postcode_parts``, ``is_valid_postcode``);
* National Insurance numbers (``normalise_ni_number``, ``format_ni_number``,
  ``is_valid_ni_number``, ``is_example_ni_number``);
* NHS numbers (``normalise_nhs_number``, ``format_nhs_number``, ``is_valid_nhs_number``);
* dates as people write them (``parse_date``) and the day/month swap that is a common keying
  error (``date_swaps``).

Only ASCII letters and digits are accepted inside identifiers: look-alike characters such as
full-width digits or the Kelvin sign are rejected rather than folded, so that what is stored is
exactly what was checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "PostcodeParts",
    "date_swaps",
    "format_nhs_number",
    "format_ni_number",
    "is_example_ni_number",
    "is_valid_nhs_number",
    "is_valid_ni_number",
    "is_valid_postcode",
    "normalise_nhs_number",
    "normalise_ni_number",
    "normalise_postcode",
    "parse_date",
    "postcode_parts",
]

# Nothing valid here is longer than a date with generous padding; longer input is rejected
# before any other work is done.
_MAX_INPUT_LENGTH = 64

_WHITESPACE = re.compile(r"\s+")


def _too_long(value: str) -> bool:
    return len(value) > _MAX_INPUT_LENGTH


# --- Postcodes -------------------------------------------------------------------------------

# The usual UK postcode pattern (as published with the BS 7666 schema), applied to a postcode
# with its spaces removed and in upper case. Letter rules:
#   position 1: any letter but Q, V, X;
#   position 2 (when a letter): any letter but I, J, Z;
#   position 3 in A9A outward codes: A B C D E F G H J K P S T U W;
#   position 4 in AA9A outward codes: A B E H M N P R V W X Y;
#   inward code: a digit, then two letters that are not C, I, K, M, O, V.
# So the fictional demonstration area "NV" (N first, V second) is accepted: "NV1 4AB".
_OUTWARD = (
    r"(?:"
    r"[A-PR-UWYZ][0-9]{1,2}"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"  # AA9A
    r")"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"(?P<outward>{_OUTWARD}|GIR)(?P<inward>{_INWARD})")
_GIR_INWARD = "0AA"  # "GIR" is only ever followed by "0AA" (the one Girobank postcode)


@dataclass(frozen=True, slots=True)
class PostcodeParts:
    """A valid postcode split into the levels at which two addresses can be compared.

    For "NV1 4AB": ``area`` "NV", ``district`` "NV1", ``sector`` "NV1 4" and ``unit``
    "NV1 4AB" (the whole normalised postcode). Each level contains the next, so two
    postcodes that share a sector also share a district and an area. For the special
    "GIR 0AA", the area and district are both "GIR".
    """

    area: str
    district: str
    sector: str
    unit: str


def normalise_postcode(value: str) -> str | None:
    """Return ``value`` as a UK postcode in canonical form, or ``None`` if it is not one.

    All whitespace is removed, letters are upper-cased and exactly one space is put before
    the three-character inward code: "sw1a1aa" → "SW1A 1AA", " nv1  4ab " → "NV1 4AB".
    The shapes A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA and AA9A 9AA are accepted with the
    usual letter restrictions (see ``_POSTCODE``), and so is the special "GIR 0AA". Only the
    shape is checked: a postcode that has the right shape but was never issued is accepted.
    The result is a fixed point: normalising it again returns it unchanged.
    """
    if _too_long(value):
        return None
    compact = _WHITESPACE.sub("", value)
    if not compact.isascii():
        return None
    compact = compact.upper()
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        return None
    outward, inward = match.group("outward"), match.group("inward")
    if outward == "GIR" and inward != _GIR_INWARD:
        return None
    return f"{outward} {inward}"


def is_valid_postcode(value: str) -> bool:
    """Return whether ``value`` normalises to a UK postcode (see ``normalise_postcode``)."""
    return normalise_postcode(value) is not None


def postcode_parts(postcode: str) -> PostcodeParts | None:
    """Split a postcode into area, district, sector and unit, or return ``None`` if invalid.

    The input is normalised first, so "nv14ab" gives the same parts as "NV1 4AB". The area is
    the leading letters of the outward code ("NV", "SW", "B"); the district is the whole
    outward code ("NV1", "SW1A"); the sector is the district, a space and the inward digit
    ("NV1 4"); the unit is the whole normalised postcode.
    """
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None
    outward, inward = normalised.split(" ")
    area = re.match(r"[A-Z]+", outward)
    assert area is not None  # every outward code starts with a letter
    return PostcodeParts(
        area=area.group(0),
        district=outward,
        sector=f"{outward} {inward[0]}",
        unit=normalised,
    )


# --- National Insurance numbers --------------------------------------------------------------

# HMRC's rules: two prefix letters, six digits and an optional suffix A to D. The first letter is
# not D, F, I, Q, U or V; the second is not D, F, I, O, Q, U or V; the prefixes BG, GB, KN,
# NK, NT, TN and ZZ are not allocated. The one exception is HMRC's documentation prefix "QQ",
# which breaks both letter rules on purpose so that it can never be a real number; it is
# accepted (see ``normalise_ni_number``).
_NI_NUMBER = re.compile(
    r"(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)(?P<digits>[0-9]{6})(?P<suffix>[A-D]?)"
)
_NI_UNALLOCATED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI_EXAMPLE_PREFIX = "QQ"


def normalise_ni_number(value: str) -> str | None:
    """Return ``value`` as a National Insurance number in canonical form, or ``None``.

    Whitespace is removed and letters are upper-cased: "qq 12 34 56 c" → "QQ123456C". The
    number must follow HMRC's rules (see ``_NI_NUMBER``); otherwise ``None`` is returned.

    The suffix letter (A to D) is kept when it is given. A number written without its suffix is
    still valid and is returned as the eight-character prefix-and-digits form ("QQ123456"):
    the suffix is not needed to identify a person, and it is often left off on forms. When
    comparing two numbers for matching, compare the first eight characters so that a number
    with and without its suffix are treated as the same.

    HMRC's example prefix "QQ" (used in guidance and test data, never issued) is accepted so
    that documented examples and fixtures work; use ``is_example_ni_number`` to find and
    exclude such numbers where it matters, for example in record matching.
    """
    if _too_long(value):
        return None
    compact = _WHITESPACE.sub("", value)
    if not compact.isascii():
        return None
    compact = compact.upper()
    match = _NI_NUMBER.fullmatch(compact)
    if match is None or match.group("prefix") in _NI_UNALLOCATED_PREFIXES:
        return None
    return compact


def is_valid_ni_number(value: str) -> bool:
    """Return whether ``value`` normalises to a National Insurance number.

    Numbers with HMRC's example prefix "QQ" count as valid; see ``is_example_ni_number``.
    """
    return normalise_ni_number(value) is not None


def is_example_ni_number(value: str) -> bool:
    """Return whether ``value`` is a valid National Insurance number with HMRC's "QQ" prefix.

    Such numbers appear in HMRC guidance and in test data but are never issued to anyone, so
    they should not be used to link two records. Returns ``False`` for invalid input.
    """
    normalised = normalise_ni_number(value)
    return normalised is not None and normalised.startswith(_NI_EXAMPLE_PREFIX)


def format_ni_number(value: str) -> str:
    """Return a National Insurance number spaced for display: "QQ123456C" → "QQ 12 34 56 C".

    Any accepted input form may be given; it is normalised first. A number without its suffix
    is shown without one ("QQ 12 34 56"). Raises ``ValueError`` if ``value`` is not a valid
    National Insurance number, since there is nothing sensible to display.
    """
    normalised = normalise_ni_number(value)
    if normalised is None:
        raise ValueError("Not a valid National Insurance number.")
    groups = [normalised[0:2], normalised[2:4], normalised[4:6], normalised[6:8]]
    if len(normalised) == 9:
        groups.append(normalised[8])
    return " ".join(groups)


# --- NHS numbers -----------------------------------------------------------------------------

_NHS_SEPARATORS = re.compile(r"[\s-]+")
_NHS_DIGITS = re.compile(r"[0-9]{10}")


def _nhs_check_digit(first_nine: str) -> int | None:
    """Return the Modulus 11 check digit for nine digits, or ``None`` when it would be 10.

    Weights 10 down to 2 are applied to the nine digits; the check digit is 11 minus the
    remainder of the weighted sum divided by 11, with 11 becoming 0. A result of 10 means no
    NHS number can be made from those nine digits.
    """
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str | None:
    """Return ``value`` as a ten-digit NHS number, or ``None`` if it is not a valid one.

    Spaces and hyphens anywhere in the input are ignored ("943 476 5919", "943-476-5919");
    the result is ten digits with no separators. The last digit must be the Modulus 11 check
    digit of the first nine (see ``_nhs_check_digit``); numbers whose check digit would be 10
    are never issued and are rejected. Only the check digit is tested, not whether the number
    falls in an issued range.
    """
    if _too_long(value):
        return None
    digits = _NHS_SEPARATORS.sub("", value)
    if not _NHS_DIGITS.fullmatch(digits):
        return None
    if _nhs_check_digit(digits[:9]) != int(digits[9]):
        return None
    return digits


def is_valid_nhs_number(value: str) -> bool:
    """Return whether ``value`` normalises to a valid NHS number (see ``normalise_nhs_number``)."""
    return normalise_nhs_number(value) is not None


def format_nhs_number(value: str) -> str:
    """Return an NHS number spaced 3-3-4 for display: "9434765919" → "943 476 5919".

    Any accepted input form may be given; it is normalised first. Raises ``ValueError`` if
    ``value`` is not a valid NHS number.
    """
    normalised = normalise_nhs_number(value)
    if normalised is None:
        raise ValueError("Not a valid NHS number.")
    return f"{normalised[:3]} {normalised[3:6]} {normalised[6:]}"


# --- Dates -----------------------------------------------------------------------------------

# Day-first forms with "/", "-" or "." (one or two digits for day and month, the same
# separator twice), ISO 8601 "YYYY-MM-DD" and compact "YYYYMMDD". Years are always four
# digits, so nothing here guesses a century.
_DAY_FIRST = re.compile(
    r"(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})(?P=sep)(?P<year>[0-9]{4})"
)
_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_COMPACT = re.compile(r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})")


def parse_date(value: str) -> date | None:
    """Return the date written in ``value``, or ``None`` if it is not a real date.

    Accepted, after trimming surrounding whitespace:

    * ISO 8601 "2024-03-05";
    * day first with "/" ("05/03/2024", "5/3/2024"), "-" ("05-03-2024") or "." ("05.03.2024"),
      with one or two digits for day and month and the same separator used twice;
    * compact "20240305" (year, month, day).

    Day-first forms are always read as day then month (the UK order), never as US
    month-first. The date must exist ("31/02/2024" → ``None``) and the year must be four digits
    from 0001 to 9999.
    """
    if _too_long(value):
        return None
    text = value.strip()
    for pattern in (_ISO, _DAY_FIRST, _COMPACT):
        match = pattern.fullmatch(text)
        if match is not None:
            try:
                return date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                return None
    return None


def date_swaps(d: date) -> list[date]:
    """Return the dates that ``d`` could be if its day and month were keyed the wrong way round.

    That is ``[d with day and month exchanged]`` when that is a real date different from ``d``
    (both day and month are at most 12 and they differ), and ``[]`` otherwise. ``d`` itself is
    never in the result. Used when looking for duplicate records whose dates of birth differ
    only by such a swap: 05/03/1990 ↔ 03/05/1990.
    """
    if d.day == d.month or d.day > 12:
        return []
    return [date(d.year, d.day, d.month)]
