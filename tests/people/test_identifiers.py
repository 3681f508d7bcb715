"""Postcodes, National Insurance numbers, NHS numbers and dates on the person record (F2)."""

from __future__ import annotations

import dataclasses
import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from joinedup.people.identifiers import (
    PostcodeParts,
    date_swaps,
    format_nhs_number,
    format_ni_number,
    is_example_ni_number,
    is_valid_nhs_number,
    is_valid_ni_number,
    is_valid_postcode,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_postcode,
    parse_date,
    postcode_parts,
)

HOSTILE_INPUTS = [
    "",
    " ",
    "\n\t",
    "x" * 5000,
    "1" * 5000,
    "<script>alert('x')</script>",
    '<b onmouseover="alert(1)">NV1 4AB</b>',
    "NV1 4AB; DROP TABLE people_person;--",
    "\x00",
]


# --- Postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" nv1  4ab ", "NV1 4AB"),
        ("NV1 4AB", "NV1 4AB"),
        ("nv14ab", "NV1 4AB"),
        ("NV8 9ZZ", "NV8 9ZZ"),
        ("nv1\t4ab", "NV1 4AB"),
        ("n v 1 4 a b", "NV1 4AB"),  # all whitespace goes, wherever it is
        ("NV1\u00a04AB", "NV1 4AB"),  # a non-breaking space pasted from a web page
        # each accepted shape
        ("M1 1AE", "M1 1AE"),  # A9 9AA
        ("B33 8TH", "B33 8TH"),  # A99 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A 9AA
        ("gir 0aa", "GIR 0AA"),  # the one special case
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_normalise_postcode_accepts_uk_shapes(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected
    assert is_valid_postcode(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        *HOSTILE_INPUTS,
        "NV1",  # outward code only
        "4AB",  # inward code only
        "NV1 4A",  # inward too short
        "NV1 4ABC",  # inward too long
        "NV123 4AB",  # outward too long
        "1V1 4AB",  # starts with a digit
        "NVA 4AB",  # no digit in the outward code
        "NV1 AAB",  # inward starts with a letter
        "QV1 4AB",  # Q is never first
        "VA1 4AB",  # V is never first
        "XA1 4AB",  # X is never first
        "Q1 1AA",  # ... in any shape
        "V12 1AA",
        "X1A 1AA",
        "QA1A 1AA",
        "XA11 1AA",
        "AI1 4AB",  # I is never second
        "AJ1 4AB",  # J is never second
        "AZ1 4AB",  # Z is never second
        "AI11 1AA",  # ... in any shape
        "AJ1A 1AA",
        "NV1 4CA",  # C, I, K, M, O, V never in the inward letters
        "NV1 4AI",
        "NV1 4KA",
        "NV1 4AM",
        "NV1 4OA",
        "NV1 4AV",
        "W1I 0AX",  # I is not a third letter in A9A
        "EC1C 1BB",  # C is not a fourth letter in AA9A
        "GIR 1AA",  # GIR only with 0AA
        "NV1-4AB",  # punctuation is not whitespace
        "NV1 4AB.",
        "ＮＶ１ ４ＡＢ",  # full-width look-alikes
        "\u212a1 1AA",  # the Kelvin sign, which upper-cases like K
        "ſW1A 1AA",  # the long s, which upper-cases to S
    ],
)
def test_normalise_postcode_rejects_invalid(raw: str) -> None:
    assert normalise_postcode(raw) is None
    assert is_valid_postcode(raw) is False


def test_postcode_parts_of_the_demo_area() -> None:
    assert postcode_parts(" nv1 4ab") == PostcodeParts(
        area="NV", district="NV1", sector="NV1 4", unit="NV1 4AB"
    )


@pytest.mark.parametrize(
    ("raw", "area", "district", "sector", "unit"),
    [
        ("M1 1AE", "M", "M1", "M1 1", "M1 1AE"),
        ("b338th", "B", "B33", "B33 8", "B33 8TH"),
        ("SW1A 1AA", "SW", "SW1A", "SW1A 1", "SW1A 1AA"),
        ("W1A 0AX", "W", "W1A", "W1A 0", "W1A 0AX"),
        ("DN55 1PT", "DN", "DN55", "DN55 1", "DN55 1PT"),
        ("GIR 0AA", "GIR", "GIR", "GIR 0", "GIR 0AA"),
    ],
)
def test_postcode_parts_levels(raw: str, area: str, district: str, sector: str, unit: str) -> None:
    assert postcode_parts(raw) == PostcodeParts(
        area=area, district=district, sector=sector, unit=unit
    )


