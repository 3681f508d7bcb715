"""Importing indicator values: the tidy and Nomis shapes, periods, every bad row reported, a
whole file or nothing, re-loading recognised, and values replaced only by an explicit newer file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.accounts.roles import Role
from joinedup.core.actor import Actor
from joinedup.performance.models import Area, Indicator, IndicatorImport, IndicatorValue
from joinedup.performance.services.areas import ImportRejectedError
from joinedup.performance.services.indicators import (
    ReplaceNotConfirmedError,
    indicator_values_import,
    indicator_values_preview,
    parse_number,
    parse_period,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(process="test")


@pytest.fixture
def areas() -> dict[str, Area]:
    district = Area.objects.create(code="E08000099", name="Northvale", level=Area.Level.DISTRICT)
    central = Area.objects.create(
        code="E05000001", name="Central", level=Area.Level.WARD, parent=district
    )
    riverside = Area.objects.create(
        code="E05000002", name="Riverside", level=Area.Level.WARD, parent=district
    )
    return {"district": district, "central": central, "riverside": riverside}


@pytest.fixture
def claimant_count() -> Indicator:
    return Indicator.objects.get(code="claimant-count")


def values(indicator: Indicator) -> dict[tuple[str, date], Decimal]:
    return {
        (v.area.code, v.period_start): v.value
        for v in IndicatorValue.objects.filter(indicator=indicator).select_related("area")
    }


# ----------------------------------------------------------------------------- periods and numbers


@pytest.mark.parametrize(
    ("text", "frequency", "expected"),
    [
        ("2024-03", "monthly", date(2024, 3, 1)),
        ("2024-03-01", "monthly", date(2024, 3, 1)),
        ("March 2024", "monthly", date(2024, 3, 1)),
        ("Mar 2024", "monthly", date(2024, 3, 1)),
        ("sept-2024", "monthly", date(2024, 9, 1)),
        ("2024-Q1", "quarterly", date(2024, 1, 1)),
        ("2024 q3", "quarterly", date(2024, 7, 1)),
        ("Q4 2023", "quarterly", date(2023, 10, 1)),
        ("Apr-Jun 2024", "quarterly", date(2024, 4, 1)),
        ("2024", "annual", date(2024, 1, 1)),
        ("2024/25", "annual", date(2024, 4, 1)),
        ("1999-00", "annual", date(1999, 4, 1)),
        ("2024-2025", "annual", date(2024, 4, 1)),
    ],
)
def test_periods_as_published(text: str, frequency: str, expected: date) -> None:
    assert parse_period(text, frequency=frequency) == expected


@pytest.mark.parametrize(
    ("text", "frequency", "reason"),
    [
        ("2024", "monthly", "is not a month"),
        ("2024-13", "monthly", "is not a month"),
        ("Smarch 2024", "monthly", "is not a month"),
        ("2024-03", "quarterly", "is not a calendar quarter"),
        ("Feb-Apr 2024", "quarterly", "is not a calendar quarter"),
        ("2024/26", "annual", "is not a financial year"),
        ("March 2024", "annual", "is not a year"),
        ("", "annual", "missing"),
    ],
)
def test_bad_periods_say_why(text: str, frequency: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_period(text, frequency=frequency)


def test_numbers_as_published() -> None:
    assert parse_number("9,500") == Decimal("9500")
    assert parse_number(" 12.5% ") == Decimal("12.5")
    assert parse_number("£1,200.50") == Decimal("1200.5")
    for bad, reason in (
        ("twelve", "is not a number"),
        ("-3", "is negative"),
        ("NaN", "is not a number"),
        ("1e20", "is too large"),
    ):
        with pytest.raises(ValueError, match=reason):
            parse_number(bad)


# ----------------------------------------------------------------------------- tidy


TIDY = (
    "area_code,period,value,numerator,denominator\n"
    "E08000099,2024-01,9500,,\n"
    'E08000099,February 2024,"9,450",,\n'
    "e05000001,2024-01,215,215,\n"
    "E05000002,2024-01,*,,\n"
)


def test_a_tidy_file_loads_whole(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    result = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    assert result.created == 3 and result.replaced == 0
    assert result.preview.suppressed == 1
    assert (
        "3 new values" in result.summary and "1 cells withheld at source skipped" in result.summary
    )
    assert values(claimant_count) == {
        ("E08000099", date(2024, 1, 1)): Decimal("9500"),
        ("E08000099", date(2024, 2, 1)): Decimal("9450"),
        ("E05000001", date(2024, 1, 1)): Decimal("215"),
    }
    record = IndicatorImport.objects.get(indicator=claimant_count)
    assert record.rows_loaded == 3 and len(record.content_sha256) == 64
    assert IndicatorValue.objects.filter(imported_by=record).count() == 3
    assert IndicatorValue.objects.get(area=areas["central"]).numerator == Decimal("215")


def test_every_bad_row_is_reported_and_nothing_is_written(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    bad = (
        "area_code,period,value\n"
        "E08000099,2024-01,9500\n"
        "E09999999,2024-01,10\n"
        "E08000099,2024-13,10\n"
        "E08000099,2024-02,lots\n"
        "E08000099,2024-01,9501\n"
        ",2024-03,5\n"
    )
    with pytest.raises(ImportRejectedError) as caught:
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="tidy",
            file_name="bad.csv",
            content=bad.encode(),
        )
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7]
    assert "E09999999 is not a loaded area" in problems[3]
    assert "'2024-13' is not a month" in problems[4]
    assert "value: 'lots' is not a number" in problems[5]
    assert "E08000099 2024-01 appears twice (also line 2)" in problems[6]
    assert "area code is missing" in problems[7]
    assert IndicatorValue.objects.count() == 0
    assert IndicatorImport.objects.count() == 0


def test_a_tidy_file_without_the_columns_is_refused(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejectedError, match="missing: value"):
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="tidy",
            file_name="x.csv",
            content=b"area_code,period,count\nE08000099,2024-01,1\n",
        )


def test_the_same_file_again_is_recognised_and_changes_nothing(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    first = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    again = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc-copy.csv",
        content=TIDY.encode(),
    )
    assert again.record is None and again.created == 0
    assert again.preview.already_loaded == first.record
    assert again.summary.startswith("This file was already loaded")
    assert IndicatorImport.objects.count() == 1


def test_values_held_are_replaced_only_by_an_explicit_newer_file(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    revised = "area_code,period,value\nE08000099,2024-01,9510\nE08000099,2024-02,9450\nE08000099,2024-03,9400\n"
    preview = indicator_values_preview(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="rev.csv",
        content=revised.encode(),
    )
    assert (preview.new, preview.unchanged, len(preview.changes)) == (1, 1, 1)
    change = preview.changes[0]
    assert (change.area_code, change.period, change.old, change.new) == (
        "E08000099",
        date(2024, 1, 1),
        Decimal("9500"),
        Decimal("9510"),
    )
    with pytest.raises(
        ReplaceNotConfirmedError, match="1 figures in this file differ from those held"
    ):
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="tidy",
            file_name="rev.csv",
            content=revised.encode(),
        )
    assert values(claimant_count)[("E08000099", date(2024, 1, 1))] == Decimal("9500")
    assert IndicatorImport.objects.count() == 1
    result = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="rev.csv",
        content=revised.encode(),
        replace=True,
    )
    assert (result.created, result.replaced, result.kept_unchanged) == (1, 1, 1)
    assert "1 values replaced by this newer file" in result.summary
    held = IndicatorValue.objects.get(area=areas["district"], period_start=date(2024, 1, 1))
    assert held.value == Decimal("9510") and held.imported_by == result.record


def test_a_change_to_only_the_numerator_or_denominator_is_a_replacement(
    areas, claimant_count
) -> None:  # type: ignore[no-untyped-def]
    """The numerator and denominator are replaced only on the same explicit confirmation as
    the value, and counted as replaced; the same figures written differently are not a
    change."""
    indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    central = IndicatorValue.objects.get(area=areas["central"])
    revised = (
        "area_code,period,value,numerator,denominator\n"
        "E08000099,2024-01,9500,,12000\n"  # a denominator added
        "E08000099,2024-02,9450,,\n"  # the same
        "E05000001,2024-01,215,216.00,\n"  # only the numerator differs
    )
    preview = indicator_values_preview(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="rev.csv",
        content=revised.encode(),
    )
    assert (preview.new, preview.unchanged, len(preview.changes)) == (0, 1, 2)
    assert {c.area_code: c.parts for c in preview.changes} == {
        "E08000099": [("denominator", None, Decimal("12000"))],
        "E05000001": [("numerator", Decimal("215"), Decimal("216"))],
    }
    with pytest.raises(ReplaceNotConfirmedError, match="2 figures in this file differ") as caught:
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="tidy",
            file_name="rev.csv",
            content=revised.encode(),
        )
    assert "E05000001 2024-01 numerator 215 → 216" in caught.value.messages[0]
    central.refresh_from_db()
    assert central.numerator == Decimal("215") and IndicatorImport.objects.count() == 1
    result = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="rev.csv",
        content=revised.encode(),
        replace=True,
    )
    assert (result.created, result.replaced, result.kept_unchanged) == (0, 2, 1)
    assert "2 values replaced by this newer file" in result.summary
    central.refresh_from_db()
    assert central.numerator == Decimal("216") and central.imported_by == result.record
    district = IndicatorValue.objects.get(area=areas["district"], period_start=date(2024, 1, 1))
    assert district.denominator == Decimal("12000")
    # The same figures with the numerator written another way change nothing.
    same = revised.replace("216.00", "216")
    again = indicator_values_preview(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="same.csv",
        content=same.encode(),
    )
    assert (again.new, again.unchanged, again.changes) == (0, 3, [])


def test_an_older_file_loaded_again_is_compared_with_what_is_held_now(
    areas, claimant_count
) -> None:  # type: ignore[no-untyped-def]
    """Loading a file again after another file replaced its figures does not claim nothing
    changes: its figures come back on confirmation, and it is recorded as loaded again."""
    first = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    newer = "area_code,period,value\nE08000099,2024-01,9510\n"
    indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="newer.csv",
        content=newer.encode(),
        replace=True,
    )
    preview = indicator_values_preview(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    assert preview.already_loaded == first.record and not preview.changes_nothing
    assert [(c.area_code, c.old, c.new) for c in preview.changes] == [
        ("E08000099", Decimal("9510"), Decimal("9500"))
    ]
    with pytest.raises(ReplaceNotConfirmedError):
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="tidy",
            file_name="cc.csv",
            content=TIDY.encode(),
        )
    assert values(claimant_count)[("E08000099", date(2024, 1, 1))] == Decimal("9510")
    again = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
        replace=True,
    )
    assert again.record is not None and again.record != first.record
    assert (again.created, again.replaced, again.kept_unchanged) == (0, 1, 2)
    assert not again.summary.startswith("This file was already loaded")
    assert values(claimant_count)[("E08000099", date(2024, 1, 1))] == Decimal("9500")
    assert IndicatorImport.objects.filter(content_sha256=first.record.content_sha256).count() == 2
    # Its figures are all held as they are now: once more changes nothing.
    last = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    assert last.record is None and last.summary.startswith("This file was already loaded")
    assert IndicatorImport.objects.count() == 3


def test_the_command_offers_to_replace_from_an_older_file(areas, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    older, newer = tmp_path / "older.csv", tmp_path / "newer.csv"
    older.write_text("area_code,period,value\nE08000099,2024-01,9500\n")
    newer.write_text(
        "area_code,period,value,numerator,denominator\nE08000099,2024-01,9500,9500,1\n"
    )
    command = ["import_indicator_values", "--indicator", "claimant-count", "--shape", "tidy"]
    call_command(*command, str(older))
    with pytest.raises(CommandError, match="Add --replace"):
        call_command(*command, str(newer))
    call_command(*command, str(newer), "--replace")
    with pytest.raises(CommandError, match="Add --replace"):
        call_command(*command, str(older))
    capsys.readouterr()
    call_command(*command, str(older), "--replace")
    assert "1 values replaced" in capsys.readouterr().out
    assert IndicatorValue.objects.get().denominator is None


def test_only_performance_analysts_import(areas, claimant_count, key_worker, organisation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        indicator_values_import(
            actor=Actor.for_user(key_worker, process="test"),
            indicator=claimant_count,
            shape="tidy",
            file_name="cc.csv",
            content=TIDY.encode(),
        )
    analyst = UserFactory(organisation=organisation, roles=[Role.PERFORMANCE_ANALYST])
    result = indicator_values_import(
        actor=Actor.for_user(analyst, process="test"),
        indicator=claimant_count,
        shape="tidy",
        file_name="cc.csv",
        content=TIDY.encode(),
    )
    assert result.record is not None and result.record.created_by == analyst


def test_quarterly_and_annual_indicators(areas) -> None:  # type: ignore[no-untyped-def]
    benefits = Indicator.objects.get(code="out-of-work-benefits")
    indicator_values_import(
        actor=SYSTEM,
        indicator=benefits,
        shape="tidy",
        file_name="q.csv",
        content=b"area_code,period,value\nE08000099,2024-Q1,9500\nE08000099,2024 Q2,9400\n",
    )
    into_work = Indicator.objects.get(code="people-into-work")
    indicator_values_import(
        actor=SYSTEM,
        indicator=into_work,
        shape="tidy",
        file_name="a.csv",
        content=b"area_code,period,value\nE08000099,2023/24,1200\nE08000099,2024/25,1320\n",
    )
    assert sorted(values(benefits)) == [
        ("E08000099", date(2024, 1, 1)),
        ("E08000099", date(2024, 4, 1)),
    ]
    assert sorted(values(into_work)) == [
        ("E08000099", date(2023, 4, 1)),
        ("E08000099", date(2024, 4, 1)),
    ]


# ----------------------------------------------------------------------------- Nomis


NOMIS_LONG = (
    "DATE,DATE_NAME,DATE_CODE,GEOGRAPHY,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GENDER_NAME,AGE_NAME,"
    "MEASURE_NAME,MEASURES_NAME,OBS_VALUE,OBS_STATUS,RECORD_OFFSET,RECORD_COUNT\n"
    "2024-01,January 2024,2024-01,1,Northvale,E08000099,Total,All categories: Age 16+,Claimant count,Value,9500,A,0,8\n"
    "2024-01,January 2024,2024-01,1,Northvale,E08000099,Total,All categories: Age 16+,Claimants as a proportion of residents aged 16-64,Value,4.1,A,1,8\n"
    "2024-02,February 2024,2024-02,1,Northvale,E08000099,Total,All categories: Age 16+,Claimant count,Value,9450,A,2,8\n"
    "2024-02,February 2024,2024-02,1,Northvale,E08000099,Total,All categories: Age 16+,Claimants as a proportion of residents aged 16-64,Value,4.0,A,3,8\n"
    "2024-01,January 2024,2024-01,2,Central,E05000001,Total,All categories: Age 16+,Claimant count,Value,215,A,4,8\n"
    "2024-01,January 2024,2024-01,2,Central,E05000001,Total,All categories: Age 16+,Claimants as a proportion of residents aged 16-64,Value,5.2,A,5,8\n"
    "2024-02,February 2024,2024-02,2,Central,E05000001,Total,All categories: Age 16+,Claimant count,Value,,Q,6,8\n"
    "2024-02,February 2024,2024-02,2,Central,E05000001,Total,All categories: Age 16+,Claimants as a proportion of residents aged 16-64,Value,,Q,7,8\n"
)


def test_a_nomis_long_table_loads_the_measure_that_fits(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    result = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="nomis",
        file_name="nomis.csv",
        content=NOMIS_LONG.encode(),
    )
    assert result.created == 3 and result.preview.suppressed == 1
    assert "long table" in result.preview.layout
    assert values(claimant_count) == {
        ("E08000099", date(2024, 1, 1)): Decimal("9500"),
        ("E08000099", date(2024, 2, 1)): Decimal("9450"),
        ("E05000001", date(2024, 1, 1)): Decimal("215"),
    }
    rate = Indicator.objects.get(code="claimant-count-rate")
    indicator_values_import(
        actor=SYSTEM,
        indicator=rate,
        shape="nomis",
        file_name="nomis.csv",
        content=NOMIS_LONG.encode(),
    )
    assert values(rate)[("E05000001", date(2024, 1, 1))] == Decimal("5.2")


NOMIS_QUERY = (
    '"Claimant count by sex and age"\n'
    '"ONS Crown Copyright Reserved [from Nomis on 23 November 2026]"\n'
    '"Sex","Total"\n'
    '"Age","All categories: Age 16+"\n'
    '"Measure","Claimant count"\n'
    "\n"
    '"ward 2022","mnemonic","January 2024","February 2024","March 2024"\n'
    '"Central","E05000001","215","230","!"\n'
    '"Riverside","E05000002","180","175","170"\n'
    "\n"
    '"* The claimant count is experimental"\n'
)


def test_a_nomis_query_table_loads_a_column_per_month(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    result = indicator_values_import(
        actor=SYSTEM,
        indicator=claimant_count,
        shape="nomis",
        file_name="query.csv",
        content=NOMIS_QUERY.encode(),
    )
    assert result.created == 5 and result.preview.suppressed == 1
    assert values(claimant_count)[("E05000002", date(2024, 3, 1))] == Decimal("170")


def test_nomis_bad_cells_are_reported_with_their_line(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    bad = NOMIS_QUERY.replace('"Riverside","E05000002","180"', '"Nowhere","E05999999","1 8 0"')
    with pytest.raises(ImportRejectedError) as caught:
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="nomis",
            file_name="q.csv",
            content=bad.encode(),
        )
    reasons = [str(p) for p in caught.value.problems]
    assert "Line 9: value: '1 8 0' is not a number" in reasons
    assert "Line 9: E05999999 is not a loaded area (import the areas first)" in reasons
    assert IndicatorValue.objects.count() == 0


def test_a_file_in_no_nomis_layout_is_explained(areas, claimant_count) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejectedError, match="not a Nomis layout"):
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape="nomis",
            file_name="x.csv",
            content=TIDY.encode(),
        )


# ----------------------------------------------------------------------------- the command


def test_the_command_loads_reports_and_refuses(areas, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nomis.csv"
    path.write_text(NOMIS_LONG)
    call_command(
        "import_indicator_values", str(path), "--indicator", "claimant-count", "--shape", "nomis"
    )
    assert "Loaded nomis.csv: 3 new values" in capsys.readouterr().out
    call_command(
        "import_indicator_values", str(path), "--indicator", "claimant-count", "--shape", "nomis"
    )
    assert "already loaded" in capsys.readouterr().out
    revised = tmp_path / "revised.csv"
    revised.write_text("area_code,period,value\nE08000099,2024-01,9600\n")
    with pytest.raises(CommandError, match="Add --replace"):
        call_command(
            "import_indicator_values",
            str(revised),
            "--indicator",
            "claimant-count",
            "--shape",
            "tidy",
        )
    call_command(
        "import_indicator_values",
        str(revised),
        "--indicator",
        "claimant-count",
        "--shape",
        "tidy",
        "--replace",
    )
    assert "1 values replaced" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,period,value\nE08000099,2024-99,1\nE0,2024-01,lots\n")
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "import_indicator_values", str(bad), "--indicator", "claimant-count", "--shape", "tidy"
        )
    err = capsys.readouterr().err
    assert "Line 2:" in err and "Line 3:" in err
    with pytest.raises(CommandError, match="No indicator with the code 'nope'"):
        call_command("import_indicator_values", str(bad), "--indicator", "nope", "--shape", "tidy")


@pytest.mark.parametrize("shape", ["tidy", "nomis"])
def test_a_file_that_is_not_csv_is_refused_with_a_reason(areas, claimant_count, shape) -> None:  # type: ignore[no-untyped-def]
    """A quotation mark never closed runs past Python's field limit: a clear refusal, no 500."""
    broken = 'area_code,period,value\nE08000099,2024-01,"9500\n' + "x" * 200_000 + "\n"
    with pytest.raises(ImportRejectedError) as caught:
        indicator_values_import(
            actor=SYSTEM,
            indicator=claimant_count,
            shape=shape,
            file_name="broken.csv",
            content=broken.encode(),
        )
    assert "cannot be read as CSV" in str(caught.value.problems[0])
    assert IndicatorValue.objects.count() == 0
