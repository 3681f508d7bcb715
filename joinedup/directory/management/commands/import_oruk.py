"""Import partner services from an Open Referral UK JSON file into the directory.

    python manage.py import_oruk services.json
    python manage.py import_oruk services.json --organisation-mapping names.json --dry-run

Each service's ``organization.name`` must be the name of an organisation in JoinedUp (case is
ignored), or be mapped to one by ``--organisation-mapping``: a JSON object of ORUK name to
JoinedUp name. All or nothing: every bad entry is printed with its index and the command exits
with status 1 without writing anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.core.actor import Actor
from joinedup.directory.selectors import organisation_resolver
from joinedup.directory.services import import_oruk


class Command(BaseCommand):
    help = (
        "Import services from Open Referral UK JSON (a list of services, or an ORUK API page). "
        "Nothing is written if any entry has a problem; every problem is printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The ORUK JSON file to import ('-' for standard input).")
        parser.add_argument(
            "--organisation-mapping",
            metavar="FILE",
            help=(
                "A JSON file mapping ORUK organisation names to JoinedUp organisation names, "
                'e.g. {"Northvale CAB": "Citizens Advice Northvale"}. Without it, organisations '
                "are found by exact name."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report, writing nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["file"])
        mapping = self._mapping(options["organisation_mapping"])
        report = import_oruk(
            actor=Actor.system(process="import_oruk"),
            data=data,
            organisation_resolver=organisation_resolver(mapping=mapping),
            dry_run=options["dry_run"],
        )
        for warning in report.warnings:
            self.stdout.write(f"Warning: {warning}")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(report.problems)} of {report.entries} entries have problems. "
                "Nothing was imported."
            )
        verb = "Would import" if report.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.entries} services: {report.created} new, {report.updated} updated."
            )
        )

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror}") from exc

    def _mapping(self, name: str | None) -> dict[str, str]:
        if not name:
            return {}
        try:
            mapping = json.loads(Path(name).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror}") from exc
        except ValueError as exc:
            raise CommandError(f"The organisation mapping {name} is not valid JSON.") from exc
        if not isinstance(mapping, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
        ):
            raise CommandError(
                "The organisation mapping must be a JSON object of ORUK name to JoinedUp name."
            )
        return mapping
