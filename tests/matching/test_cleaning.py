"""Cleaning agencies' records before linkage (issue 6, multi-agency record matching)."""

from __future__ import annotations

import csv
import datetime
import itertools
import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.matching.cleaning import (
    CLEAN_COLUMNS,
    STANDARD_FIELDS,
    clean_frame,
    parse_date,
    postcode_levels,
)
from joinedup.people.identifiers import _nhs_check_digit, is_valid_nhs_number
from joinedup.people.names import NICKNAMES_PATH, names_match, normalise_name, soundex


def clean_one(**fields: Any) -> dict[str, Any]:
    """Clean one record with the given raw fields and return its cleaned row."""
    frame = pd.DataFrame([{"unique_id": "r1", "source": "test", **fields}], dtype=object)
    row: dict[str, Any] = clean_frame(frame).iloc[0].to_dict()
    return row


def valid_nhs_number(first_nine: str) -> str:
    check = _nhs_check_digit(first_nine)
    assert check is not None
    return first_nine + str(check)


# --- The shape of the result -----------------------------------------------------------------


def test_columns_are_in_order_and_missing_input_columns_give_none() -> None:
    frame = pd.DataFrame({"unique_id": ["a", "b"], "source": ["dwp", "nhs"]})
    result = clean_frame(frame)
    assert tuple(result.columns) == CLEAN_COLUMNS
    assert CLEAN_COLUMNS[:2] == ("unique_id", "source")
    assert result["unique_id"].tolist() == ["a", "b"]
    assert result["source"].tolist() == ["dwp", "nhs"]
    for column in CLEAN_COLUMNS[2:]:
        assert result[column].tolist() == [None, None], column


def test_every_column_is_object_dtype_with_none_not_nan() -> None:
    frame = pd.DataFrame(
        {
            "unique_id": ["a", "b", "c"],
            "source": ["x", "x", "x"],
            **{field: ["", None, np.nan] for field in STANDARD_FIELDS},
        }
    )
    result = clean_frame(frame)
    assert set(result.dtypes) == {np.dtype(object)}
    for column in CLEAN_COLUMNS[2:]:
        assert result[column].tolist() == [None, None, None], column


def test_result_is_a_new_frame_with_the_same_index_and_the_input_unchanged() -> None:
    frame = pd.DataFrame(
        {"unique_id": ["a", "b"], "source": ["x", "y"], "first_name": ["Bill", "JO"]},
        index=[10, 20],
    )
    before = frame.copy()
    result = clean_frame(frame)
    assert result is not frame
    assert list(result.index) == [10, 20]
    pd.testing.assert_frame_equal(frame, before)


def test_an_empty_frame_gives_an_empty_result() -> None:
    result = clean_frame(pd.DataFrame({"unique_id": [], "source": []}))
    assert tuple(result.columns) == CLEAN_COLUMNS
    assert len(result) == 0


def test_ids_and_sources_are_copied_as_text() -> None:
    frame = pd.DataFrame({"unique_id": [1, 2], "source": ["dwp", None]}, dtype=object)
    result = clean_frame(frame)
    assert result["unique_id"].tolist() == ["1", "2"]
    assert result["source"].tolist() == ["dwp", None]


def test_duckdb_reads_missing_values_as_null() -> None:
    result = clean_frame(
        pd.DataFrame({"unique_id": ["a", "b"], "source": ["x", "x"], "surname": ["Smith", None]})
    )
    connection = duckdb.connect()
    connection.register("clean", result)
    nulls = connection.execute(
        "select count(*) filter (where surname is null), "
        "count(*) filter (where postcode is null) from clean"
    ).fetchone()
    assert nulls == (1, 2)


# --- Names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Bill", "billy", "WILL", "Willie", "Liam", "William"])
def test_nicknames_share_the_formal_name_as_alias(name: str) -> None:
    assert clean_one(first_name=name)["first_name_alias"] == "william"


def test_different_groups_have_different_aliases() -> None:
    assert clean_one(first_name="Bob")["first_name_alias"] == "robert"
    assert clean_one(first_name="Robert")["first_name_alias"] == "robert"
    assert clean_one(first_name="Peggy")["first_name_alias"] == "margaret"


def test_a_name_in_no_group_has_no_alias() -> None:
    row = clean_one(first_name="Zebedee")
    assert row["first_name"] == "zebedee"
    assert row["first_name_alias"] is None


