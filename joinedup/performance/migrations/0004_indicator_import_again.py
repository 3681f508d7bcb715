"""The same indicator file may be recorded again: loading an older file after another file
replaced its figures puts them back, and that is a new import (the lookup by SHA-256 keeps an
index). Reversing fails only if a file has by then been recorded twice."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0003_shipped_measures"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="indicatorimport",
            name="indicator_import_once",
        ),
        migrations.AddIndex(
            model_name="indicatorimport",
            index=models.Index(fields=["indicator", "content_sha256"], name="indicator_import_sha"),
        ),
    ]
