"""Load an agency extract (CSV or XLSX) into JoinedUp for matching.

    python manage.py import_extract FILE --organisation "Northvale Police" --kind police \\
        --extract-date 2026-11-01 --lawful-basis "UK GDPR 6(1)(e); DPA 2018 s.8" \\
        (--mapping "Police contacts" | --id-column ID --map first_name=Forename ... \\
         [--signal incidents_12m="Incidents (12m)"] --save-mapping "Police contacts") [--dry-run]

All or nothing: every bad row is printed with its line and reason, and the command exits
with status 1 writing nothing. Loading the same file again for the same organisation is
recognised (by its SHA-256) and does nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.accounts.models import Organisation
from joinedup.core.actor import Actor
from joinedup.matching.extracts import ExtractFormatError
from joinedup.matching.models import STANDARD_FIELDS, ColumnMapping, Signal, SourceKind
from joinedup.matching.services import load_extract, save_mapping


def _pairs(items: list[str], allowed: set[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, column = item.partition("=")
        if not sep or not column.strip():
            raise CommandError(f"{option} takes NAME=COLUMN, not {item!r}.")
        if name.strip() not in allowed:
            raise CommandError(
                f"Unknown {option[2:]} {name.strip()!r}; use one of {', '.join(sorted(allowed))}."
            )
        pairs[name.strip()] = column.strip()
    return pairs


class Command(BaseCommand):
    help = "Load an agency extract for matching; all or nothing, every bad row reported."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV or XLSX extract.")
        parser.add_argument("--organisation", required=True, help="The sending organisation.")
        parser.add_argument("--kind", choices=SourceKind.values, help="The kind of extract.")
        parser.add_argument("--extract-date", required=True, help="YYYY-MM-DD.")
        parser.add_argument("--lawful-basis", required=True, help="The lawful basis for sharing.")
        parser.add_argument("--mapping", help="The name of a saved column mapping to use.")
        parser.add_argument("--id-column", help="The column with the agency's record id.")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
        parser.add_argument("--signal", action="append", default=[], metavar="SIGNAL=COLUMN")
        parser.add_argument("--save-mapping", metavar="NAME", help="Save --map/--signal as NAME.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system(process="import_extract")
        try:
            organisation = Organisation.objects.get(name__iexact=options["organisation"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"No organisation called {options['organisation']!r}.") from exc
        try:
            extract_date = date.fromisoformat(options["extract_date"])
        except ValueError as exc:
            raise CommandError("--extract-date must be YYYY-MM-DD.") from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = self._mapping(actor, organisation, options)
        try:
            result = load_extract(
                actor=actor,
                organisation=organisation,
                data=path.read_bytes(),
                name=path.name,
                mapping=mapping,
                extract_date=extract_date,
                lawful_basis=options["lawful_basis"],
                dry_run=options["dry_run"],
            )
        except ExtractFormatError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} problem(s); nothing was loaded.") from exc
        if result.already_loaded and result.extract is not None:
            self.stdout.write(
                f"Already loaded as {result.extract.reference} "
                f"({result.extract.row_count:,} rows); nothing changed."
            )
        elif result.extract is None and result.read is not None:
            self.stdout.write(f"Checked {len(result.read.rows):,} rows: all good (dry run).")
        elif result.extract is not None:
            self.stdout.write(
                f"Loaded {result.extract.row_count:,} rows as {result.extract.reference}."
            )

    def _mapping(self, actor: Actor, organisation: Organisation, options: dict[str, Any]) -> Any:
        if options["mapping"]:
            try:
                return ColumnMapping.objects.get(organisation=organisation, name=options["mapping"])
            except ColumnMapping.DoesNotExist as exc:
                raise CommandError(
                    f"{organisation.name} has no mapping called {options['mapping']!r}."
                ) from exc
        if not options["id_column"] or not options["map"] or not options["kind"]:
            raise CommandError("Give --mapping, or --kind, --id-column and --map FIELD=COLUMN.")
        fields = _pairs(options["map"], set(STANDARD_FIELDS), "--map")
        signals = _pairs(options["signal"], set(Signal.values), "--signal")
        try:
            return save_mapping(
                actor=actor,
                organisation=organisation,
                source_kind=options["kind"],
                name=options["save_mapping"] or f"{path_name(options)} mapping",
                id_column=options["id_column"],
                fields=fields,
                signals=signals,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc


def path_name(options: dict[str, Any]) -> str:
    return Path(options["file"]).stem[:100]
