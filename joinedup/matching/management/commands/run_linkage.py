"""Run the matching now, in this process, with a progress bar.

    python manage.py run_linkage [--incremental]      # a new run
    python manage.py run_linkage --run RUN_ID         # carry out (or re-run) a queued one

The same work the background job does (``manage.py db_worker`` picks up runs started from
the pages). A run that fails or is killed leaves nothing half-written and can be run again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.matching.models import LinkageRun


class Command(BaseCommand):
    help = "Run record linkage over the loaded extracts (and JoinedUp's people)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incremental", action="store_true", help="New records only.")
        parser.add_argument("--run", help="The id of a queued or failed run to carry out.")

    def handle(self, *args: Any, **options: Any) -> None:
        from joinedup.matching.services import execute_run

        if options["run"]:
            try:
                run = LinkageRun.objects.get(pk=options["run"])
            except (LinkageRun.DoesNotExist, ValidationError, ValueError) as exc:
                raise CommandError(f"No linkage run {options['run']!r}.") from exc
            if run.status == LinkageRun.Status.SUCCEEDED:
                raise CommandError("That run has already finished.")
        else:
            kind = LinkageRun.Kind.INCREMENTAL if options["incremental"] else LinkageRun.Kind.FULL
            busy = LinkageRun.objects.filter(
                status__in=(LinkageRun.Status.QUEUED, LinkageRun.Status.RUNNING)
            )
            if busy.exists():
                raise CommandError("A linkage run is already queued or running.")
            run = LinkageRun.objects.create(kind=kind)
        run = execute_run(run.pk, progress=self._bar)
        self.stderr.write("")
        if run.status != LinkageRun.Status.SUCCEEDED:
            raise CommandError(f"The run failed: {run.error}")
        self.stdout.write(
            f"{run.records_loaded:,} records, {run.pairs_scored:,} pairs scored, "
            f"{run.clusters:,} people ({run.people_created:,} new, {run.merges} merges, "
            f"{run.splits} splits), {run.review_pairs:,} pairs to review, {run.seconds:.0f} s."
        )

    def _bar(self, stage: str, count: int) -> None:
        steps = ["records loaded", "model trained", "household moves", "pairs scored", "clusters"]
        reached = steps.index(stage) + 1 if stage in steps else 0
        bar = "#" * (reached * 5) + "-" * ((len(steps) - reached) * 5)
        figure = f" {count:,}" if count else ""
        self.stderr.write(f"\r[{bar}] {stage}{figure}".ljust(60), ending="")
        self.stderr.flush()