def test_a_nickname_in_several_groups_takes_the_first_group_in_the_file() -> None:
    # "ed" is in edward, edmund and edwin; edward comes first in the file.
    assert clean_one(first_name="Ed")["first_name_alias"] == "edward"
    assert clean_one(first_name="Edmund")["first_name_alias"] == "edmund"
    # A formal name is never another group's alias, though they share "alex".
    assert clean_one(first_name="Alexandra")["first_name_alias"] == "alexandra"


def test_names_with_the_same_alias_always_match_by_the_project_rules() -> None:
    with NICKNAMES_PATH.open(encoding="utf-8", newline="") as handle:
        names = sorted(
            {normalise_name(cell) for row in list(csv.reader(handle))[1:] for cell in row}
        )
    frame = pd.DataFrame({"unique_id": names, "source": "csv", "first_name": names})
    result = clean_frame(frame)
    assert result["first_name_alias"].notna().all()
    for _alias, group in result.groupby("first_name_alias")["first_name"]:
        for a, b in itertools.combinations(group, 2):
            assert names_match(a, b), (a, b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zoë", "zoe"),
        ("SEÁN", "sean"),
        ("Søren", "soren"),
        ("  mary ann ", "mary"),  # only the first given name
        ("Mary-Jane", "mary"),  # a hyphen separates given names
        ("Mr John", "john"),  # a leading title is dropped
        ("J.", "j"),
        ("D'Arcy", "darcy"),
    ],
)
def test_first_name_is_normalised(raw: str, expected: str) -> None:
    assert clean_one(first_name=raw)["first_name"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Smith-Jones", "smithjones"),
        ("Smith Jones", "smithjones"),
        ("SmithJones", "smithjones"),
        ("O'Brien", "obrien"),
        ("Müller", "muller"),
        ("van der Berg", "vanderberg"),
    ],
)
def test_surname_is_normalised_as_one_word(raw: str, expected: str) -> None:
    row = clean_one(surname=raw)
    assert row["surname"] == expected
    assert row["surname_soundex"] == soundex(expected)


def test_a_surname_without_latin_letters_has_no_soundex() -> None:
    row = clean_one(surname="Иванов")
    assert row["surname"] == "иванов"
    assert row["surname_soundex"] is None


# --- Dates of birth --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1990-03-05",
        "05/03/1990",
        "5/3/1990",
        "05-03-1990",
        "05.03.1990",
        "19900305",
        " 05/03/1990 ",
        "1990-03-05 00:00:00",
        "1990-03-05T00:00:00",
        19900305,
        19900305.0,
        datetime.date(1990, 3, 5),
        pd.Timestamp("1990-03-05"),
    ],
)
def test_dates_in_the_common_forms_become_iso(raw: object) -> None:
    row = clean_one(date_of_birth=raw)
    assert row["date_of_birth"] == "1990-03-05"
    assert row["date_of_birth_swapped"] == "1990-05-03"


@pytest.mark.parametrize(
    ("raw", "swapped"),
    [
        ("05/03/1990", "1990-05-03"),
        ("12/01/2001", "2001-12-01"),
        ("13/03/1990", None),  # 13 cannot be a month
        ("05/05/1990", None),  # swapping changes nothing
        ("31/12/1990", None),
    ],
)
def test_swapped_date_is_given_when_day_and_month_could_be_transposed(
    raw: str, swapped: str | None
) -> None:
    assert clean_one(date_of_birth=raw)["date_of_birth_swapped"] == swapped


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("31/02/1990", "31/02/1990"),  # not a real date
        ("1990-13-01", "1990-13-01"),
        ("  sometime in 1990 ", "sometime in 1990"),
        ("05/03/90", "05/03/90"),  # two-digit year: the century is not guessed
        ("5/3/90", "5/3/90"),
        ("900305", "900305"),
        ("03/05-1990", "03/05-1990"),  # mixed separators
    ],
)
def test_dates_that_cannot_be_read_are_kept_as_text(raw: str, kept: str) -> None:
    row = clean_one(date_of_birth=raw)
    assert row["date_of_birth"] == kept
    assert row["date_of_birth_swapped"] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/03/1990", ("1990-03-05", True)),
        ("19900305", ("1990-03-05", True)),
        ("1990-03-05 00:00:00", ("1990-03-05", True)),
        ("05/03/90", ("05/03/90", False)),
        (" 31/02/1990 ", ("31/02/1990", False)),
        ("", (None, False)),
        ("   ", (None, False)),
        ("unknown", (None, False)),
        (None, (None, False)),
    ],
)
def test_parse_date(raw: str | None, expected: tuple[str | None, bool]) -> None:
    assert parse_date(raw) == expected


