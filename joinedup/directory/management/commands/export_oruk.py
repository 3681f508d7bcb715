"""Export the service directory as Open Referral UK JSON (a list of services), which
``import_oruk`` reads back.

    python manage.py export_oruk --output directory.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.accounts.models import Organisation
from joinedup.directory.selectors import directory_services
from joinedup.directory.services import export_oruk_json


class Command(BaseCommand):
    help = "Export the directory's services (not archived ones) as Open Referral UK JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )
        parser.add_argument(
            "--organisation",
            metavar="NAME",
            help="Only this organisation's services (its name in JoinedUp).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(
                name__iexact=options["organisation"].strip()
            ).first()
            if organisation is None:
                raise CommandError(f"There is no organisation called {options['organisation']}.")
            organisation_id = organisation.pk
        services = directory_services(organisation_id=organisation_id)
        text = export_oruk_json(services)
        if options["output"]:
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}") from exc
            self.stderr.write(f"Exported {services.count()} services to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
