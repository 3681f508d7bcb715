"""Working days in England and Wales: Monday to Friday, except bank holidays.

The bank holidays are data, shipped in ``core/data/bank_holidays_england_wales.csv`` (see the
README beside it). Dates outside the years the file covers raise ``WorkingDaysUnknownError``
rather than silently treating a bank holiday as a working day.

Counting follows the usual convention for deadlines: the start day itself is not counted, so
"5 working days after Thursday 23 December 2021" is Tuesday 4 January 2022 (24, 29, 30 and 31
December and 4 January; 27 and 28 December and 3 January were substitute bank holidays).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import cache
from pathlib import Path

BANK_HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "bank_holidays_england_wales.csv"


class WorkingDaysUnknownError(ValueError):
    """The date is outside the years the bank holiday data covers."""


@cache
def bank_holidays() -> dict[date, str]:
    """Every bank holiday the data holds, date to name."""
    with BANK_HOLIDAYS_FILE.open(newline="", encoding="utf-8") as handle:
        return {date.fromisoformat(row["date"]): row["name"] for row in csv.DictReader(handle)}


@cache
def covered_years() -> range:
    """The years the bank holiday data covers (whole years)."""
    years = [d.year for d in bank_holidays()]
    return range(min(years), max(years) + 1)


def _check(day: date) -> None:
    years = covered_years()
    if day.year not in years:
        raise WorkingDaysUnknownError(
            f"Bank holidays are known for {years.start} to {years.stop - 1} only, not "
            f"{day.year}. Add the year to {BANK_HOLIDAYS_FILE.name}."
        )


def is_bank_holiday(day: date) -> bool:
    _check(day)
    return day in bank_holidays()


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    _check(day)
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (before it, for a negative number). The
    start day is not counted, and need not itself be a working day; 0 returns ``start``."""
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days there are after ``start`` up to and including ``end``, so that
    ``add_working_days(start, working_days_between(start, end))`` is ``end`` whenever ``end``
    is a working day on or after ``start``. When ``end`` is before ``start`` the answer is
    minus the count the other way round."""
    if end < start:
        return -working_days_between(end, start)
    _check(start)
    _check(end)
    total_days = (end - start).days
    full_weeks, extra = divmod(total_days, 7)
    count = full_weeks * 5
    day = start + timedelta(days=full_weeks * 7)
    for _ in range(extra):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    holidays = sum(1 for h in bank_holidays() if start < h <= end)
    return count - holidays
