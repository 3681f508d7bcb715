"""Load a CSV of values for a population indicator.

    python manage.py import_indicator_values --indicator claimant-count --shape nomis FILE
    python manage.py import_indicator_values --indicator out-of-work-benefits --shape tidy FILE

Shapes: ``tidy`` (area_code,period,value[,numerator,denominator]) or ``nomis`` (a Nomis long
table with DATE/DATE_NAME, GEOGRAPHY_CODE and OBS_VALUE, or a Nomis query table with a mnemonic
column and a column per period). All or nothing: every bad row is printed with its line and
reason and the command exits with status 1 writing nothing. A file already loaded changes
nothing while its figures are still held as they are. Figures that differ from those held (in
value, numerator or denominator) are replaced only with ``--replace``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.core.actor import Actor
from joinedup.performance.models import Indicator, IndicatorImport
from joinedup.performance.services.areas import ImportRejectedError
from joinedup.performance.services.indicators import (
    ReplaceNotConfirmedError,
    indicator_values_import,
    indicator_values_preview,
)


class Command(BaseCommand):
    help = (
        "Load a CSV of indicator values (tidy or Nomis shape); all or nothing, every bad row "
        "reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument("--indicator", required=True, help="The indicator's code.")
        parser.add_argument(
            "--shape",
            required=True,
            choices=IndicatorImport.Shape.values,
            help="tidy: area_code,period,value[,numerator,denominator]; nomis: a Nomis download.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="This is a newer file: replace values held for the same area and period.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            indicator = Indicator.objects.get(code=options["indicator"])
        except Indicator.DoesNotExist as exc:
            codes = ", ".join(Indicator.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"No indicator with the code {options['indicator']!r}. Codes: {codes}."
            ) from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = Actor.system(process="import_indicator_values")
        arguments = {
            "actor": actor,
            "indicator": indicator,
            "shape": options["shape"],
            "file_name": path.name,
            "content": path.read_bytes(),
        }
        try:
            if options["dry_run"]:
                preview = indicator_values_preview(**arguments)
                self.stdout.write(
                    f"Checked {preview.total} values for {preview.areas} areas: {preview.new} new, "
                    f"{len(preview.changes)} would be replaced, {preview.unchanged} unchanged "
                    "(dry run)."
                )
                return
            result = indicator_values_import(**arguments, replace=options["replace"])
        except ImportRejectedError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {path.name}; nothing was loaded."
            ) from exc
        except ReplaceNotConfirmedError as exc:
            raise CommandError(
                exc.messages[0].replace("Confirm", "Add --replace to confirm")
            ) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(result.summary)
