"""Northvale's areas and population indicators in the demo: an ONS-style lookup of the fictional
district (a ward per postcode district, an LSOA per postcode sector, and every postcode the demo's
households use), the "worst performing neighbourhoods" target area, plausible published figures
for the classic worklessness indicators, loaded as the files a performance lead would import, and
the target "9,500 on benefits down to 8,200 by March 2028".

The codes are in the ONS shape but in unused ranges (E08000901, E05900001..., E01900001...), so
nothing points at a real place. The figures come from their own seeded random source, so adding
them leaves the rest of the demo unchanged.
"""

from __future__ import annotations

import math
import random
from datetime import date
from decimal import Decimal

from joinedup.accounts.models import Organisation
from joinedup.core.actor import Actor
from joinedup.people.models import Household
from joinedup.performance.forecasting import add_periods
from joinedup.performance.models import Area, Indicator
from joinedup.performance.services.areas import areas_import, custom_area_create
from joinedup.performance.services.indicators import indicator_values_import, target_set

from .context import DemoContext

DISTRICT = ("E08000901", "Northvale")
WARDS = (
    ("NV1", "Northvale Central"),
    ("NV2", "Northvale North"),
    ("NV3", "Northvale South"),
    ("NV4", "Northvale West"),
    ("NV5", "Eastbrook"),
    ("NV6", "Eastbrook Fields"),
    ("NV7", "Millford"),
    ("NV8", "Millford Bridge"),
)
#: How deprived each ward is, relative to the district (1.0 is the district's average rate).
WARD_WEIGHT = (1.6, 1.1, 1.3, 0.8, 0.9, 0.7, 1.0, 0.6)
SECTORS = range(1, 10)
WORST_CODE = "NV-WORST"
LAST_MONTH = date(2026, 9, 1)  # Nomis publishes about six weeks after the month.


def _ward_code(index: int) -> str:
    return f"E059{index + 1:05d}"


def _lsoa_code(ward: int, sector: int) -> str:
    return f"E019{ward * 10 + sector:05d}"


def _lookup_csv(postcodes: list[str]) -> str:
    by_sector: dict[tuple[str, int], list[str]] = {}
    for postcode in postcodes:
        outward, _, inward = postcode.partition(" ")
        if inward[:1].isdigit():
            by_sector.setdefault((outward, int(inward[0])), []).append(postcode)
    lines = ["PCDS,LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM"]
    for index, (outward, ward_name) in enumerate(WARDS):
        for sector in SECTORS:
            lsoa = _lsoa_code(index, sector)
            name = f"Northvale {index + 1:02d}{'ABCDEFGHJ'[sector - 1]}"
            row = f"{lsoa},{name},{_ward_code(index)},{ward_name},{DISTRICT[0]},{DISTRICT[1]}"
            members = sorted(by_sector.get((outward, sector), []))
            if not members:
                lines.append("," + row)
            lines.extend(f"{postcode},{row}" for postcode in members)
    return "\n".join(lines) + "\n"


def _tidy(rows: list[tuple[str, date, float]], *, frequency: str, decimals: int) -> bytes:
    def period(start: date) -> str:
        if frequency == "quarterly":
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if frequency == "annual":
            return (
                f"{start.year}/{(start.year + 1) % 100:02d}"
                if start.month == 4
                else str(start.year)
            )
        return f"{start:%Y-%m}"

    lines = ["area_code,period,value"]
    lines.extend(f"{code},{period(start)},{value:.{decimals}f}" for code, start, value in rows)
    return ("\n".join(lines) + "\n").encode()


def _series(
    rng: random.Random, *, start: float, slope: float, periods: int, noise: float, season: float = 0
) -> list[float]:
    values = []
    for i in range(periods):
        seasonal = season * math.sin(2 * math.pi * i / 12)
        values.append(max(0.0, start + slope * i + seasonal + rng.gauss(0, noise)))
    return values


