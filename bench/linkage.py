#!/usr/bin/env python
"""Record linkage at scale: JoinedUp's pipeline against a plain Splink configuration.

The issue: "bench/linkage.py --records N prints one JSON line: records, seconds, peak memory,
precision, recall, F1 — and the same figures for a plain Splink configuration (name, surname,
date of birth, postcode exact comparisons) on the same data in the same run. Targets on this
2-core machine: 1,000,000 records linked in under 10 minutes with peak memory under 8 GiB;
F1 at least 0.97 on the generator's hard setting, and higher than the plain configuration."

What it does:

1. Generates ``--records`` multi-agency records with ground truth
   (``joinedup.matching.synthetic.generate``, ``--setting hard`` by default) and writes them
   to a Parquet file in a temporary directory.
2. Runs each configuration in its own child process, so that each one's peak memory
   (``ru_maxrss``) is its own and nothing is shared between them:
   - ``joinedup``: ``cleaning.clean_frame``, then ``linkage.link`` (training and prediction)
     and ``linkage.clusters``: everything a full run does before writing to the database.
   - ``plain``: Splink with exact comparisons of first name, surname, date of birth and
     postcode on the values as given (trimmed, lower case), blocking on pairs of them, trained
     the same way (λ from deterministic rules, u by random sampling, m by EM).
   ``seconds`` is the child's time from reading the file to having clusters: loading,
   cleaning, training, prediction and clustering.
3. Scores each clustering against the truth, over pairs of records: precision (of the pairs
   put in one cluster, how many are the same person), recall (of the true pairs, how many were
   put together) and F1.

The last line on stdout is ONE JSON object; progress goes to stderr. Run from the repository
root:

    DJANGO_SETTINGS_MODULE=joinedup.config.settings.local \\
        .venv/bin/python bench/linkage.py --records 100000 [--setting hard] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import harness  # noqa: E402
from harness import git_commit, log  # noqa: E402

harness.BENCH = BENCH = "linkage"
TARGET_SECONDS = 600
TARGET_PEAK_GIB = 8.0
TARGET_F1 = 0.97
FIELDS = ("first_name", "surname", "date_of_birth", "postcode")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Link synthetic multi-agency records.")
    parser.add_argument("--records", type=int, default=10_000, help="Records (default 10,000).")
    parser.add_argument("--setting", default="hard", choices=("easy", "hard"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", choices=("joinedup", "plain"), help="Run one configuration (for profiling)."
    )
    parser.add_argument("--worker", choices=("joinedup", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.records < 100:
        parser.error("--records at least 100")
    return args


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.local")
    import django

    django.setup()


# ----------------------------------------------------------------------------- scoring


def score(truth: Any, clusters: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of ``clusters`` (record → cluster) against
    ``truth`` (a frame of record_id and true_person_id)."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "record_id": truth["record_id"].to_numpy(),
            "truth": truth["true_person_id"].to_numpy(),
        }
    )
    frame["cluster"] = frame["record_id"].map(clusters)

    def pairs(sizes: Any) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    true_pairs = pairs(frame.groupby("truth").size())
    found_pairs = pairs(frame.groupby("cluster").size())
    right = pairs(frame.groupby(["cluster", "truth"]).size())
    precision = right / found_pairs if found_pairs else 1.0
    recall = right / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "found_pairs": found_pairs,
    }


# ----------------------------------------------------------------------------- workers


def plain_link(raw: Any) -> tuple[Any, int]:
    """A plain Splink configuration: exact comparisons of the four fields as given."""
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = raw.loc[:, ["unique_id", *FIELDS]].copy()
    for column in FIELDS:
        frame[column] = frame[column].astype("string").str.strip().str.lower()
    logging.getLogger("splink").setLevel(logging.ERROR)
    connection = duckdb.connect(":memory:")
    # The same working-memory limit as JoinedUp's runs (LINKAGE_MEMORY_LIMIT), so the two
    # are compared on equal terms and neither takes the machine.
    from django.conf import settings as django_settings

    connection.execute(f"SET memory_limit = '{django_settings.JOINEDUP_LINKAGE_MEMORY_LIMIT}'")
    connection.execute("SET preserve_insertion_order = false")
    spill = tempfile.mkdtemp(prefix="joinedup-duckdb-")
    connection.execute(f"SET temp_directory = '{Path(spill).as_posix()}'")
    api = DuckDBAPI(connection=connection)
    records = api.register(frame, table_name="plain_records")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.ExactMatch(column) for column in FIELDS],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("date_of_birth", "postcode"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(records, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    # The same EM passes as JoinedUp's (blocking on the surname alone would compare every
    # pair of Smiths: hundreds of millions of pairs at a million records).
    for rule in (block_on("date_of_birth"), block_on("first_name", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=min(1.0, max(0.05, 200_000 / len(frame)))
        )
    pairs = linker.inference.predict(threshold_match_weight=0).as_pandas_dataframe()
    return pairs.loc[:, ["unique_id_l", "unique_id_r", "match_weight"]], len(pairs)


def worker(kind: str, data: str) -> dict[str, Any]:
    """One configuration in this (child) process; returns its figures."""
    import pandas as pd

    _django()
    from joinedup.matching import linkage
    from joinedup.matching.cleaning import PASSED_THROUGH, clean_frame

    started = time.monotonic()
    raw = pd.read_parquet(data)
    raw = raw.rename(columns={"record_id": "unique_id"})
    stages: dict[str, float] = {}
    if kind == "joinedup":
        from joinedup.matching.synthetic import REFERENCE_DATE

        # As a full run reads them: each agency's records are one extract, taken on the day
        # the generator counts ages from.
        raw["extract"] = raw["source"]
        raw["extract_date"] = REFERENCE_DATE.isoformat()
        clean = clean_frame(raw.loc[:, ["unique_id", "source", *STANDARD, *PASSED_THROUGH]])
        stages["clean"] = round(time.monotonic() - started, 1)
        result = linkage.link(clean)
        stages["link"] = round(time.monotonic() - started - stages["clean"], 1)
        pairs, scored = result.pairs, len(result.pairs)
        thresholds = linkage.Thresholds()
        records = clean
    else:
        pairs, scored = plain_link(raw)
        stages["link"] = round(time.monotonic() - started, 1)
        thresholds = linkage.Thresholds()
        records = None  # plain Splink: connected components of the links, nothing more
    clusters = linkage.clusters(raw["unique_id"], pairs, thresholds=thresholds, records=records)
    seconds = time.monotonic() - started
    truth = raw.rename(columns={"unique_id": "record_id"})
    figures = score(truth, clusters)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024)  # KiB → GiB
    return {
        "seconds": round(seconds, 1),
        "stages": stages,
        "peak_memory_gib": round(peak, 2),
        "pairs_scored": scored,
        "clusters": len(set(clusters.values())),
        **figures,
    }


STANDARD = (
    "first_name",
    "surname",
    "date_of_birth",
    "sex",
    "address",
    "postcode",
    "uprn",
    "ni_number",
    "nhs_number",
    "email",
    "phone",
)


def run_child(kind: str, data: Path) -> dict[str, Any]:
    log(f"{kind}: linking")
    process = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, "--worker", kind, "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if process.returncode != 0:
        sys.stderr.write(process.stderr[-4000:])
        raise SystemExit(f"{kind} failed with exit code {process.returncode}")
    figures = json.loads(process.stdout.strip().splitlines()[-1])
    log(f"{kind}: {figures}")
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.data)))
        return 0
    _django()
    from joinedup.matching.synthetic import generate

    commit, dirty = git_commit()
    started = time.monotonic()
    frame = generate(args.records, setting=args.setting, seed=args.seed)
    generated = time.monotonic() - started
    log(f"generated {len(frame):,} records in {generated:.1f} s")
    with tempfile.TemporaryDirectory(prefix="joinedup-linkage-") as folder:
        data = Path(folder) / "records.parquet"
        columns = ["record_id", "source", "true_person_id", *STANDARD]
        frame.loc[:, columns].astype(object).to_parquet(data)
        true_people = frame["true_person_id"].nunique()
        del frame
        kinds = [args.only] if args.only else ["joinedup", "plain"]
        results = {kind: run_child(kind, data) for kind in kinds}
    ours = results.get("joinedup")
    plain = results.get("plain")
    met = None
    if ours is not None:
        met = {
            "f1_at_least_0.97": ours["f1"] >= TARGET_F1,
            "f1_above_plain": None if plain is None else ours["f1"] > plain["f1"],
            "under_10_minutes": ours["seconds"] < TARGET_SECONDS,
            "peak_under_8_gib": ours["peak_memory_gib"] < TARGET_PEAK_GIB,
        }
    print(
        json.dumps(
            {
                "bench": BENCH,
                "records": args.records,
                "setting": args.setting,
                "seed": args.seed,
                "true_people": int(true_people),
                "generate_seconds": round(generated, 1),
                "cpus": os.cpu_count(),
                **(
                    {
                        "seconds": ours["seconds"],
                        "peak_memory_gib": ours["peak_memory_gib"],
                        "precision": ours["precision"],
                        "recall": ours["recall"],
                        "f1": ours["f1"],
                    }
                    if ours
                    else {}
                ),
                "joinedup": ours,
                "plain": plain,
                "met": met,
                "commit": commit,
                "code_differs_from_commit": dirty,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