# --- Sex -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "M"),
        ("male", "M"),
        (" Man ", "M"),
        ("1", "M"),
        (1, "M"),
        ("f", "F"),
        ("FEMALE", "F"),
        ("woman", "F"),
        ("2", "F"),
        ("F.", "F"),
        ("U", None),
        ("Not known", None),
        ("not_stated", None),
        ("prefer not to say", None),
        ("0", None),
        ("x", "X"),
        ("9", "9"),
        ("non  binary", "NON BINARY"),
    ],
)
def test_sex_is_mapped(raw: object, expected: str | None) -> None:
    assert clean_one(sex=raw)["sex"] == expected


# --- Postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["nv14ab", "NV1 4AB", " nv1  4ab "])
def test_a_valid_postcode_is_normalised_with_its_levels(raw: str) -> None:
    row = clean_one(postcode=raw)
    assert row["postcode"] == "NV1 4AB"
    assert row["postcode_area"] == "NV"
    assert row["postcode_district"] == "NV1"
    assert row["postcode_sector"] == "NV1 4"


def test_levels_of_a_longer_postcode() -> None:
    row = clean_one(postcode="sw1a1aa")
    assert (row["postcode"], row["postcode_area"], row["postcode_district"]) == (
        "SW1A 1AA",
        "SW",
        "SW1A",
    )
    assert row["postcode_sector"] == "SW1A 1"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("not a  postcode", "NOT A POSTCODE"),
        ("QV1 4AB", "QV1 4AB"),  # Q never starts a postcode
        ("NV1", "NV1"),  # outward code only
        ("75001", "75001"),  # a French one
    ],
)
def test_an_invalid_postcode_is_kept_as_text_with_no_levels(raw: str, kept: str) -> None:
    row = clean_one(postcode=raw)
    assert row["postcode"] == kept
    assert row["postcode_area"] is None
    assert row["postcode_district"] is None
    assert row["postcode_sector"] is None


def test_postcode_levels() -> None:
    assert postcode_levels("nv14ab") == ("NV", "NV1", "NV1 4")
    assert postcode_levels("GIR 0AA") == ("GIR", "GIR", "GIR 0")
    assert postcode_levels("nonsense") == (None, None, None)
    assert postcode_levels("") == (None, None, None)
    assert postcode_levels(None) == (None, None, None)


# --- Addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "address", "number"),
    [
        ("12 High St.", "12 high street", "12"),
        ("12, HIGH STREET", "12 high street", "12"),
        ("Flat 3, 12 Station Rd", "flat 3 12 station road", "3"),
        ("Apt 4b, 7 Park Ave", "apartment 4b 7 park avenue", "4b"),
        ("12a Church Ln", "12a church lane", "12a"),
        ("12 St Mary's Ct", "12 saint marys court", "12"),
        ("St John's Close", "saint johns close", None),
        ("Station Rd St Ives", "station road saint ives", None),
        ("Church St, St Albans", "church street saint albans", None),
        ("St Mary's Ct, St Albans", "saint marys court saint albans", None),
        ("Flat 2\nSt Mary's Ct\r\nLeeds", "flat 2 saint marys court leeds", "2"),
        ("1 Albert St Leeds", "1 albert street leeds", "1"),
        ("1st Floor, Rose Cotts", "1st floor rose cottages", None),  # ordinals are not numbers
        ("12-14 Lower Gdns", "12 14 lower gardens", "12"),
        ("Rue de l'Église", "rue de leglise", None),
    ],
)
def test_address_is_normalised_and_its_number_found(
    raw: str, address: str, number: str | None
) -> None:
    row = clean_one(address=raw)
    assert row["address"] == address
    assert row["address_number"] == number


def test_an_address_of_punctuation_is_missing() -> None:
    row = clean_one(address=" ,.; ")
    assert row["address"] is None
    assert row["address_number"] is None