def build_performance(ctx: DemoContext, *, organisations: dict[str, Organisation]) -> None:
    """Areas, the worst performing neighbourhoods, indicator figures and the benefits target."""
    actor = Actor.system(process="demo")
    rng = random.Random(ctx.seed * 7919 + 14)
    postcodes = sorted(set(Household.objects.values_list("postcode", flat=True)))
    areas_import(
        actor=actor, file_name="northvale-lookup.csv", content=_lookup_csv(postcodes).encode()
    )
    worst_wards = (0, 2)  # Northvale Central and Northvale South
    custom_area_create(
        actor=actor,
        code=WORST_CODE,
        name="Worst performing neighbourhoods",
        description=(
            "The twelve LSOAs with the highest rates of working-age people on out-of-work "
            "benefits in 2024, in Northvale Central and Northvale South."
        ),
        lsoa_codes=[_lsoa_code(w, s) for w in worst_wards for s in range(1, 7)],
    )

    # Claimant count: monthly, January 2021 to September 2026, district and wards.
    months = [add_periods(date(2021, 1, 1), frequency="monthly", periods=i) for i in range(69)]
    district = _series(rng, start=5600, slope=-18, periods=len(months), noise=45, season=60)
    claimant_rows: list[tuple[str, date, float]] = []
    weights_total = sum(WARD_WEIGHT)
    for month, value in zip(months, district, strict=True):
        claimant_rows.append((DISTRICT[0], month, round(value)))
        for index, weight in enumerate(WARD_WEIGHT):
            share = value * weight / weights_total * rng.uniform(0.96, 1.04)
            claimant_rows.append((_ward_code(index), month, round(share)))
    claimant = Indicator.objects.get(code="claimant-count")
    indicator_values_import(
        actor=actor,
        indicator=claimant,
        shape="tidy",
        file_name="claimant-count-2021-2026.csv",
        content=_tidy(claimant_rows, frequency="monthly", decimals=0),
    )
    rate_rows = [(DISTRICT[0], m, v / 1215) for m, v in zip(months, district, strict=True)]
    indicator_values_import(
        actor=actor,
        indicator=Indicator.objects.get(code="claimant-count-rate"),
        shape="tidy",
        file_name="claimant-count-rate-2021-2026.csv",
        content=_tidy(rate_rows, frequency="monthly", decimals=1),
    )

    # Out-of-work benefits: quarterly from 2019 Q1 to 2026 Q2. The partnership's work starts at
    # the 2024 Q1 baseline (9,500), after which the district does better than the trend.
    quarters = [add_periods(date(2019, 1, 1), frequency="quarterly", periods=i) for i in range(30)]
    baseline_index = quarters.index(date(2024, 1, 1))
    benefits: list[float] = []
    worst: list[float] = []
    for i, _quarter in enumerate(quarters):
        trend = 9500 + 35 * (baseline_index - i)
        after = max(0, i - baseline_index)
        benefits.append(trend - 3 * after * after - 15 * after + rng.gauss(0, 40))
        worst.append(2650 + 6 * (baseline_index - i) - 9 * after + rng.gauss(0, 18))
    benefits[baseline_index] = 9500
    indicator_values_import(
        actor=actor,
        indicator=Indicator.objects.get(code="out-of-work-benefits"),
        shape="tidy",
        file_name="stat-xplore-out-of-work-benefits.csv",
        content=_tidy(
            [(DISTRICT[0], q, v) for q, v in zip(quarters, benefits, strict=True)],
            frequency="quarterly",
            decimals=0,
        ),
    )
    indicator_values_import(
        actor=actor,
        indicator=Indicator.objects.get(code="out-of-work-benefits-worst-neighbourhoods"),
        shape="tidy",
        file_name="stat-xplore-worst-neighbourhoods.csv",
        content=_tidy(
            [(WORST_CODE, q, v) for q, v in zip(quarters, worst, strict=True)],
            frequency="quarterly",
            decimals=0,
        ),
    )
    target_set(
        actor=actor,
        indicator=Indicator.objects.get(code="out-of-work-benefits"),
        area=Area.objects.get(code=DISTRICT[0]),
        baseline_period=date(2024, 1, 1),
        target_value=Decimal(8200),
        target_period=date(2028, 1, 1),
        description="9,500 on out-of-work benefits down to 8,200 by March 2028",
    )

    # Annual indicators.
    years = list(range(2016, 2026))
    annual = {
        "neet-16-18": ([6.8 - 0.15 * i + rng.gauss(0, 0.2) for i in range(len(years))], 1),
        "children-workless-households": (
            [15.5 - 0.2 * i + rng.gauss(0, 0.4) for i in range(len(years))],
            1,
        ),
    }
    for code, (figures, decimals) in annual.items():
        indicator_values_import(
            actor=actor,
            indicator=Indicator.objects.get(code=code),
            shape="tidy",
            file_name=f"{code}.csv",
            content=_tidy(
                [(DISTRICT[0], date(y, 1, 1), v) for y, v in zip(years, figures, strict=True)],
                frequency="annual",
                decimals=decimals,
            ),
        )
    financial = [date(y, 4, 1) for y in range(2018, 2026)]
    into_work = [1150 + 30 * i + rng.gauss(0, 40) for i in range(len(financial))]
    indicator_values_import(
        actor=actor,
        indicator=Indicator.objects.get(code="people-into-work"),
        shape="tidy",
        file_name="people-into-work.csv",
        content=_tidy(
            [(DISTRICT[0], y, v) for y, v in zip(financial, into_work, strict=True)],
            frequency="annual",
            decimals=0,
        ),
    )
    employment = [70.2 + 0.25 * i + rng.gauss(0, 0.5) for i in range(len(quarters))]
    indicator_values_import(
        actor=actor,
        indicator=Indicator.objects.get(code="employment-rate"),
        shape="tidy",
        file_name="aps-employment-rate.csv",
        content=_tidy(
            [(DISTRICT[0], q, v) for q, v in zip(quarters, employment, strict=True)],
            frequency="quarterly",
            decimals=1,
        ),
    )
