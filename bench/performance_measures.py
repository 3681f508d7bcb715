#!/usr/bin/env python
"""Performance measures (F15) over a large partnership.

The issue: "Performance measures over 2,000,000 case records compute in under 1 second p95
(bench/performance_measures.py, figures in the closing note)."

What it does:

1. Makes a scratch database of its own (SQLite in a temporary directory, or a new PostgreSQL
   database ``joinedup_bench_<pid>`` on the server of the URL given, dropped at the end), as
   every benchmark here does.
2. Builds the partnership exactly as ``bench/case_pages.py`` does (the Northvale partnership,
   100,000 people, 40,000 cases, 2,000,000 contacts, actions, goals, case events and outcomes,
   assessments, consents and cross-referrals; with ``--quick`` 5,000 people and 100,000 rows),
   then adds what the measures count that it does not: an intake referral and a completed
   triage (with its triage assessment) for every case, answered on time or late, plus referrals
   that led to no case (a quarter as many again), and places every person in one of 40 LSOAs
   under 4 wards of one district; and the demo's population indicators (figures, target) and
   shared dashboard items (also added to a kept database that lacks them). On PostgreSQL it
   then runs VACUUM (ANALYZE).
3. Times, after a warm-up: the selector ``measure_results`` (all 15 shipped measures for the
   whole partnership and the last 12 months; and again for the district) and
   ``measure_results_by_organisation`` (each partner's contribution), called directly; and the measures page through Django's test
   client as the performance analyst, unfiltered, filtered by the lead organisation, and by the
   district (every LSOA under it). Reported but not part of the target: the measures page for
   one ward (a quarter of the people), the people behind "people engaged" for the council key
   worker's team and for the whole partnership (the drill-down: one page of names, audited,
   the others counted), and the staff dashboard (measures for every partner and the
   indicators with their forecasts), warm and with the forecasts to fit again
   (``dashboard_cold``: the cache emptied before each request, so every forecast is fitted and
   every chart built again).

Progress goes to stderr; the last line on stdout is ONE JSON object (see ``bench/README.md``).
Run from the repository root:

    DJANGO_SETTINGS_MODULE=joinedup.config.settings.local \\
        .venv/bin/python bench/performance_measures.py [--quick] \\
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
for entry in (str(ROOT), str(BENCH_DIR)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

BENCH = "performance_measures"
import case_pages  # noqa: E402  (bench/ is on the path when run as a script)
import harness  # noqa: E402
from harness import (  # noqa: E402
    ScratchDatabase,
    elapsed,
    git_commit,
    log,
    percentile,
    scratch_database,
    signed_in_client,
)

harness.BENCH = BENCH
case_pages.BENCH = BENCH
TARGET_P95_MS = 1000.0
FULL_REPEAT = 20
QUICK_REPEAT = 8
LSOAS = 40
WARDS = 4
ANALYST_EMAIL = "analyst@council.northvale.example"
KEY_WORKER_EMAIL = "keyworker@council.northvale.example"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the performance measures.")
    parser.add_argument("--quick", action="store_true", help="5,000 people, 100,000 rows.")
    parser.add_argument("--people", type=int, default=None, help="Default 100,000.")
    parser.add_argument("--rows", type=int, default=None, help="Default 2,000,000.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=None, help="Timed runs (20; 8 quick).")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="As bench/case_pages.py.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument(
        "--existing",
        metavar="URL",
        default=None,
        help="Measure a database an earlier run kept (--keep) instead of building one.",
    )
    args = parser.parse_args(argv)
    build_argv = ["--seed", str(args.seed)]
    if args.quick:
        # Smaller than case_pages' quick sizes, so the whole run stays near a minute.
        build_argv += ["--quick", "--people", "2000", "--rows", "40000"]
    if args.people is not None:
        build_argv += ["--people", str(args.people)]
    if args.rows is not None:
        build_argv += ["--rows", str(args.rows)]
    args.build = case_pages.parse_args(build_argv)
    args.build.analyze_only = False
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else FULL_REPEAT
    if args.warmup is None:
        args.warmup = max(2, args.repeat // 5)
    return args


# ----------------------------------------------------------------------------- the extra data


def add_intake_and_areas(rng: random.Random, today: date) -> dict[str, int]:
    """Intake referrals and triages for every case, referrals with no case, and areas."""
    from django.utils import timezone

    from joinedup.accounts.models import Membership
    from joinedup.assessments.models import Assessment, AssessmentScale
    from joinedup.cases.models import Case
    from joinedup.people.models import Person
    from joinedup.performance.models import Area
    from joinedup.referrals.models import Referral
    from joinedup.triage.models import Triage

    tz = timezone.get_current_timezone()
    scale_id = AssessmentScale.objects.filter(active=True).order_by("name").first().pk
    teams = dict(Membership.objects.filter(team__isnull=False).values_list("user_id", "team_id"))
    referrals = case_pages.Loader(Referral)
    triages = case_pages.Loader(Triage)
    assessments = case_pages.Loader(Assessment)
    case_triage: list[Any] = []
    number = 0

    def at(day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=tz)

    def referral(person_id: Any, org_id: Any, team_id: Any, received: date) -> Referral:
        nonlocal number
        number += 1
        respond_by = received + timedelta(days=7)
        answered = received + timedelta(days=min(int(rng.expovariate(1 / 4)), 30))
        responded = answered if answered < today and rng.random() < 0.92 else None
        return Referral(
            id=case_pages._uuid(rng),
            reference=f"M{number:09d}",
            person_id=person_id,
            source=rng.choice(("staff", "staff", "self", "data_matching")),
            to_organisation_id=org_id,
            to_team_id=team_id,
            reason="Wants help into work.",
            urgency="routine",
            status="accepted" if responded else "new",
            received_on=at(received, 10),
            respond_by=respond_by,
            responded_on=at(responded, 15) if responded else None,
            created_on=at(received, 10),
        )

    cases = Case.objects.order_by("id").values_list(
        "id", "person_id", "organisation_id", "key_worker_id", "opened_on"
    )
    for case_id, person_id, org_id, worker_id, opened in cases.iterator(chunk_size=5000):
        received = opened - timedelta(days=rng.randint(1, 12))
        made = referral(person_id, org_id, teams.get(worker_id), received)
        referrals.add(made)
        assessment = Assessment(
            id=case_pages._uuid(rng),
            person_id=person_id,
            scale_id=scale_id,
            kind="triage",
            assessed_on=opened - timedelta(days=1),
            assessor_id=worker_id,
            organisation_id=org_id,
        )
        assessments.add(assessment)
        triage = Triage(
            id=case_pages._uuid(rng),
            referral_id=made.id,
            person_id=person_id,
            organisation_id=org_id,
            triaged_by_id=worker_id,
            assessment_id=assessment.id,
            identified_needs=["work_skills"],
            outcome="open_case",
            completed_on=at(opened - timedelta(days=1), 15),
            key_worker_id=worker_id,
        )
        triages.add(triage)
        case_triage.append((case_id, triage.id))
        if len(triages.rows) >= triages.batch:
            referrals.flush()
            assessments.flush()
            triages.flush()
    referrals.flush()
    assessments.flush()
    triages.flush()
    by_case = dict(case_triage)
    batch = []
    for case in Case.objects.only("id").iterator(chunk_size=5000):
        case.triage_id = by_case[case.id]
        batch.append(case)
        if len(batch) >= 5000:
            Case.objects.bulk_update(batch, ["triage"])
            batch = []
    Case.objects.bulk_update(batch, ["triage"])

    # Referrals that led to no case: a quarter as many again, over the last three years.
    people = list(Person.objects.values_list("id", "registered_by_id"))
    for _ in range(len(case_triage) // 4):
        person_id, org_id = rng.choice(people)
        referrals.add(
            referral(person_id, org_id, None, today - timedelta(days=rng.randint(0, 3 * 365)))
        )
    referrals.flush()

    # Areas: one district, WARDS wards, LSOAS LSOAs; everyone placed in one of them. The codes
    # are apart from the demo's (E08000901, E059..., E019...), whose areas are loaded too.
    district = Area.objects.create(code="E08900001", name="Bench district", level="district")
    codes = []
    for w in range(WARDS):
        ward = Area.objects.create(
            code=f"E05800{w:03d}", name=f"Bench ward {w}", level="ward", parent=district
        )
        for n in range(LSOAS // WARDS):
            code = f"E01{w:03d}{n:03d}"
            Area.objects.create(code=code, name=f"Bench LSOA {w}-{n}", level="lsoa", parent=ward)
            codes.append(code)
    ids = [pk for pk, _ in people]
    rng.shuffle(ids)
    chunk = 2000
    for start in range(0, len(ids), chunk):
        Person.objects.filter(pk__in=ids[start : start + chunk]).update(
            lsoa_code=codes[(start // chunk) % len(codes)]
        )
    return {
        "intake_referrals": len(case_triage),
        "triages": len(case_triage),
        "referrals_without_case": len(case_triage) // 4,
        "lsoas": len(codes),
    }


def add_dashboard(seed: int) -> dict[str, int]:
    """The demo's population indicators (figures, target) and shared dashboard items, as
    ``make demo`` has them; nothing when the database has them already."""
    from django.db import transaction

    from joinedup.accounts.models import Organisation
    from joinedup.demo.context import DemoContext
    from joinedup.demo.dashboard import build_dashboard
    from joinedup.demo.partnership import PARTNERS
    from joinedup.demo.performance import build_performance
    from joinedup.performance.models import DashboardItem, IndicatorValue

    if not DashboardItem.objects.exists():
        names = {spec.name: spec.key for spec in PARTNERS}
        organisations = {
            names[org.name]: org for org in Organisation.objects.filter(name__in=list(names))
        }
        ctx = DemoContext(seed=seed)
        with transaction.atomic():
            build_performance(ctx, organisations=organisations)
            build_dashboard(ctx)
    return {
        "dashboard_items": DashboardItem.objects.count(),
        "indicator_values": IndicatorValue.objects.count(),
    }


def existing_extra() -> dict[str, int]:
    from joinedup.performance.models import Area
    from joinedup.referrals.models import Referral
    from joinedup.triage.models import Triage

    triages = Triage.objects.filter(referral__reference__startswith="M").count()
    return {
        "intake_referrals": triages,
        "triages": triages,
        "referrals_without_case": Referral.objects.filter(
            reference__startswith="M", triage__isnull=True
        ).count(),
        "lsoas": Area.objects.filter(level="lsoa").count(),
    }


# ----------------------------------------------------------------------------- measuring


def time_calls(call: Any, *, repeat: int, warmup: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    durations, queries = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            durations.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return {
        "p50_ms": round(percentile(durations, 50), 1),
        "p95_ms": round(percentile(durations, 95), 1),
        "max_ms": round(max(durations), 1),
        "queries": max(queries),
    }


def dashboard_cold(client: Any, *, repeat: int) -> dict[str, Any]:
    """The staff dashboard with every forecast to fit and chart to build again (the cache
    emptied first)."""
    from django.core.cache import cache

    durations = []
    for _ in range(repeat):
        cache.clear()
        started = time.perf_counter()
        response = client.get("/performance/dashboard/")
        durations.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{BENCH}: the dashboard gave {response.status_code}, not 200")
    return {
        "p50_ms": round(percentile(durations, 50), 1),
        "max_ms": round(max(durations), 1),
        "requests": repeat,
        "actor": "key_worker",
    }


def run(args: argparse.Namespace, database: ScratchDatabase) -> dict[str, Any]:
    import django

    os.environ["DATABASE_URL"] = database.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.local")
    os.environ.setdefault("DEMO_MODE", "1")
    django.setup()

    from django.conf import settings
    from django.db import connection, transaction

    from joinedup.accounts.models import Membership, User
    from joinedup.core.actor import Actor
    from joinedup.performance.models import Area
    from joinedup.performance.selectors.areas import lsoa_codes_in
    from joinedup.performance.selectors.measures import (
        MeasureFilters,
        measure_results,
        measure_results_by_organisation,
    )

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    log(f"scratch {database.vendor} database: {database.shown}")
    commit, dirty = git_commit()
    started = time.perf_counter()
    if args.existing:
        timings: dict[str, float] = {}
        world = case_pages.world_from_database()
        extra = existing_extra()
    else:
        timings, world = case_pages.build(args.build, database.vendor)
        extra_started = time.perf_counter()
        with transaction.atomic():
            extra = add_intake_and_areas(random.Random(args.seed + 1), world.today)
        timings["intake_and_areas_s"] = round(time.perf_counter() - extra_started, 1)
        if database.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
    extra.update(add_dashboard(args.seed))
    seconds_to_build = round(time.perf_counter() - started, 1)
    figures = case_pages.sizes()
    figures.update(extra)
    figures["case_records"] = (
        sum(
            figures[k] for k in ("cases", "contacts", "actions", "goals", "case_events", "outcomes")
        )
        + figures["referrals"]
        + figures["triages"]
    )
    log(f"sizes: {figures}")

    analyst = User.objects.get(email=ANALYST_EMAIL)
    key_worker = User.objects.get(email=KEY_WORKER_EMAIL)
    actor = Actor.for_user(analyst, process="bench")
    everyone = MeasureFilters()
    totals = measure_results(actor=actor, filters=everyone)
    shown = {r.code: r.display for r in totals}
    log(f"figures: {shown}")
    district = Area.objects.get(level="district", code="E08900001")
    if len(lsoa_codes_in(area=district)) != LSOAS:
        raise SystemExit(f"{BENCH}: the bench district should hold {LSOAS} LSOAs")
    ward = Area.objects.get(level="ward", code="E05800000")

    selectors: dict[str, Any] = {
        "measure_results": time_calls(
            lambda: measure_results(actor=actor, filters=everyone),
            repeat=args.repeat,
            warmup=args.warmup,
        ),
        "measure_results_by_organisation": time_calls(
            lambda: measure_results_by_organisation(actor=actor, filters=everyone),
            repeat=args.repeat,
            warmup=args.warmup,
        ),
        "measure_results_district": time_calls(
            lambda: measure_results(actor=actor, filters=MeasureFilters(area_id=district.pk)),
            repeat=args.repeat,
            warmup=args.warmup,
        ),
    }
    for name, result in selectors.items():
        log(
            f"{name:32s} p50 {result['p50_ms']:7.1f}  p95 {result['p95_ms']:7.1f} ms  {result['queries']} queries"
        )

    council = world.org_ids["council"]
    team_id = (
        Membership.objects.filter(user=key_worker, team__isnull=False)
        .values_list("team_id", flat=True)
        .first()
    )
    pages = [
        case_pages.Page(
            "measures", "analyst", ["/performance/measures/"], expect=(r'data-testid="measure"', 15)
        ),
        case_pages.Page(
            "measures_organisation",
            "analyst",
            [f"/performance/measures/?organisation={council}"],
            expect=(r'data-testid="measure"', 15),
        ),
        case_pages.Page(
            "measures_area",
            "analyst",
            [f"/performance/measures/?area={district.pk}"],
            expect=(r'data-testid="measure"', 15),
        ),
        case_pages.Page(
            "measures_ward",
            "analyst",
            [f"/performance/measures/?area={ward.pk}"],
            expect=(r'data-testid="measure"', 15),
        ),
        case_pages.Page(
            "people_engaged_drill_down_team",
            "key_worker",
            [
                f"/performance/measures/people-engaged/people/?team={team_id}",
                f"/performance/measures/people-engaged/people/?team={team_id}&page=3",
            ],
        ),
        case_pages.Page(
            "people_engaged_drill_down_partnership",
            "key_worker",
            [
                "/performance/measures/people-engaged/people/",
                "/performance/measures/people-engaged/people/?page=40",
            ],
        ),
        case_pages.Page("dashboard", "key_worker", ["/performance/dashboard/"]),
    ]
    clients = {"analyst": signed_in_client(analyst), "key_worker": signed_in_client(key_worker)}
    results: dict[str, Any] = {}
    for page in pages:
        measured = case_pages.measure(
            page, clients[page.actor], repeat=args.repeat, warmup=args.warmup
        )
        results[page.name] = summary = {
            "p50_ms": round(percentile(measured.durations_ms, 50), 1),
            "p95_ms": round(percentile(measured.durations_ms, 95), 1),
            "max_ms": round(max(measured.durations_ms), 1),
            "db_ms_p50": round(percentile(measured.db_ms, 50), 1),
            "queries": max(measured.queries),
            "actor": page.actor,
        }
        log(
            f"{page.name:32s} p50 {summary['p50_ms']:7.1f}  p95 {summary['p95_ms']:7.1f} ms  {summary['queries']} queries"
        )
        case_pages.report_hotspots(page.name, measured, repeat=args.repeat, limit=4)
    results["dashboard_cold"] = dashboard_cold(clients["key_worker"], repeat=args.warmup + 1)
    log(
        f"{'dashboard_cold':32s} p50 {results['dashboard_cold']['p50_ms']:7.1f}  "
        f"max {results['dashboard_cold']['max_ms']:7.1f} ms"
    )
    targeted = [
        *selectors.values(),
        *(results[p] for p in ("measures", "measures_organisation", "measures_area")),
    ]
    return {
        "bench": BENCH,
        "database": database.vendor,
        "sizes": figures,
        "selectors": selectors,
        "pages": results,
        "figures": shown,
        "target_p95_ms": TARGET_P95_MS,
        "met": all(r["p95_ms"] < TARGET_P95_MS for r in targeted),
        "commit": commit,
        "code_differs_from_commit": dirty,
        "seconds_to_build": seconds_to_build,
        "build_steps_s": timings,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "quick": args.quick,
        "existing_database": bool(args.existing),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.existing:
        database = case_pages.existing_database(args.existing)
    else:
        database = scratch_database(args.database_url, keep=args.keep)
    try:
        output = run(args, database)
    finally:
        database.cleanup()
    log(f"done in {elapsed():.0f}s; met={output['met']}")
    print(json.dumps(output, sort_keys=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
