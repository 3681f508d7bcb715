"""SEC-29: CSV exports neutralise spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from joinedup.core.csv_export import csv_response, csv_text, safe_cell


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+44 1234",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_each_dangerous_leading_character_is_neutralised(dangerous: str) -> None:
    assert safe_cell(dangerous) == "'" + dangerous
    assert _read(csv_text([["name"], [dangerous]]))[1] == ["'" + dangerous]


def test_ordinary_text_is_left_alone() -> None:
    assert safe_cell("Northvale Borough Council") == "Northvale Borough Council"
    assert safe_cell("a = b") == "a = b"
    assert safe_cell("[c]") == "[c]"


def test_numbers_written_as_numbers_are_not_text() -> None:
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("-2.5")) == Decimal("-2.5")
    assert safe_cell(-0.25) == -0.25
    assert _read(csv_text([[-5, Decimal("-2.5")]])) == [["-5", "-2.5"]]


def test_a_negative_number_written_as_text_is_neutralised() -> None:
    assert safe_cell("-5") == "'-5"


def test_empty_booleans_and_dates() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(True) == "Yes"
    assert safe_cell(False) == "No"
    assert safe_cell(date(2026, 4, 1)) == "2026-04-01"


def test_quotes_and_new_lines_stay_in_one_cell() -> None:
    rows = _read(csv_text([['He said "hi"\n=1+1', "x"]]))
    assert rows == [['He said "hi"\n=1+1', "x"]]


def test_download_response() -> None:
    response = csv_response(filename="../public dashboard.csv", rows=[["a"], ["=1"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="public-dashboard.csv"'
    assert response.content.decode() == "a\r\n'=1\r\n"