# --- Identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345", "12345"),
        ("12345.0", "12345"),
        (12345.0, "12345"),
        (12345, "12345"),
        ("000012345", "12345"),
        (" 100 023 336 956 ", "100023336956"),
        ("0000", None),  # a placeholder, not a UPRN
        ("UPRN 12", "UPRN 12"),
        ("12345.5", "12345.5"),
    ],
)
def test_uprn(raw: object, expected: str | None) -> None:
    assert clean_one(uprn=raw)["uprn"] == expected


def test_a_numeric_uprn_column_from_read_csv() -> None:
    frame = pd.DataFrame(
        {"unique_id": ["a", "b"], "source": ["x", "x"], "uprn": [100023336956.0, np.nan]}
    )
    assert clean_frame(frame)["uprn"].tolist() == ["100023336956", None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("QQ123456C", "QQ123456"),  # the suffix letter is dropped
        ("qq 12 34 56 c", "QQ123456"),
        ("AB123456", "AB123456"),
        ("ab 12 34 56 d", "AB123456"),
        ("DA123456A", "DA123456A"),  # D never starts one: kept as text
        ("GB123456A", "GB123456A"),  # not allocated
        ("qq 12 34 5", "QQ12345"),
        ("not given", "NOTGIVEN"),
    ],
)
def test_ni_number(raw: str, expected: str) -> None:
    assert clean_one(ni_number=raw)["ni_number"] == expected


def test_nhs_number() -> None:
    valid = valid_nhs_number("943476591")
    assert valid == "9434765919"
    assert clean_one(nhs_number="943 476 5919")["nhs_number"] == valid
    assert clean_one(nhs_number="943-476-5919")["nhs_number"] == valid
    assert clean_one(nhs_number=9434765919.0)["nhs_number"] == valid
    other = valid_nhs_number("401023213")
    assert is_valid_nhs_number(other)
    assert clean_one(nhs_number=other)["nhs_number"] == other


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("943 476 5918", "9434765918"),  # wrong check digit: kept, separators removed
        ("12345", None),
        ("NHS 943 476 5919", "NHS 943 476 5919"),
    ],
)
def test_an_invalid_nhs_number_is_kept_as_text(raw: str, kept: str) -> None:
    assert not is_valid_nhs_number(raw)
    assert clean_one(nhs_number=raw)["nhs_number"] == kept


# --- Contact details -------------------------------------------------------------------------


def test_email_is_lower_case() -> None:
    assert clean_one(email="  Jane.Smith@Example.ORG ")["email"] == "jane.smith@example.org"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+44 (0)7700 900123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("(01632) 960-001", "01632960001"),
        (7700900123, "07700900123"),  # a spreadsheet dropped the leading zero
        ("+33 1 23 45 67 89", "33123456789"),
        ("none given", None),
    ],
)
def test_phone(raw: object, expected: str | None) -> None:
    assert clean_one(phone=raw)["phone"] == expected


# --- Anything at all -------------------------------------------------------------------------


@pytest.mark.parametrize("placeholder", ["NULL", "None", "nan", "N/A", "#N/A", "Unknown", "-"])
def test_placeholders_are_missing(placeholder: str) -> None:
    row = clean_one(**dict.fromkeys(STANDARD_FIELDS, placeholder))
    for column in CLEAN_COLUMNS[2:]:
        assert row[column] is None, column


def test_garbage_rows_do_not_crash_and_give_none() -> None:
    garbage: list[object] = [None, np.nan, float("inf"), "", "   ", "😀", "\x00", "'-."]
    frame = pd.DataFrame(
        [
            {"unique_id": f"g{i}", "source": "junk", **dict.fromkeys(STANDARD_FIELDS, value)}
            for i, value in enumerate(garbage)
        ],
        dtype=object,
    )
    result = clean_frame(frame)
    for column in ("first_name", "first_name_alias", "surname", "surname_soundex", "phone"):
        assert result[column].tolist() == [None] * len(garbage), column
    # Text that is not a valid value is kept where the field keeps text (the emoji postcode).
    assert result["postcode"].tolist()[:5] == [None] * 5
    assert result["postcode_area"].tolist() == [None] * len(garbage)


