"""Load the shipped indicator definitions (``performance/data/indicators.csv``): the classic
worklessness indicators, definitions only, each saying where to get its data. An indicator that
already exists (by code) is left as the partnership has it. Reversing removes the shipped
indicators nothing uses yet (no values, imports, targets, reports or dashboard items)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "indicators.csv"


def shipped_definitions() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(apps: Any, schema_editor: Any) -> None:
    indicator_model = apps.get_model("performance", "Indicator")
    version_model = apps.get_model("performance", "DefinitionVersion")
    for row in shipped_definitions():
        if indicator_model.objects.filter(code=row["code"]).exists():
            continue
        indicator_model.objects.create(**row, version=1, active=True)
        if not version_model.objects.filter(kind="indicator", code=row["code"], version=1).exists():
            version_model.objects.create(
                kind="indicator",
                code=row["code"],
                version=1,
                definition={**row, "active": True},
                change_reason="Shipped with JoinedUp",
            )


def unload(apps: Any, schema_editor: Any) -> None:
    indicator_model = apps.get_model("performance", "Indicator")
    version_model = apps.get_model("performance", "DefinitionVersion")
    codes = [row["code"] for row in shipped_definitions()]
    empty = (
        indicator_model.objects.filter(code__in=codes, values__isnull=True)
        .exclude(imports__isnull=False)
        .exclude(targets__isnull=False)
        .exclude(reports__isnull=False)
        .exclude(dashboard_items__isnull=False)
    )
    empty_codes = list(empty.values_list("code", flat=True))
    empty.delete()
    version_model.objects.filter(kind="indicator", code__in=empty_codes, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
