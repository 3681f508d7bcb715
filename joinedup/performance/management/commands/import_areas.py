"""Load an ONS-style area lookup: LSOA → ward → local authority district, with postcodes.

    python manage.py import_areas lookup.csv

Accepted headers include the ONS spellings (LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD,
LAD24NM and optionally PCDS) and plain ones (lsoa_code, lsoa_name, ward_code, ward_name,
district_code, district_name, postcode). All or nothing: every bad row is printed with its line
and reason and the command exits with status 1 writing nothing. Loading the same file again
changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.core.actor import Actor
from joinedup.performance.services.areas import ImportRejectedError, areas_import


class Command(BaseCommand):
    help = (
        "Load an ONS lookup CSV of LSOAs, wards and districts (and optionally postcodes); all or "
        "nothing, every bad row reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The lookup CSV.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = areas_import(
                actor=Actor.system(process="import_areas"),
                file_name=path.name,
                content=path.read_bytes(),
            )
        except ImportRejectedError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {path.name}; nothing was loaded."
            ) from exc
        self.stdout.write(result.summary)