def test_numbers_and_odd_objects_do_not_crash() -> None:
    values: list[object] = [12, 3.5, True, -0.0, 10**30, b"bytes", ("a", 1), pd.NA, pd.NaT]
    frame = pd.DataFrame(
        [
            {"unique_id": i, "source": "junk", **dict.fromkeys(STANDARD_FIELDS, value)}
            for i, value in enumerate(values)
        ],
        dtype=object,
    )
    result = clean_frame(frame)
    assert_str_or_none(result)
    assert result.loc[0, "uprn"] == "12"
    assert result.loc[1, "date_of_birth"] == "3.5"


def test_very_long_and_control_character_text_is_bounded_and_writable() -> None:
    row = clean_one(
        address="12 High Street " * 10_000,
        surname="x" * 100_000,
        postcode="line1\nline2\x00",
        email="\ud800@example.org",  # a lone surrogate cannot be written as UTF-8
    )
    assert row["address"] is not None and len(row["address"]) <= 500
    assert row["surname"] == "x" * 200
    assert row["postcode"] == "LINE1 LINE2"
    row["email"].encode("utf-8")


@pytest.mark.parametrize(
    "dtype", ["object", "str", "string", "string[pyarrow]", "category"], ids=str
)
def test_any_text_dtype_is_accepted(dtype: str) -> None:
    frame = pd.DataFrame(
        {
            "unique_id": ["a", "b", "c"],
            "source": ["x", "x", "x"],
            "first_name": ["Bill", None, "Bill"],
            "postcode": ["nv14ab", None, "bad"],
        }
    ).astype(dtype)
    result = clean_frame(frame)
    assert result["first_name_alias"].tolist() == ["william", None, "william"]
    assert result["postcode"].tolist() == ["NV1 4AB", None, "BAD"]
    assert set(result.dtypes) == {np.dtype(object)}


def assert_str_or_none(result: pd.DataFrame) -> None:
    assert tuple(result.columns) == CLEAN_COLUMNS
    for column in CLEAN_COLUMNS:
        for value in result[column]:
            assert value is None or isinstance(value, str), (column, value)
            if isinstance(value, str):
                value.encode("utf-8")


_ANY_VALUE = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet="0123456789/-. ", max_size=12),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(dict.fromkeys(STANDARD_FIELDS, _ANY_VALUE)),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.text(max_size=30), min_size=8, max_size=8),
)
def test_clean_frame_never_raises_and_returns_str_or_none(
    records: list[dict[str, object]], texts: list[str]
) -> None:
    frame = pd.DataFrame(
        [{"unique_id": f"r{i}", "source": "s", **record} for i, record in enumerate(records)],
        dtype=object,
    )
    result = clean_frame(frame)
    assert len(result) == len(records)
    assert_str_or_none(result)
    # Plain text in every field, as a CSV reader would give it.
    text_frame = pd.DataFrame(
        {"unique_id": [f"t{i}" for i in range(8)], "source": "s"}
        | dict.fromkeys(STANDARD_FIELDS, texts)
    )
    assert_str_or_none(clean_frame(text_frame))


@given(st.one_of(st.none(), st.text(max_size=30)))
def test_parse_date_never_raises(value: str | None) -> None:
    text, parsed = parse_date(value)
    assert text is None or isinstance(text, str)
    if parsed:
        assert text is not None
        datetime.date.fromisoformat(text)


def test_infinite_and_nan_floats_are_missing() -> None:
    assert clean_one(uprn=math.inf)["uprn"] is None
    assert clean_one(uprn=-math.inf)["uprn"] is None
    assert clean_one(uprn=math.nan)["uprn"] is None


def test_ids_and_sources_are_not_tidied() -> None:
    frame = pd.DataFrame({"unique_id": [" a ", "unknown"], "source": ["NULL", " dwp"]})
    result = clean_frame(frame)
    assert result["unique_id"].tolist() == [" a ", "unknown"]
    assert result["source"].tolist() == ["NULL", " dwp"]


def test_nhs_placeholder_numbers_count_as_missing() -> None:
    import pandas as pd

    from joinedup.matching.cleaning import clean_frame

    frame = pd.DataFrame(
        {
            "unique_id": ["a", "b"],
            "source": ["health", "health"],
            "nhs_number": ["0000000000", "999 999 9999"],
        }
    )
    assert clean_frame(frame)["nhs_number"].tolist() == [None, None]