@pytest.mark.parametrize("raw", ["", "NV1", "QV1 4AB", "x" * 5000, "<p>NV1 4AB</p>"])
def test_postcode_parts_of_invalid_postcode_is_none(raw: str) -> None:
    assert postcode_parts(raw) is None


def test_postcode_parts_is_frozen() -> None:
    parts = postcode_parts("NV1 4AB")
    assert parts is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        parts.area = "SW"  # type: ignore[misc]


def test_postcodes_compared_by_level() -> None:
    a, b, c = postcode_parts("NV1 4AB"), postcode_parts("NV1 4ZZ"), postcode_parts("NV2 4AB")
    assert a is not None and b is not None and c is not None
    assert a.sector == b.sector and a.unit != b.unit
    assert a.area == c.area and a.district != c.district


# An independent statement of the postcode rules, to generate valid postcodes from.
FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # not Q, V, X
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # not I, J, Z
THIRD_A9A = "ABCDEFGHJKPSTUW"
FOURTH_AA9A = "ABEHMNPRVWXY"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # not C, I, K, M, O, V
DIGITS = string.digits


@st.composite
def valid_postcodes(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]))
    outward = draw(st.sampled_from(FIRST))
    if shape.startswith("AA"):
        outward += draw(st.sampled_from(SECOND))
    outward += draw(st.sampled_from(DIGITS))
    if shape.endswith("99"):
        outward += draw(st.sampled_from(DIGITS))
    elif shape == "A9A":
        outward += draw(st.sampled_from(THIRD_A9A))
    elif shape == "AA9A":
        outward += draw(st.sampled_from(FOURTH_AA9A))
    inward = draw(st.sampled_from(DIGITS)) + "".join(
        draw(st.lists(st.sampled_from(INWARD_LETTERS), min_size=2, max_size=2))
    )
    return f"{outward} {inward}"


def _messy(draw: st.DrawFn, canonical: str) -> str:
    """The canonical value with random case and random whitespace between characters."""
    chars = [ch.lower() if draw(st.booleans()) else ch for ch in canonical.replace(" ", "")]
    gaps = draw(
        st.lists(
            st.sampled_from(["", "", " ", "  ", "\t"]),
            min_size=len(chars) + 1,
            max_size=len(chars) + 1,
        )
    )
    return "".join(gap + ch for gap, ch in zip(gaps, [*chars, ""], strict=True))


@given(st.data())
def test_every_valid_postcode_normalises_to_its_canonical_form(data: st.DataObject) -> None:
    canonical = data.draw(valid_postcodes())
    assert normalise_postcode(canonical) == canonical
    messy = _messy(data.draw, canonical)
    assert normalise_postcode(messy) == canonical


@given(st.one_of(st.text(max_size=20), valid_postcodes()))
def test_normalise_postcode_is_idempotent(value: str) -> None:
    result = normalise_postcode(value)
    if result is not None:
        assert normalise_postcode(result) == result
        assert result == result.upper().strip()
        assert result.count(" ") == 1
        assert len(result.split(" ")[1]) == 3


@given(valid_postcodes())
def test_postcode_parts_nest(postcode: str) -> None:
    parts = postcode_parts(postcode)
    assert parts is not None
    assert parts.unit == postcode
    assert parts.unit.startswith(parts.sector)
    assert parts.sector.startswith(parts.district + " ")
    assert parts.district.startswith(parts.area)
    assert parts.area.isalpha()


