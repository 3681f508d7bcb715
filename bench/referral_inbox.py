#!/usr/bin/env python
"""The referral inbox and the referrals-sent page with 100,000 referrals.

The question: do the receiving organisation's inbox tabs and the sent page stay under 150 ms
(p95 server time) when the partnership holds 100,000 referrals, a third of them the actor's?

What it does:

1. Makes a scratch database of its own, so it never touches the demo or a real database:
   SQLite in a temporary directory, or, for a PostgreSQL URL, a new database
   ``joinedup_bench_<pid>`` on that server, dropped at the end (as ``person_pages.py`` does).
2. Migrates it and builds the Northvale partnership only (13 organisations, their teams and
   staff with authenticators), then, with ``bulk_create`` in batches: a few thousand people
   (search keys set as the demo sets them) and 100,000 referrals (5,000 with ``--quick``) with
   one to four needs each. About ``--actor-share`` (30%) go to the actor's organisation (the
   council), the rest evenly to the other twelve; received over three years, in every status
   (recent ones mostly new or awaiting, older ones mostly answered, a few left open and so
   overdue), about half about a person on record and the rest self-referrals not yet matched
   to anyone. On PostgreSQL it then runs VACUUM (ANALYZE), as autovacuum would shortly after a
   load (``--analyze-only``: ANALYZE alone, the just-loaded worst case).
3. Signs in the council key worker through two-factor (as ``tests/helpers.log_in_verified``
   does) and times, through Django's test client, each inbox tab (``INBOX_TABS``) at page 1 and
   at a deep page (``--deep-page``, 20), and the sent page at both: warm-up requests, then
   ``--repeat`` timed ones, counting statements with ``CaptureQueriesContext``.

Progress and the slowest queries of each page go to stderr; the last line on stdout is ONE JSON
object (see ``bench/README.md``). Run from the repository root:

    DJANGO_SETTINGS_MODULE=joinedup.config.settings.local \\
        .venv/bin/python bench/referral_inbox.py [--quick] [--referrals N] [--repeat R] \\
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--explain]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import signal
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = "referral_inbox"
import harness  # noqa: E402  (bench/ is on the path when run as a script)
from harness import (  # noqa: E402
    QueryShape,
    QueryTimer,
    ScratchDatabase,
    elapsed,
    explain,
    git_commit,
    log,
    normalise_sql,
    percentile,
    scratch_database,
    signed_in_client,
)

harness.BENCH = BENCH
TARGET_P95_MS = 150.0
FULL_REFERRALS = 100_000
QUICK_REFERRALS = 5_000
FULL_REPEAT = 50
QUICK_REPEAT = 20
#: One person on record for about every 20 referrals (so some people have several).
REFERRALS_PER_PERSON = 20
MIN_PEOPLE = 1_000
BATCH = 2_000
ACTOR_EMAIL = "keyworker@council.northvale.example"


# ----------------------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the referral inbox tabs and the sent page on a scratch database.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smaller sizes (5,000 referrals, 20 repeats)."
    )
    parser.add_argument(
        "--referrals", type=int, default=None, help="Referrals to build (default 100,000)."
    )
    parser.add_argument(
        "--people",
        type=int,
        default=None,
        help=f"People on record (default referrals/{REFERRALS_PER_PERSON}, at least {MIN_PEOPLE}).",
    )
    parser.add_argument(
        "--actor-share",
        type=float,
        default=0.3,
        help="Share of referrals made to the actor's organisation (default 0.3).",
    )
    parser.add_argument("--seed", type=int, default=1, help="Data seed (default 1).")
    parser.add_argument(
        "--repeat", type=int, default=None, help="Timed requests per page (default 50, 20 quick)."
    )
    parser.add_argument("--warmup", type=int, default=None, help="Untimed requests per page first.")
    parser.add_argument(
        "--deep-page", type=int, default=20, help="The deep page number timed (default 20)."
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help=(
            "sqlite:///PATH (a new file, removed at the end) or a PostgreSQL URL used only as "
            "the admin connection to create and drop a scratch database. Default: the server "
            "of DATABASE_URL if it is PostgreSQL, otherwise a temporary SQLite file."
        ),
    )
    parser.add_argument(
        "--analyze-only",
        action="store_true",
        help="PostgreSQL: ANALYZE but do not VACUUM after the load (the just-loaded worst case).",
    )
    parser.add_argument(
        "--explain", action="store_true", help="Print the query plan of each page's slowest query."
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="Print every statement of one request of each page (stderr).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the scratch database (its URL goes to stderr)."
    )
    args = parser.parse_args(argv)
    if args.referrals is None:
        args.referrals = QUICK_REFERRALS if args.quick else FULL_REFERRALS
    if args.people is None:
        args.people = max(MIN_PEOPLE, args.referrals // REFERRALS_PER_PERSON)
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else FULL_REPEAT
    if args.warmup is None:
        args.warmup = max(5, args.repeat // 10)
    if args.referrals < 1 or args.people < 1 or args.repeat < 1 or args.deep_page < 2:
        parser.error("--referrals, --people and --repeat must be positive, --deep-page above 1")
    if not 0 < args.actor_share < 1:
        parser.error("--actor-share must be between 0 and 1")
    return args


# ----------------------------------------------------------------------------- scratch database


# ----------------------------------------------------------------------------- the data

GIVEN_NAMES = (
    "Aisha", "Amelia", "Ben", "Chloe", "Daniel", "Ella", "Grace", "Harry", "Isla", "Jack",
    "Jessica", "Kieran", "Liam", "Megan", "Mohammed", "Nathan", "Olivia", "Priya", "Ryan",
    "Sophie", "Tom", "Zara",
)  # fmt: skip
FAMILY_NAMES = (
    "Ahmed", "Baker", "Brown", "Clarke", "Davies", "Evans", "Green", "Hall", "Hughes", "Jones",
    "Khan", "Lewis", "Morgan", "Patel", "Roberts", "Shah", "Smith", "Taylor", "Thomas", "Walker",
    "White", "Williams", "Wilson", "Wright",
)  # fmt: skip
REASONS = (
    "Wants help finding work after a long time out; confidence is low.",
    "Behind on rent and council tax; needs a benefit check and debt advice.",
    "Recently out of treatment and keen to start volunteering.",
    "Caring for a parent and wants part-time work that fits around it.",
    "Needs help with English and getting online to apply for jobs.",
    "Leaving custody next month and will need housing and ID.",
)
#: Sources of referrals about a person on record; the rest are unmatched self-referrals.
LINKED_SOURCES = (("staff", 80), ("data_matching", 10), ("other_system", 5), ("self", 5))
#: Share of the staff referrals made to other organisations that the council made.
COUNCIL_REFERRER_SHARE = 0.25


def build(args: argparse.Namespace, vendor: str) -> tuple[dict[str, float], dict[str, Any]]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from joinedup.demo.context import DemoContext
    from joinedup.demo.partnership import build_partnership

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    log(f"migrated in {timings['migrate_s']}s")

    started = time.perf_counter()
    with transaction.atomic():
        organisations = build_partnership(DemoContext(seed=args.seed))
    timings["partnership_s"] = round(time.perf_counter() - started, 1)

    rng = random.Random(args.seed)
    started = time.perf_counter()
    with transaction.atomic():
        people = build_people(rng, args.people, organisations)
    timings["people_s"] = round(time.perf_counter() - started, 1)
    log(f"built {len(organisations)} organisations and {len(people):,} people")

    started = time.perf_counter()
    with transaction.atomic():
        made = build_referrals(rng, args, organisations, people)
    timings["referrals_s"] = round(time.perf_counter() - started, 1)
    log(
        f"built {made['referrals']:,} referrals with {made['needs']:,} needs "
        f"in {timings['referrals_s']}s"
    )
    if vendor == "postgresql":
        # Autovacuum would do this shortly after a load of this size (since PostgreSQL 13 it
        # vacuums insert-only tables too); VACUUM sets the visibility map, without which
        # index-only scans (the inbox's counts) still read every row from the table.
        statement = "ANALYZE" if args.analyze_only else "VACUUM (ANALYZE)"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement)
        timings["analyze_s"] = round(time.perf_counter() - started, 1)
        log(f"{statement} took {timings['analyze_s']}s")
    return timings, made


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_people(rng: random.Random, count: int, organisations: dict[str, Any]) -> list[Any]:
    """``count`` people, with the search keys the demo sets (no households: the inbox does not
    show them). Returns (id, given name, family name, date of birth, postcode) tuples."""
    from django.utils import timezone

    from joinedup.people.models import Person
    from joinedup.people.names import normalise_name, soundex

    registering = [organisations[k] for k in ("council", "jcp", "cab", "homes", "recovery")]
    weights = (50, 15, 15, 10, 10)
    today = timezone.localdate()
    rows: list[Person] = []
    for _ in range(count):
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        family_key = normalise_name(family)
        rows.append(
            Person(
                id=_uuid(rng),
                given_name=given,
                family_name=family,
                given_name_key=normalise_name(given),
                family_name_key=family_key,
                family_name_soundex=soundex(family_key),
                date_of_birth=today - timedelta(days=rng.randint(18 * 365, 70 * 365)),
                sex=rng.choice("FM"),
                address_line_1=f"{rng.randint(1, 180)} Bench Street",
                town="Northvale",
                postcode=f"NV{rng.randint(1, 8)} {rng.randint(1, 9)}AB",
                registered_by=rng.choices(registering, weights=weights)[0],
            )
        )
    Person.objects.bulk_create(rows, batch_size=BATCH)
    return [(p.pk, p.given_name, p.family_name, p.date_of_birth, p.postcode) for p in rows]


def _status(rng: random.Random, age_days: int) -> str:
    # new, awaiting, accepted, declined, closed: recent referrals mostly still open; older ones
    # mostly answered, with a few left open (these are the overdue ones).
    weights = (45, 30, 15, 10, 0) if age_days < 10 else (2, 3, 45, 15, 35)
    return rng.choices(("new", "awaiting", "accepted", "declined", "closed"), weights=weights)[0]


def build_referrals(
    rng: random.Random,
    args: argparse.Namespace,
    organisations: dict[str, Any],
    people: list[Any],
) -> dict[str, Any]:
    from django.utils import timezone

    from joinedup.accounts.models import Team, User
    from joinedup.core.working_days import WorkingDaysUnknownError, add_working_days
    from joinedup.directory.needs import NeedArea
    from joinedup.referrals.models import Referral, ReferralNeed

    keys = sorted(organisations)
    others = [k for k in keys if k != "council"]
    org_ids = {k: o.pk for k, o in organisations.items()}
    staff: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in User.objects.order_by("email").values_list("id", "organisation_id"):
        staff[org_id].append(user_id)
    teams: dict[Any, list[Any]] = defaultdict(list)
    for team_id, org_id in Team.objects.order_by("name").values_list("id", "organisation_id"):
        teams[org_id].append(team_id)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    due_cache: dict[tuple[date, int], date] = {}

    def due(day: date, urgency: str) -> date:
        days = {"routine": 5, "soon": 2, "urgent": 0}[urgency]
        if (day, days) not in due_cache:
            try:
                due_cache[day, days] = add_working_days(day, days)
            except WorkingDaysUnknownError:
                due_cache[day, days] = day + timedelta(days=days + days // 5 * 2)
        return due_cache[day, days]

    sources = [source for source, _ in LINKED_SOURCES]
    source_weights = [weight for _, weight in LINKED_SOURCES]
    needs_all = list(NeedArea.values)
    made: dict[str, Any] = {"referrals": 0, "needs": 0, "linked_to_person": 0, "overdue": 0}
    by_status: dict[str, int] = defaultdict(int)

    def batches() -> Iterator[tuple[list[Referral], list[ReferralNeed]]]:
        referrals: list[Referral] = []
        needs: list[ReferralNeed] = []
        for i in range(args.referrals):
            to_key = "council" if rng.random() < args.actor_share else rng.choice(others)
            to_id = org_ids[to_key]
            age = rng.randint(0, 3 * 365)
            received_day = today - timedelta(days=age)
            received = datetime(
                received_day.year,
                received_day.month,
                received_day.day,
                rng.randint(8, 17),
                rng.randint(0, 59),
                tzinfo=tz,
            )
            status = _status(rng, age)
            urgency = rng.choices(("routine", "soon", "urgent"), weights=(85, 12, 3))[0]
            linked = rng.random() < 0.5
            person = rng.choice(people)
            source = rng.choices(sources, weights=source_weights)[0] if linked else "self"
            from_key = None
            if source == "staff":
                if to_key != "council" and rng.random() < COUNCIL_REFERRER_SHARE:
                    from_key = "council"
                else:
                    from_key = rng.choice([k for k in others if k != to_key])
            referral = Referral(
                id=_uuid(rng),
                reference=f"B{i:09d}",
                person_id=person[0] if linked else None,
                source=source,
                referred_by_organisation_id=org_ids[from_key] if from_key else None,
                referred_by_id=rng.choice(staff[org_ids[from_key]]) if from_key else None,
                to_organisation_id=to_id,
                to_team_id=rng.choice(teams[to_id])
                if teams[to_id] and rng.random() < 0.5
                else None,
                reason=rng.choice(REASONS),
                urgency=urgency,
                consent_to_share=True,
                status=status,
                received_on=received,
                respond_by=due(received_day, urgency),
                created_on=received,
            )
            if status in ("accepted", "declined", "closed"):
                answered = min(due(received_day, "routine"), today)
                referral.responded_on = datetime(
                    answered.year, answered.month, answered.day, 11, tzinfo=tz
                )
                referral.responded_by_id = rng.choice(staff[to_id])
            if status == "declined":
                referral.decline_reason = "Not the right service; suggested the credit union."
            elif status == "closed":
                referral.outcome = "Worked with them for six weeks; now with their key worker."
            if source == "self":
                _, given, family, dob, postcode = person
                referral.given_name, referral.family_name = given, family
                referral.date_of_birth, referral.postcode = dob, postcode
                referral.contact_preference = "phone"
                referral.phone = f"07700 900{rng.randint(0, 999):03d}"
            if to_key == "council":
                by_status[status] += 1
                if status in ("new", "awaiting") and referral.respond_by < today:
                    made["overdue"] += 1
            made["linked_to_person"] += linked
            referrals.append(referral)
            for need in rng.sample(needs_all, rng.randint(1, 4)):
                needs.append(ReferralNeed(referral=referral, need=need))
            if len(referrals) >= BATCH:
                yield referrals, needs
                referrals, needs = [], []
        if referrals:
            yield referrals, needs

    for referrals, needs in batches():
        Referral.objects.bulk_create(referrals)
        ReferralNeed.objects.bulk_create(needs, batch_size=5 * BATCH)
        made["referrals"] += len(referrals)
        made["needs"] += len(needs)
    made["actor_org_by_status"] = dict(sorted(by_status.items()))
    return made


# ----------------------------------------------------------------------------- measuring


@dataclass
class Page:
    name: str
    path: str
    #: The page number served (a deep page beyond the last is served as the last).
    page: int
    #: Rows the page should list.
    rows: int
    #: Referrals in the tab (or sent).
    total: int


@dataclass
class PageResult:
    durations_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    last_request: list[str] = field(default_factory=list)
    shapes: dict[str, QueryShape] = field(default_factory=lambda: defaultdict(QueryShape))

    def summary(self, page: Page) -> dict[str, Any]:
        return {
            "p50_ms": round(percentile(self.durations_ms, 50), 1),
            "p95_ms": round(percentile(self.durations_ms, 95), 1),
            "max_ms": round(max(self.durations_ms), 1),
            "cpu_p95_ms": round(percentile(self.cpu_ms, 95), 1),
            "db_ms_p50": round(percentile(self.db_ms, 50), 1),
            "queries": max(self.queries),
            "min_queries": min(self.queries),
            "page": page.page,
            "rows": page.rows,
            "of": page.total,
        }

    def top_shapes(self, limit: int) -> list[tuple[str, QueryShape]]:
        return sorted(self.shapes.items(), key=lambda item: -item[1].total_s)[:limit]


_ROW = re.compile(rb'<tr class="govuk-table__row">')


def measure(page: Page, client: Any, *, repeat: int, warmup: int) -> PageResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one() -> Any:
        response = client.get(page.path)
        if response.status_code != 200:
            raise SystemExit(f"{BENCH}: {page.name} {page.path} gave {response.status_code}")
        return response

    response = one()
    rows = max(0, len(_ROW.findall(response.content)) - 1)  # less the header row
    if rows != page.rows:
        raise SystemExit(f"{BENCH}: {page.name} listed {rows} referrals, expected {page.rows}")
    for _ in range(warmup - 1):
        one()
    result = PageResult()
    for _ in range(repeat):
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            cpu_started = time.process_time()
            started = time.perf_counter()
            one()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        result.durations_ms.append(elapsed * 1000)
        result.cpu_ms.append(cpu * 1000)
        result.queries.append(len(captured.captured_queries))
        statements = list(timer.statements)
        # COMMIT, savepoints and the like do not pass through execute wrappers.
        statements += [
            (q["sql"], None, float(q["time"]))
            for q in captured.captured_queries
            if q["sql"].split(" ", 1)[0].upper() in {"COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
        ]
        db_s = 0.0
        for sql_text, params, seconds in statements:
            db_s += seconds
            shape = result.shapes[normalise_sql(sql_text)]
            shape.count += 1
            shape.total_s += seconds
            if seconds >= shape.slowest_s:
                shape.slowest_s, shape.slowest_sql, shape.slowest_params = seconds, sql_text, params
        result.db_ms.append(db_s * 1000)
        result.last_request = [normalise_sql(q["sql"]) for q in captured.captured_queries]
    return result


def report_hotspots(page: Page, result: PageResult, *, repeat: int, limit: int = 4) -> None:
    log(f"  slowest query shapes of {page.name} (per request, over {repeat}):")
    for shape_sql, shape in result.top_shapes(limit):
        log(
            f"    {shape.total_s * 1000 / repeat:7.2f} ms  {shape.count / repeat:4.1f}x  "
            f"max {shape.slowest_s * 1000:6.1f} ms  {shape_sql[:200]}"
        )


def plan_pages(actor_org_id: Any, deep: int) -> tuple[list[Page], dict[str, int]]:
    """Each tab's page 1 and deep page, then the sent page's; with what each should list."""
    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import timezone

    from joinedup.referrals.models import Referral
    from joinedup.referrals.selectors import INBOX_TABS, PAGE_SIZE

    overdue = Q(status__in=Referral.OPEN_STATUSES, respond_by__lt=timezone.localdate())
    counts = Referral.objects.filter(to_organisation_id=actor_org_id).aggregate(
        **{
            name: Count("id", filter=query & overdue if name == "overdue" else query)
            for name, (_, query) in INBOX_TABS.items()
        }
    )
    counts["sent"] = Referral.objects.filter(referred_by_organisation_id=actor_org_id).count()
    inbox_url, sent_url = reverse("referrals:inbox"), reverse("referrals:sent")
    pages: list[Page] = []
    for name in [*INBOX_TABS, "sent"]:
        total = counts[name]
        last = max(1, math.ceil(total / PAGE_SIZE))
        for label, wanted in (("p1", 1), (f"p{deep}", deep)):
            number = min(wanted, last)
            rows = max(0, min(PAGE_SIZE, total - (number - 1) * PAGE_SIZE))
            if name == "sent":
                path, title = f"{sent_url}?page={wanted}", f"sent {label}"
            else:
                path, title = f"{inbox_url}?tab={name}&page={wanted}", f"inbox {name} {label}"
            pages.append(Page(title, path, number, rows, total))
    return pages, counts


# ----------------------------------------------------------------------------- main


def run(args: argparse.Namespace, database: ScratchDatabase) -> dict[str, Any]:
    import django

    os.environ["DATABASE_URL"] = database.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.local")
    os.environ.setdefault("DEMO_MODE", "1")
    django.setup()

    from django.conf import settings

    from joinedup.accounts.models import User

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    log(f"scratch {database.vendor} database: {database.shown}")

    build_started = time.perf_counter()
    timings, made = build(args, database.vendor)
    seconds_to_build = round(time.perf_counter() - build_started, 1)
    actor = User.objects.get(email=ACTOR_EMAIL)
    pages, counts = plan_pages(actor.organisation_id, args.deep_page)
    received = made["actor_org_by_status"]
    log(f"actor's organisation: {sum(received.values()):,} received; tabs {counts}")

    client = signed_in_client(actor)
    load_before = round(os.getloadavg()[0], 2)
    measuring_started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for page in pages:
        measured = measure(page, client, repeat=args.repeat, warmup=args.warmup)
        results[page.name] = summary = measured.summary(page)
        top_sql, top = measured.top_shapes(1)[0]
        summary["top_query"] = {
            "ms_per_request": round(top.total_s * 1000 / args.repeat, 2),
            "sql": top_sql[:100],
        }
        log(
            f"{page.name:22s} p50 {summary['p50_ms']:6.1f}  p95 {summary['p95_ms']:6.1f} ms  "
            f"{summary['queries']} queries  db p50 {summary['db_ms_p50']} ms  "
            f"(page {page.page}, {page.rows} of {page.total})"
        )
        if summary["p95_ms"] >= TARGET_P95_MS or args.explain or args.show_queries:
            report_hotspots(page, measured, repeat=args.repeat)
        selects = [
            (text, shape)
            for text, shape in measured.top_shapes(len(measured.shapes))
            if text.startswith("SELECT") and "FOR UPDATE" not in text
        ]
        if args.explain and selects:
            shape = selects[0][1]
            log(f"  plan of the slowest SELECT ({selects[0][0][:100]}...):")
            for line in explain(database.vendor, shape.slowest_sql, shape.slowest_params):
                log(f"    {line}")
        if args.show_queries:
            for number, text in enumerate(measured.last_request, start=1):
                log(f"    {number:3d}. {text[:160]}")
    timings["measure_s"] = round(time.perf_counter() - measuring_started, 1)
    commit, dirty = git_commit()
    return {
        "benchmark": BENCH,
        "database": database.vendor,
        "referrals": made["referrals"],
        "received_by_actor_org": sum(received.values()),
        "repeats": args.repeat,
        "pages": results,
        "target_p95_ms": TARGET_P95_MS,
        "met": all(r["p95_ms"] < TARGET_P95_MS for r in results.values()),
        "commit": commit,
        "code_differs_from_commit": dirty,
        "seconds_to_build": seconds_to_build,
        "build_steps_s": timings,
        "sizes": {
            "people": args.people,
            "referral_needs": made["needs"],
            "linked_to_person": made["linked_to_person"],
            "actor_org_by_status": received,
            "actor_org_overdue": made["overdue"],
            "sent_by_actor_org": counts["sent"],
        },
        "warmup": args.warmup,
        "seed": args.seed,
        "quick": args.quick,
        "vacuumed": database.vendor == "postgresql" and not args.analyze_only,
        "load_average_1m": {
            "before": load_before,
            "after": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
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
