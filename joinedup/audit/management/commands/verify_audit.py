"""SEC-23: check the audit hash chain; exit 1 naming the first broken event.

Run it from the scheduler (see docs/operations.md) and alert on a non-zero exit, e.g. cron:
    30 3 * * *  cd /srv/joinedup && .venv/bin/python manage.py verify_audit
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.audit.verify import VerificationResult, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain: every event present (no gaps in the sequence), "
        "unaltered (its hash matches its contents) and linked to the event before it, and the "
        "last event matching the chain head. Prints 'Audit chain intact: N events checked.' "
        "and exits 0, or names the first broken event on stderr and exits 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="How many events to read from the database at a time (default 5000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        show_progress = options["verbosity"] >= 1 and self.stderr.isatty()

        def progress(checked: int, expected: int) -> None:
            if show_progress:
                percent = 100 * checked // expected if expected else 100
                self.stderr.write(
                    f"\rChecked {checked} of {expected} events ({percent}%)", ending=""
                )

        result = verify_chain(batch_size=options["batch_size"], progress=progress)
        if show_progress:
            self.stderr.write("")
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {result.events_checked} events checked.")
            )
            return
        self.stderr.write(self.style.ERROR(broken_message(result)))
        raise SystemExit(1)


def broken_message(result: VerificationResult) -> str:
    where = ""
    if result.first_broken_sequence is not None:
        where = f" at event {result.first_broken_sequence}"
        if result.first_broken_id is not None:
            where += f" (id {result.first_broken_id})"
    return f"Audit chain BROKEN{where}: {result.reason}"