# --- National Insurance numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB123456C", "AB123456C"),
        ("ab 12 34 56 c", "AB123456C"),
        ("  AB 123456 D ", "AB123456D"),
        ("AB123456A", "AB123456A"),
        ("AB123456B", "AB123456B"),
        ("AB123456", "AB123456"),  # the suffix may be left off, and stays off
        ("ab 12 34 56", "AB123456"),
        ("QQ123456C", "QQ123456C"),  # HMRC's example prefix is accepted
        ("qq 12 34 56 c", "QQ123456C"),
        ("JZ000000A", "JZ000000A"),
        ("NA123456A", "NA123456A"),  # N is fine first; only the listed pairs are barred
        ("ZY999999D", "ZY999999D"),  # Z is fine first; ZZ is barred
        ("GA123456A", "GA123456A"),
        ("KA123456A", "KA123456A"),
        ("TA123456A", "TA123456A"),
    ],
)
def test_normalise_ni_number_accepts(raw: str, expected: str) -> None:
    assert normalise_ni_number(raw) == expected
    assert is_valid_ni_number(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        *HOSTILE_INPUTS,
        "BG123456A",  # prefixes that are not allocated
        "GB123456A",
        "KN123456A",
        "NK123456A",
        "NT123456A",
        "TN123456A",
        "ZZ123456A",
        "DA123456A",  # first letter D, F, I, Q, U, V
        "FA123456A",
        "IA123456A",
        "QA123456A",
        "UA123456A",
        "VA123456A",
        "AD123456A",  # second letter D, F, I, O, Q, U, V
        "AF123456A",
        "AI123456A",
        "AO123456A",
        "AQ123456A",
        "AU123456A",
        "AV123456A",
        "AB123456E",  # suffix only A to D
        "AB123456Z",
        "AB12345C",  # too few digits
        "AB1234567C",  # too many digits
        "A123456C",  # one prefix letter
        "ABC123456C",
        "AB123456CC",
        "123456789",
        "AB-12-34-56-C",  # only whitespace is removed
        "ＡＢ１２３４５６Ｃ",  # full-width look-alikes
    ],
)
def test_normalise_ni_number_rejects(raw: str) -> None:
    assert normalise_ni_number(raw) is None
    assert is_valid_ni_number(raw) is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("QQ123456C", True),
        ("qq 12 34 56", True),
        ("AB123456C", False),
        ("QQ12345", False),
        ("", False),
    ],
)
def test_is_example_ni_number(raw: str, expected: bool) -> None:
    assert is_example_ni_number(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("QQ123456C", "QQ 12 34 56 C"),
        ("qq 123 456 c", "QQ 12 34 56 C"),
        ("AB123456", "AB 12 34 56"),
    ],
)
def test_format_ni_number(raw: str, expected: str) -> None:
    assert format_ni_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "BG123456A", "<b>QQ123456C</b>"])
def test_format_ni_number_refuses_invalid(raw: str) -> None:
    with pytest.raises(ValueError, match="National Insurance"):
        format_ni_number(raw)


NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # not D, F, I, Q, U, V
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # not D, F, I, O, Q, U, V
NI_BARRED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@st.composite
def valid_ni_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(NI_FIRST)) + draw(st.sampled_from(NI_SECOND))
    assume(prefix not in NI_BARRED)
    digits = "".join(draw(st.lists(st.sampled_from(DIGITS), min_size=6, max_size=6)))
    suffix = draw(st.sampled_from(["", "A", "B", "C", "D"]))
    return prefix + digits + suffix


@given(st.data())
def test_valid_ni_numbers_normalise_and_format(data: st.DataObject) -> None:
    canonical = data.draw(valid_ni_numbers())
    assert normalise_ni_number(_messy(data.draw, canonical)) == canonical
    assert normalise_ni_number(format_ni_number(canonical)) == canonical
    assert is_example_ni_number(canonical) is False


@given(st.text(max_size=15))
def test_normalise_ni_number_is_idempotent(value: str) -> None:
    result = normalise_ni_number(value)
    if result is not None:
        assert normalise_ni_number(result) == result
        assert len(result) in (8, 9)


# --- NHS numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 943 - 476 - 5919 ", "9434765919"),
        ("4010232137", "4010232137"),
        ("9990000018", "9990000018"),
        ("1000000060", "1000000060"),  # remainder 0: check digit 11 becomes 0
    ],
)
def test_normalise_nhs_number_accepts(raw: str, expected: str) -> None:
    assert normalise_nhs_number(raw) == expected
    assert is_valid_nhs_number(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        *HOSTILE_INPUTS,
        "9434765918",  # wrong check digit
        "9434765910",
        "4334765919",  # a transposition of the first two digits
        "1000000010",  # nine digits whose check digit would be 10: never issued
        "1000000011",
        "1234567890",
        "1000000061",  # check digit should be 0
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943.476.5919",  # only spaces and hyphens are ignored
        "943/476/5919",
        "94347659I9",  # a letter I for a one
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits
        "９４３４７６５９１９",  # full-width digits
    ],
)
def test_normalise_nhs_number_rejects(raw: str) -> None:
    assert normalise_nhs_number(raw) is None
    assert is_valid_nhs_number(raw) is False


