"""Working days in England and Wales, and the bank holiday data they stand on."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.core import working_days as wd
from joinedup.core.working_days import (
    BANK_HOLIDAYS_FILE,
    WorkingDaysUnknownError,
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

#: The days the government announced outside the usual rules: (date, replaces).
ONE_OFF_ADDED = {
    date(2020, 5, 8): "Early May bank holiday (VE Day)",
    date(2022, 6, 2): "Spring bank holiday",
    date(2022, 6, 3): "Platinum Jubilee bank holiday",
    date(2022, 9, 19): "Bank holiday for the State Funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Bank holiday for the coronation of King Charles III",
}
ONE_OFF_REMOVED = {date(2020, 5, 4), date(2022, 5, 30)}  # the Mondays those days replaced


def _easter(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian computus, written out again for the test."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lx = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lx) // 451
    month, day = divmod(h + lx - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_monday(year: int, month: int, last: bool) -> date:
    if last:
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        return end - timedelta(days=end.weekday())
    start = date(year, month, 1)
    return start + timedelta(days=(-start.weekday()) % 7)


def _by_the_rules(year: int) -> set[date]:
    easter = _easter(year)
    days = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _nth_monday(year, 5, last=False),
        _nth_monday(year, 5, last=True),
        _nth_monday(year, 8, last=True),
    }
    # Fixed days with substitutes: each weekend day moves to the next free weekday.
    for fixed in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        day = fixed
        while day.weekday() >= 5 or day in days:
            day += timedelta(days=1)
        days.add(day)
    return days


def test_the_data_is_the_rules_plus_the_announced_one_off_days() -> None:
    expected: set[date] = set()
    for year in range(2018, 2031):
        expected |= _by_the_rules(year)
    expected = (expected - ONE_OFF_REMOVED) | set(ONE_OFF_ADDED)
    assert set(bank_holidays()) == expected
    for day, name in ONE_OFF_ADDED.items():
        assert bank_holidays()[day] == name


def test_the_file_is_well_formed_and_every_holiday_is_a_weekday() -> None:
    with BANK_HOLIDAYS_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["date", "name"]
    dates = [date.fromisoformat(r["date"]) for r in rows]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert all(d.weekday() < 5 for d in dates)
    assert all(r["name"].strip() for r in rows)
    assert {d.year for d in dates} == set(range(2018, 2031))
    per_year = {y: sum(1 for d in dates if d.year == y) for y in range(2018, 2031)}
    assert per_year[2022] == 10 and per_year[2023] == 9 and per_year[2024] == 8


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2021, 12, 27), "Christmas Day (substitute day)"),
        (date(2021, 12, 28), "Boxing Day (substitute day)"),
        (date(2022, 1, 3), "New Year's Day (substitute day)"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (substitute day)"),
        (date(2023, 1, 2), "New Year's Day (substitute day)"),
        (date(2020, 12, 28), "Boxing Day (substitute day)"),
        (date(2026, 12, 28), "Boxing Day (substitute day)"),
        (date(2024, 3, 29), "Good Friday"),
        (date(2024, 4, 1), "Easter Monday"),
        (date(2025, 4, 18), "Good Friday"),
        (date(2025, 8, 25), "Summer bank holiday"),
        (date(2019, 4, 22), "Easter Monday"),
    ],
)
def test_known_bank_holidays(day: date, name: str) -> None:
    assert bank_holidays()[day] == name
    assert not is_working_day(day)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not is_working_day(date(2024, 6, 1))  # Saturday
    assert not is_working_day(date(2024, 6, 2))  # Sunday
    assert is_working_day(date(2024, 6, 3))
    assert is_working_day(date(2020, 5, 4))  # the early May Monday moved to VE Day in 2020
    assert is_working_day(date(2022, 5, 30))  # and the spring Monday moved to June in 2022


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 24 Dec (1), 29 (2), 30 (3), 31 (4), 4 Jan (5): 27, 28 Dec and 3 Jan were holidays.
        (date(2021, 12, 23), 5, date(2022, 1, 4)),
        (date(2021, 12, 23), 1, date(2021, 12, 24)),
        (date(2021, 12, 24), 1, date(2021, 12, 29)),
        # Easter 2024: Thursday 28 March + 1 is Tuesday 2 April.
        (date(2024, 3, 28), 1, date(2024, 4, 2)),
        # From a Saturday, the first working day is the Monday.
        (date(2024, 6, 1), 1, date(2024, 6, 3)),
        (date(2024, 6, 3), 10, date(2024, 6, 17)),
        # The Platinum Jubilee: Wednesday 1 June 2022 + 1 is Monday 6 June.
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        (date(2022, 1, 4), -5, date(2021, 12, 23)),
        (date(2024, 6, 5), 0, date(2024, 6, 5)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_working_days_between() -> None:
    assert working_days_between(date(2021, 12, 23), date(2022, 1, 4)) == 5
    assert working_days_between(date(2022, 1, 4), date(2021, 12, 23)) == -5
    assert working_days_between(date(2024, 6, 3), date(2024, 6, 3)) == 0
    assert working_days_between(date(2024, 6, 1), date(2024, 6, 2)) == 0  # a weekend
    # The whole of 2024: 262 weekdays less 8 bank holidays.
    assert working_days_between(date(2023, 12, 31), date(2024, 12, 31)) == 254


@given(
    start=st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 11, 30)),
    days=st.integers(min_value=0, max_value=20),
)
def test_between_undoes_add(start: date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    if days:
        assert is_working_day(end)


@given(
    start=st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)),
    end=st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)),
)
def test_between_matches_counting_day_by_day(start: date, end: date) -> None:
    low, high = sorted((start, end))
    high = min(high, low + timedelta(days=400))
    counted = sum(
        1 for n in range(1, (high - low).days + 1) if is_working_day(low + timedelta(days=n))
    )
    assert working_days_between(low, high) == counted
    assert working_days_between(high, low) == -counted


def test_dates_outside_the_data_are_refused_not_guessed() -> None:
    with pytest.raises(WorkingDaysUnknownError, match="2018 to 2030"):
        is_working_day(date(2031, 1, 2))
    with pytest.raises(WorkingDaysUnknownError):
        add_working_days(date(2030, 12, 30), 5)
    with pytest.raises(WorkingDaysUnknownError):
        working_days_between(date(2017, 12, 29), date(2018, 1, 3))
    assert wd.covered_years() == range(2018, 2031)
