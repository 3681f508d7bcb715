"""The demo's areas and indicator figures: loaded through the real imports, deterministic, and
telling the story a performance lead would tell (doing better than the forecast since 2024)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from joinedup.core.actor import Actor
from joinedup.demo.context import DemoContext
from joinedup.demo.performance import WORST_CODE, build_performance
from joinedup.people.models import Household
from joinedup.performance.models import (
    Area,
    Indicator,
    IndicatorImport,
    IndicatorValue,
    PostcodeArea,
    Target,
)
from joinedup.performance.selectors.areas import area_for_postcode, lsoa_codes_in
from joinedup.performance.selectors.indicators import indicator_series

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, str, date, Decimal]]:
    return sorted(
        IndicatorValue.objects.values_list("indicator__code", "area__code", "period_start", "value")
    )


def test_the_demo_builds_areas_figures_and_the_target() -> None:
    Household.objects.create(address_line_1="1 High Street", town="Northvale", postcode="NV1 3AB")
    Household.objects.create(address_line_1="2 Mill Lane", town="Millford", postcode="NV7 9ZZ")
    build_performance(DemoContext(seed=7), organisations={})

    assert Area.objects.filter(level=Area.Level.LSOA).count() == 72
    assert Area.objects.filter(level=Area.Level.WARD).count() == 8
    district = Area.objects.get(level=Area.Level.DISTRICT)
    assert len(lsoa_codes_in(area=district)) == 72
    assert len(lsoa_codes_in(area=Area.objects.get(code=WORST_CODE))) == 12
    assert PostcodeArea.objects.count() == 2
    assert area_for_postcode(postcode="NV1 3AB").parent.name == "Northvale Central"

    assert IndicatorImport.objects.count() == 8
    target = Target.objects.get()
    assert (target.baseline_value, target.target_value) == (Decimal("9500"), Decimal("8200"))
    series = indicator_series(
        actor=Actor.system(process="test"),
        indicator=Indicator.objects.get(code="out-of-work-benefits"),
        area=district,
    )
    assert series.baseline.period == date(2024, 1, 1)
    assert len(series.since_baseline) == 9
    assert series.better_than_forecast is True
    assert series.target_on_track is not None

    first = snapshot()
    assert len(first) == 69 * 9 + 69 + 30 * 2 + 10 * 2 + 8 + 30
    IndicatorValue.objects.all().delete()
    IndicatorImport.objects.all().delete()
    Target.objects.all().delete()
    Area.objects.filter(level=Area.Level.CUSTOM).delete()
    PostcodeArea.objects.all().delete()
    for level in (Area.Level.LSOA, Area.Level.WARD, Area.Level.DISTRICT):
        Area.objects.filter(level=level).delete()
    build_performance(DemoContext(seed=7), organisations={})
    assert snapshot() == first