def test_format_nhs_number() -> None:
    assert format_nhs_number("9434765919") == "943 476 5919"
    assert format_nhs_number("943-476-5919") == "943 476 5919"


@pytest.mark.parametrize("raw", ["", "9434765918", "1000000010"])
def test_format_nhs_number_refuses_invalid(raw: str) -> None:
    with pytest.raises(ValueError, match="NHS number"):
        format_nhs_number(raw)


def _check_digit(first_nine: str) -> int:
    """The Modulus 11 check digit, computed independently of the code under test (10 = none)."""
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11
    return (11 - remainder) % 11


@given(st.text(alphabet=DIGITS, min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_nhs_check_digit_property(first_nine: str, position: int, delta: int) -> None:
    check = _check_digit(first_nine)
    if check == 10:
        for last in DIGITS:
            assert normalise_nhs_number(first_nine + last) is None
        return
    number = first_nine + str(check)
    assert normalise_nhs_number(number) == number
    assert format_nhs_number(number).replace(" ", "") == number
    # Changing any single digit to any other digit is always caught.
    changed = str((int(number[position]) + delta) % 10)
    mutated = number[:position] + changed + number[position + 1 :]
    assert normalise_nhs_number(mutated) is None


# --- Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("05/03/2024", date(2024, 3, 5)),  # day first, never US month first
        ("5/3/2024", date(2024, 3, 5)),
        ("05-03-2024", date(2024, 3, 5)),
        ("05.03.2024", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("  5/3/2024\n", date(2024, 3, 5)),
        ("29/02/2024", date(2024, 2, 29)),  # a leap day
        ("31/12/1999", date(1999, 12, 31)),
        ("01/01/0001", date(1, 1, 1)),
        ("9999-12-31", date(9999, 12, 31)),
    ],
)
def test_parse_date_accepts(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        *HOSTILE_INPUTS,
        "31/02/2024",  # no such day
        "29/02/2023",  # not a leap year
        "00/01/2024",
        "01/13/2024",  # no month 13: US order is not guessed
        "2024-02-30",
        "2024-13-01",
        "20241301",
        "00000101",  # year 0
        "05/03/24",  # two-digit years are not guessed
        "05/03-2024",  # mixed separators
        "2024/03/05",  # year first only in ISO form
        "2024-3-5",  # ISO needs two-digit month and day
        "5 March 2024",
        "005/03/2024",
        "2024030",
        "202403050",
        "05/03/2024 12:00",
        "٠٥/٠٣/٢٠٢٤",  # Arabic-Indic digits
    ],
)
def test_parse_date_rejects(raw: str) -> None:
    assert parse_date(raw) is None


DATE_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
    lambda d: f"{d.day}/{d.month}/{d.year:04d}",
    lambda d: f"{d.day:02d}-{d.month:02d}-{d.year:04d}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}",
    lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
]


@given(st.dates(), st.sampled_from(DATE_FORMATS))
def test_parse_date_round_trips_each_format(d: date, fmt: object) -> None:
    assert callable(fmt)
    assert parse_date(fmt(d)) == d


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(1990, 3, 5), [date(1990, 5, 3)]),
        (date(1990, 12, 1), [date(1990, 1, 12)]),
        (date(2001, 1, 12), [date(2001, 12, 1)]),
        (date(1990, 5, 5), []),  # swapping gives the same date
        (date(1990, 3, 13), []),  # there is no month 13
        (date(1990, 2, 28), []),
        (date(2024, 12, 31), []),
    ],
)
def test_date_swaps(d: date, expected: list[date]) -> None:
    assert date_swaps(d) == expected


@given(st.dates())
def test_date_swaps_properties(d: date) -> None:
    swaps = date_swaps(d)
    assert d not in swaps
    assert len(swaps) <= 1
    for swapped in swaps:
        assert (swapped.year, swapped.month, swapped.day) == (d.year, d.day, d.month)
        assert date_swaps(swapped) == [d]  # swapping back gives the original
    if d.day <= 12 and d.day != d.month:
        assert swaps  # every possible swap is found
