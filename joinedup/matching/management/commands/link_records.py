"""Deduplicate one file of person records with the matching pipeline.

    python manage.py link_records --input people.csv --id-column ID \\
        --map first_name=Forename --map surname=Surname --map date_of_birth=DOB \\
        --map postcode="Post Code" [--map address=Address ...] --output linked.csv [--json]

Writes ``id,person_id`` (one row per input row, in the input's order): rows with the same
``person_id`` are the same person. ``--json`` prints the run's figures (records, pairs
scored, clusters, seconds) as one JSON line. A progress bar goes to standard error. The file
is not loaded into JoinedUp: data officers use this to clean an extract before loading it.
Bad input (a missing column, an unknown field, repeated ids) stops the run with a clear
message and no output file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.matching.models import STANDARD_FIELDS

STAGES = (
    "records loaded",
    "model trained",
    "household moves",
    "pairs scored",
    "clusters",
    "written",
)


class Progress:
    """A one-line progress bar on standard error: the stage and its count."""

    def __init__(self, stream: Any, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()

    def __call__(self, stage: str, count: int) -> None:
        if not self.enabled:
            return
        done = STAGES.index(stage) + 1 if stage in STAGES else 0
        bar = "#" * (done * 4) + "-" * ((len(STAGES) - done) * 4)
        figure = f" {count:,}" if count else ""
        self.stream.write(
            f"\r[{bar}] {stage}{figure} ({time.monotonic() - self.started:.0f} s)".ljust(72)
        )
        self.stream.flush()
        if stage == STAGES[-1]:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Deduplicate a CSV of person records; write id,person_id for each row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="The CSV file of person records.")
        parser.add_argument("--id-column", required=True, help="The column with each row's id.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Map a standard field to a column; fields: {', '.join(STANDARD_FIELDS)}.",
        )
        parser.add_argument("--output", required=True, help="Where to write id,person_id.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument(
            "--upper",
            type=float,
            default=None,
            help="Match weight at or above which two rows are the same person (default 0, even odds).",
        )
        parser.add_argument(
            "--backend", choices=("duckdb", "spark"), default=None, help="Splink backend."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import pandas as pd

        from joinedup.matching import linkage
        from joinedup.matching.cleaning import clean_frame

        started = time.monotonic()
        mapping = self._mapping(options["map"])
        source = Path(options["input"])
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            raw = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise CommandError(f"{source} cannot be read as CSV: {exc}") from exc
        id_column = options["id_column"]
        missing = [c for c in [id_column, *mapping.values()] if c not in raw.columns]
        if missing:
            raise CommandError(
                "The file has no column "
                + ", ".join(repr(c) for c in missing)
                + f"; its columns are {', '.join(map(repr, raw.columns))}."
            )
        ids = raw[id_column]
        if ids.isna().any():
            lines = [str(i + 2) for i in ids.index[ids.isna()][:10]]
            raise CommandError(f"Rows with no id, on lines {', '.join(lines)}.")
        repeated = ids[ids.duplicated()]
        if len(repeated):
            raise CommandError(
                f"Ids must be unique; repeated: {', '.join(map(str, repeated.unique()[:10]))}."
            )
        frame = pd.DataFrame({"unique_id": ids.astype(str), "source": source.name})
        for standard, column in mapping.items():
            frame[standard] = raw[column]
        tell = Progress(self.stderr, enabled=not options["json"] or sys.stderr.isatty())
        clean = clean_frame(frame)
        thresholds = linkage.Thresholds(
            upper=options["upper"] if options["upper"] is not None else linkage.Thresholds().upper
        )
        result = linkage.link(
            clean, thresholds=thresholds, progress=tell, backend=options["backend"]
        )
        clusters = linkage.clusters(
            clean["unique_id"], result.pairs, thresholds=thresholds, records=clean
        )
        tell("clusters", len(set(clusters.values())))
        numbers: dict[str, int] = {}
        person_ids = []
        for record in frame["unique_id"]:
            cluster = clusters[record]
            numbers.setdefault(cluster, len(numbers) + 1)
            person_ids.append(f"P{numbers[cluster]:07d}")
        output = Path(options["output"])
        pd.DataFrame({"id": frame["unique_id"], "person_id": person_ids}).to_csv(
            output, index=False
        )
        tell("written", len(frame))
        figures = {
            "records": len(frame),
            "pairs_scored": int(result.figures["pairs_scored"]),
            "links": int((result.pairs["match_weight"] >= thresholds.upper).sum()),
            "clusters": len(numbers),
            "seconds": round(time.monotonic() - started, 2),
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
        else:
            self.stdout.write(
                f"{figures['records']:,} records, {figures['clusters']:,} people, "
                f"{figures['pairs_scored']:,} pairs scored in {figures['seconds']} s: {output}"
            )

    def _mapping(self, items: list[str]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for item in items:
            field, sep, column = item.partition("=")
            field = field.strip()
            if not sep or not column.strip():
                raise CommandError(f"--map takes FIELD=COLUMN, not {item!r}.")
            if field not in STANDARD_FIELDS:
                raise CommandError(
                    f"Unknown field {field!r}; use one of {', '.join(STANDARD_FIELDS)}."
                )
            mapping[field] = column.strip()
        if not ({"first_name", "surname"} & set(mapping)):
            raise CommandError("Map at least first_name or surname.")
        return mapping
