#!/usr/bin/env python
"""My work, caseload, the case page and the team's workload with a large partnership.

The issue: "bench/case_pages.py seeds 100,000 people with about 2,000,000 notes, actions and
outcomes in PostgreSQL and prints p50/p95 server time and query count for: my work, caseload,
case page, team workload (target p95 under 150 ms; query count independent of caseload size)."

What it does:

1. Makes a scratch database of its own, so it never touches the demo or a real database:
   SQLite in a temporary directory, or, for a PostgreSQL URL, a new database
   ``joinedup_bench_<pid>`` on that server, dropped at the end (as ``person_pages.py`` does).
2. Migrates it and builds the Northvale partnership (``build_partnership``), then adds enough
   bench key workers for everyone to carry a realistic caseload, and loads with ``bulk_create``
   in batches: 100,000 people (5,000 with ``--quick``), 40,000 cases in every state, and about
   2,000,000 rows (100,000 quick) of contacts (the notes; the bulk), actions, goals, case
   events and outcomes (job starts with their 13/26/52-week sustainments among them), plus
   assessments and complexity ratings, consents, cross-referrals, attachments and triage
   handoffs. On PostgreSQL it then runs VACUUM (ANALYZE), as autovacuum would shortly after a
   load.
3. The actor is the council key worker ``keyworker@council.northvale.example`` with
   ``--actor-cases`` active cases (120), one of them a long-running case much bigger than a
   typical one; a second council key worker has ``--small-cases`` (10), to show that my work
   and caseload run the same statements whatever the caseload. The team's workload is timed
   as the council's hub manager, ``manager@council.northvale.example``.
4. Signs them in through two-factor (as ``tests/helpers.log_in_verified`` does) and times each
   page through Django's test client: warm-up requests, then ``--repeat`` timed ones, counting
   statements with ``CaptureQueriesContext``.

Progress and the slowest queries of each page go to stderr; the last line on stdout is ONE JSON
object (see ``bench/README.md``). Run from the repository root:

    DJANGO_SETTINGS_MODULE=joinedup.config.settings.local \\
        .venv/bin/python bench/case_pages.py [--quick] [--people N] [--rows N] \\
        [--actor-cases N] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = "case_pages"
import harness  # noqa: E402  (bench/ is on the path when run as a script)
from harness import (  # noqa: E402
    QueryShape,
    QueryTimer,
    ScratchDatabase,
    elapsed,
    explain,
    git_commit,
    is_postgres,
    log,
    normalise_sql,
    percentile,
    scratch_database,
    signed_in_client,
)

harness.BENCH = BENCH
TARGET_P95_MS = 150.0
FULL_PEOPLE = 100_000
QUICK_PEOPLE = 5_000
FULL_ROWS = 2_000_000
QUICK_ROWS = 100_000
#: Cases per person (40,000 for 100,000 people).
CASES_PER_PERSON = 0.4
FULL_REPEAT = 40
QUICK_REPEAT = 15
#: Distinct actor's cases the "case" page cycles through.
CASE_SAMPLE = 30
BATCH = 2_000
#: Outcome has about 30 columns: PostgreSQL allows 65,535 parameters a statement.
WIDE_BATCH = 1_000

ACTOR_EMAIL = "keyworker@council.northvale.example"
MANAGER_EMAIL = "manager@council.northvale.example"

#: Organisations that lead cases, and their share of the cases. The council's hub leads most;
#: the rest are partners given key workers of their own for the bench.
LEAD_ORGANISATIONS = (
    ("council", 55),
    ("homes", 15),
    ("youth", 10),
    ("supported", 10),
    ("recovery", 10),
)
#: Who registered the people (a case's person is registered by the case's lead organisation).
REGISTERING = (
    ("council", 50),
    ("homes", 12),
    ("youth", 8),
    ("supported", 8),
    ("recovery", 8),
    ("jcp", 8),
    ("cab", 6),
)
CASE_STATUSES = (("open", 45), ("paused", 8), ("closed", 42), ("reopened", 5))
ACTIVE = frozenset({"open", "paused", "reopened"})
#: Means per case of each kind of row, as shares of ``--rows`` / cases (50 a case by default:
#: 28 contacts, 12.5 actions, 5 outcomes, 2.5 goals, about 2 events).
ROW_SHARES = {"contacts": 0.56, "actions": 0.25, "outcomes": 0.10, "goals": 0.05}
#: How much bigger than a typical case the actor's long-running case is.
RICH_FACTOR = {"contacts": 10, "actions": 8, "outcomes": 3, "goals": 3}
#: Active cases a bench key worker carries on average.
CASELOAD = 100


# ----------------------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time my work, caseload, the case page and team workload on a scratch "
        "database.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Smaller sizes (5,000 people, 100,000 rows, 15 repeats).",
    )
    parser.add_argument(
        "--people", type=int, default=None, help="People to build (default 100,000)."
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="Contacts, actions, goals, case events and outcomes together (default 2,000,000).",
    )
    parser.add_argument(
        "--cases", type=int, default=None, help=f"Cases (default people x {CASES_PER_PERSON})."
    )
    parser.add_argument(
        "--actor-cases",
        type=int,
        default=120,
        help="Active cases of the actor, the council key worker (default 120).",
    )
    parser.add_argument(
        "--small-cases",
        type=int,
        default=10,
        help="Active cases of the second key worker, for the query-count comparison (10).",
    )
    parser.add_argument("--seed", type=int, default=1, help="Data and sampling seed (default 1).")
    parser.add_argument(
        "--repeat", type=int, default=None, help="Timed requests per page (default 40, 15 quick)."
    )
    parser.add_argument("--warmup", type=int, default=None, help="Untimed requests per page first.")
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
        "--explain",
        action="store_true",
        help="Print the plan of every page's slowest SELECT (done anyway for pages over target).",
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="Print every statement of one request of each page (stderr).",
    )
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="PAGE",
        help="Also run PAGE's requests under cProfile and print the top functions (repeatable).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the scratch database (its URL goes to stderr)."
    )
    parser.add_argument(
        "--existing",
        metavar="URL",
        default=None,
        help="Measure a database an earlier run kept (--keep) instead of building one; its "
        "sizes are what that run built. It is not dropped.",
    )
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = QUICK_PEOPLE if args.quick else FULL_PEOPLE
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else FULL_ROWS
    if args.cases is None:
        args.cases = round(args.people * CASES_PER_PERSON)
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else FULL_REPEAT
    if args.warmup is None:
        args.warmup = max(5, args.repeat // 10)
    if args.people < 500 or args.repeat < 1 or args.actor_cases < 1 or args.small_cases < 1:
        parser.error("--people at least 500; --repeat, --actor-cases, --small-cases at least 1")
    council_active = args.cases * LEAD_ORGANISATIONS[0][1] / 100 * 0.55
    if args.actor_cases + args.small_cases > council_active * 0.8:
        parser.error(
            f"--actor-cases + --small-cases must stay under about {int(council_active * 0.8)} "
            "(most of the council's active cases): give more --cases or --people"
        )
    if args.rows < args.cases * 10:
        parser.error("--rows must be at least 10 a case")
    return args


# ----------------------------------------------------------------------------- scratch database


def existing_database(url: str) -> ScratchDatabase:
    """A database kept by an earlier run (--keep), measured again; never dropped."""

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()

    vendor = "postgresql" if is_postgres(url) else "sqlite"
    if vendor == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
        raise SystemExit(f"{BENCH}: no database at {url}")
    return ScratchDatabase(vendor, url, f"{url} (existing, kept)", cleanup)


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
NOTES = (
    "Met at the hub to go through the plan; agreed the next two steps and a date to review.",
    "Phoned to check how the first week of the course went. Enjoying it, travel is the issue.",
    "Home visit with the tenancy officer. Arrears plan is holding; one payment missed in June.",
    "Went through three vacancies together and sent two applications before the end of the day.",
    "Did not attend; left a voicemail and sent a text with a new appointment for next week.",
    "Benefit check done with Citizens Advice; likely entitled to more, claim started today.",
    "Talked about confidence in interviews. Booked onto the mock interview session on Friday.",
    "Childcare place confirmed from next month, so the job search can move to full days.",
    "Feeling low this week. Agreed to call the talking therapies line and to check in Monday.",
    "Brought the payslips we asked for; job start recorded and the employer contact noted.",
)
ATTENDEES = ("", "", "", "Tenancy officer", "Mum", "Work coach", "Support worker, interpreter")
EMPLOYERS = (
    ("Northvale Hospital", "Porter"),
    ("Greenway Supermarket", "Shelf filler"),
    ("Brightside Care", "Care assistant"),
    ("Northvale Council", "Street cleaner"),
    ("Riverside Hotel", "Housekeeper"),
    ("Parcelfast", "Warehouse operative"),
)
#: Partners whose services help with each need (owners of the plan's actions and outcomes).
NEED_HELPERS = {
    "work_skills": ("jcp", "college", "adult_learning", "supported"),
    "money_debt": ("cab", "credit_union"),
    "housing": ("homes",),
    "physical_health": ("supported", "talking"),
    "mental_wellbeing": ("talking",),
    "drugs_alcohol": ("recovery",),
    "offending": ("probation",),
    "family_relationships": ("council",),
    "confidence_motivation": ("cvs", "adult_learning", "youth"),
    "basic_digital_skills": ("adult_learning", "college"),
    "practical_barriers": ("council", "jcp"),
}
#: Outcome kinds other than job starts and sustainments, with their weights.
OTHER_OUTCOMES = (
    ("training_started", 14),
    ("training_completed", 10),
    ("qualification", 6),
    ("volunteering", 8),
    ("debt_reduced", 10),
    ("income_gained", 10),
    ("housing_secured", 4),
    ("tenancy_sustained", 6),
    ("treatment_started", 4),
    ("treatment_completed", 3),
    ("wellbeing_change", 10),
)
#: Share of a case's outcomes that are job starts (each followed by its sustainments).
JOB_START_SHARE = 0.22


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _count(rng: random.Random, mean: float) -> int:
    """A skewed count with the given mean: most cases small, a few much bigger."""
    return int(rng.expovariate(1.0) * mean + 0.5)


@dataclass
class CaseSpec:
    id: uuid.UUID
    org_key: str
    person_id: uuid.UUID
    status: str
    opened: date
    closed: date | None
    #: The day it closed, or today for a case not closed.
    end: date
    key_worker_id: Any = None
    #: (goal id or None, need area, category) of its goals.
    goals: list[tuple[Any, str, str]] = field(default_factory=list)
    rich: bool = False

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class Loader:
    """Buffers model instances and writes them with bulk_create in batches."""

    def __init__(self, model: Any, batch: int = BATCH) -> None:
        self.model = model
        self.batch = batch
        self.rows: list[Any] = []
        self.written = 0

    def add(self, row: Any) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.model.objects.bulk_create(self.rows, batch_size=self.batch)
            self.written += len(self.rows)
            self.rows = []


@dataclass
class World:
    """What the build made that the measuring needs."""

    today: date
    org_ids: dict[str, Any]
    actor_id: Any
    small_id: Any
    manager_id: Any
    rich_case_id: Any = None
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def build(args: argparse.Namespace, vendor: str) -> tuple[dict[str, float], World]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from joinedup.accounts.models import User
    from joinedup.demo.context import DemoContext
    from joinedup.demo.partnership import build_partnership

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    log(f"migrated in {timings['migrate_s']}s")

    def step(name: str, function: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        with transaction.atomic():
            result = function()
        timings[f"{name}_s"] = round(time.perf_counter() - started, 1)
        log(f"{name}: {timings[f'{name}_s']}s")
        return result

    organisations = step("partnership", lambda: build_partnership(DemoContext(seed=args.seed)))
    org_ids = {key: org.pk for key, org in organisations.items()}
    users = dict(User.objects.values_list("email", "pk"))
    world = World(
        today=timezone.localdate(),
        org_ids=org_ids,
        actor_id=users[ACTOR_EMAIL],
        small_id=None,
        manager_id=users[MANAGER_EMAIL],
    )
    rng = random.Random(args.seed)
    pools = step("people", lambda: build_people(rng, args, world))
    specs = step("cases", lambda: build_cases(rng, args, world, pools))
    step("plans", lambda: build_plans(rng, args, world, specs))
    step("contacts", lambda: build_contacts(rng, args, world, specs))
    step("outcomes", lambda: build_outcomes(rng, args, world, specs))
    step("assessments", lambda: build_assessments(rng, world, specs, pools))
    step("sharing_and_referrals", lambda: build_sharing_and_referrals(rng, world, specs, pools))
    if vendor == "postgresql":
        # Autovacuum would do this shortly after a load of this size; VACUUM sets the
        # visibility map, without which index-only scans still read the table.
        statement = "ANALYZE" if args.analyze_only else "VACUUM (ANALYZE)"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement)
        timings["analyze_s"] = round(time.perf_counter() - started, 1)
        log(f"{statement} took {timings['analyze_s']}s")
    return timings, world


def build_people(
    rng: random.Random, args: argparse.Namespace, world: World
) -> dict[str, list[uuid.UUID]]:
    """``--people`` people with the search keys the demo sets; returns their ids by the
    organisation that registered them."""
    from joinedup.people.models import Person
    from joinedup.people.names import normalise_name, soundex

    keys = [k for k, _ in REGISTERING]
    weights = [w for _, w in REGISTERING]
    pools: dict[str, list[uuid.UUID]] = defaultdict(list)
    loader = Loader(Person)
    for _ in range(args.people):
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        family_key = normalise_name(family)
        org_key = rng.choices(keys, weights=weights)[0]
        person = Person(
            id=_uuid(rng),
            given_name=given,
            family_name=family,
            given_name_key=normalise_name(given),
            family_name_key=family_key,
            family_name_soundex=soundex(family_key),
            date_of_birth=world.today - timedelta(days=rng.randint(18 * 365, 66 * 365)),
            sex=rng.choice("FM"),
            address_line_1=f"{rng.randint(1, 180)} Bench Street",
            town="Northvale",
            postcode=f"NV{rng.randint(1, 8)} {rng.randint(1, 9)}AB",
            registered_by_id=world.org_ids[org_key],
        )
        pools[org_key].append(person.id)
        loader.add(person)
    loader.flush()
    world.counts["people"] = loader.written
    return pools


def _status_and_dates(rng: random.Random, today: date) -> tuple[str, date, date | None]:
    age = rng.randint(0, 3 * 365)
    opened = today - timedelta(days=age)
    status = rng.choices([s for s, _ in CASE_STATUSES], [w for _, w in CASE_STATUSES])[0]
    if age < 60 and status in ("closed", "reopened"):
        status = "open"
    closed = None
    if status == "closed":
        closed = opened + timedelta(days=rng.randint(40, max(41, age - 1)))
    return status, opened, closed


def build_cases(
    rng: random.Random, args: argparse.Namespace, world: World, pools: dict[str, list[uuid.UUID]]
) -> list[CaseSpec]:
    """The cases, with key workers enough for a realistic caseload each: the actor gets
    ``--actor-cases`` active council cases (one of them long-running and rich), the second key
    worker ``--small-cases``; bench key workers share the rest, about ``CASELOAD`` each."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from joinedup.accounts.models import Membership, Team, User
    from joinedup.accounts.roles import Role
    from joinedup.cases.models import Case, CaseEvent, Programme, WorkerCapacity
    from joinedup.demo.cases import PROGRAMMES

    programmes = [Programme.objects.get(name="Employment and skills support").pk] + [
        Programme.objects.create(id=_uuid(rng), name=name, description=text).pk
        for name, text in PROGRAMMES
    ]
    today = world.today
    lead_keys = [k for k, _ in LEAD_ORGANISATIONS]
    lead_weights = [w for _, w in LEAD_ORGANISATIONS]
    # A person has at most one case a programme (the database allows one active one).
    cursor = dict.fromkeys(lead_keys, 0)
    for key in lead_keys:
        rng.shuffle(pools[key])
    specs: list[CaseSpec] = []
    programme_of: dict[uuid.UUID, Any] = {}
    for _ in range(args.cases):
        key = rng.choices(lead_keys, lead_weights)[0]
        pool = pools[key]
        turn, index = divmod(cursor[key], len(pool))
        if turn >= len(programmes):
            continue
        cursor[key] += 1
        status, opened, closed = _status_and_dates(rng, today)
        spec = CaseSpec(_uuid(rng), key, pool[index], status, opened, closed, closed or today)
        programme_of[spec.id] = programmes[turn]
        specs.append(spec)

    # The actor's and the second key worker's cases, from the council's.
    council = [s for s in specs if s.org_key == "council"]
    active = [s for s in council if s.active]
    closed_cases = [s for s in council if not s.active]
    world.small_id = second_key_worker(world.org_ids["council"], world.actor_id)
    taken = 0
    for worker_id, wanted in (
        (world.actor_id, args.actor_cases),
        (world.small_id, args.small_cases),
    ):
        for spec in active[taken : taken + wanted]:
            spec.key_worker_id = worker_id
        taken += wanted
        for spec in closed_cases[: max(2, wanted // 2)]:
            spec.key_worker_id = worker_id
        closed_cases = closed_cases[max(2, wanted // 2) :]
    actor_active = [s for s in active if s.key_worker_id == world.actor_id]
    rich = min(actor_active, key=lambda s: s.opened)
    rich.rich = True
    rich.opened = today - timedelta(days=3 * 365 - 5)
    world.rich_case_id = rich.id

    # Bench key workers: enough that each carries about CASELOAD active cases.
    password = make_password(None)
    teams = {
        org_id: team_id
        for team_id, org_id in Team.objects.order_by("-name").values_list("id", "organisation_id")
    }
    teams[world.org_ids["council"]] = Team.objects.get(name="Employment and Skills Hub").pk
    existing: dict[str, list[Any]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.filter(role=Role.KEY_WORKER, user__is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
    ):
        if user_id not in (world.actor_id, world.small_id):
            existing[org_id].append(user_id)
    new_users: list[User] = []
    memberships: list[Membership] = []
    workers: dict[str, list[Any]] = {}
    for key in lead_keys:
        org_id = world.org_ids[key]
        unassigned_active = sum(
            1 for s in specs if s.org_key == key and s.active and not s.key_worker_id
        )
        needed = max(1, math.ceil(unassigned_active / CASELOAD)) - len(existing[org_id])
        ids = list(existing[org_id])
        for n in range(max(0, needed)):
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            user = User(
                id=_uuid(rng),
                email=f"bench.keyworker{n + 1:03d}@{key}.northvale.example",
                full_name=f"{given} {family}",
                job_title="Key worker",
                organisation_id=org_id,
                password=password,
            )
            new_users.append(user)
            memberships.append(
                Membership(id=_uuid(rng), user=user, role=Role.KEY_WORKER, team_id=teams[org_id])
            )
            ids.append(user.id)
        workers[key] = ids
    User.objects.bulk_create(new_users, batch_size=BATCH)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    all_workers = [w for ids in workers.values() for w in ids] + [world.actor_id, world.small_id]
    WorkerCapacity.objects.bulk_create(
        WorkerCapacity(
            id=_uuid(rng),
            user_id=user_id,
            # Points for about CASELOAD cases of middling complexity (Amber counts 2).
            full_time_points=2 * CASELOAD + 20,
            fte=Decimal(rng.choice(("1.00", "1.00", "1.00", "0.80", "0.60"))),
            specialisms=rng.sample(sorted(NEED_HELPERS), rng.randint(0, 2)),
        )
        for user_id in all_workers
    )
    world.counts["key_workers"] = len(all_workers)
    world.counts["council_key_workers"] = len(workers["council"]) + 2
    for spec in specs:
        if spec.key_worker_id is None:
            spec.key_worker_id = rng.choice(workers[spec.org_key])

    cases = Loader(Case)
    events = Loader(CaseEvent)

    tz = timezone.get_current_timezone()

    def at(day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=tz)

    def event(spec: CaseSpec, kind: str, day: date, reason: str = "") -> None:
        events.add(
            CaseEvent(
                id=_uuid(rng),
                case_id=spec.id,
                kind=kind,
                reason=reason,
                created_on=at(min(day, today)),
                created_by_id=spec.key_worker_id,
            )
        )

    for number, spec in enumerate(specs, start=1):
        case = Case(
            id=spec.id,
            reference=f"C{number:07d}",
            person_id=spec.person_id,
            programme_id=programme_of[spec.id],
            organisation_id=world.org_ids[spec.org_key],
            key_worker_id=spec.key_worker_id,
            status=spec.status,
            opened_on=spec.opened,
            closed_on=spec.closed,
            created_on=at(spec.opened),
            created_by_id=spec.key_worker_id,
        )
        event(spec, "opened", spec.opened)
        if spec.status in ("closed", "reopened"):
            closed = spec.closed or spec.opened + timedelta(days=40)
            case.closure_reason = rng.choice(("goals_met", "employment", "disengaged"))
            case.closure_note = "Closed after a review with the person."
            event(spec, "closed", closed, case.closure_note)
            if spec.status == "reopened":
                event(spec, "reopened", closed + timedelta(days=20), "Asked for help again.")
        elif spec.status == "paused":
            event(spec, "paused", spec.opened + timedelta(days=20), "In hospital for a while.")
        pauses = 10 if spec.rich else (1 if rng.random() < 0.15 else 0)
        for i in range(pauses):
            day = spec.opened + timedelta(days=60 + 90 * i)
            event(spec, "paused", day, "Away for a few weeks.")
            event(spec, "resumed", day + timedelta(days=21), "Back in touch.")
        if spec.rich or rng.random() < 0.1:
            event(spec, "transferred", spec.opened + timedelta(days=30), "Caseloads rebalanced.")
        cases.add(case)
    cases.flush()
    events.flush()
    world.counts["cases"] = cases.written
    world.counts["case_events"] = events.written
    return specs


def second_key_worker(council_id: Any, actor_id: Any) -> Any:
    """The council key worker given ``--small-cases``: the first demo one (with an
    authenticator, so they can sign in) after the actor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from joinedup.accounts.models import Membership
    from joinedup.accounts.roles import Role

    return (
        Membership.objects.filter(
            role=Role.KEY_WORKER,
            user__organisation_id=council_id,
            user__in=TOTPDevice.objects.filter(confirmed=True).values("user_id"),
        )
        .exclude(user_id=actor_id)
        .order_by("user__email")
        .values_list("user_id", flat=True)
        .first()
    )


def world_from_database() -> World:
    """What ``build`` returns, read back from a database an earlier run kept (--existing)."""
    from django.utils import timezone

    from joinedup.accounts.models import Organisation, User
    from joinedup.demo.partnership import PARTNERS

    names = dict(Organisation.objects.values_list("name", "pk"))
    org_ids = {spec.key: names[spec.name] for spec in PARTNERS}
    if not User.objects.filter(email__startswith="bench.keyworker").exists():
        raise SystemExit(f"{BENCH}: --existing must name a database kept by case_pages.py --keep")
    actor_id = User.objects.get(email=ACTOR_EMAIL).pk
    return World(
        today=timezone.localdate(),
        org_ids=org_ids,
        actor_id=actor_id,
        small_id=second_key_worker(org_ids["council"], actor_id),
        manager_id=User.objects.get(email=MANAGER_EMAIL).pk,
    )


def _means(args: argparse.Namespace) -> dict[str, float]:
    per_case = args.rows / args.cases
    return {kind: per_case * share for kind, share in ROW_SHARES.items()}


def build_plans(
    rng: random.Random, args: argparse.Namespace, world: World, specs: list[CaseSpec]
) -> None:
    """Goals for the person's needs and actions owned by the partners who help with them.
    Actions fall due over the case's life; most before its end are done, the rest still
    open (overdue) on active cases and cancelled on closed ones."""
    from django.utils import timezone

    from joinedup.accounts.models import Membership
    from joinedup.accounts.roles import Role
    from joinedup.assessments.models import ScaleArea
    from joinedup.cases.models import Action, Goal
    from joinedup.demo.cases import ACTIONS, GOALS

    means = _means(args)
    today = world.today
    categories = dict(
        ScaleArea.objects.filter(scale__active=True).values_list("need_area", "category")
    )
    needs = sorted(NEED_HELPERS)
    staff: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.filter(role__in=(Role.KEY_WORKER, Role.PARTNER_PRACTITIONER))
        .order_by("user__email")
        .values_list("user_id", "user__organisation_id")
    ):
        staff[org_id].append(user_id)
    goals = Loader(Goal)
    actions = Loader(Action)
    midday = datetime(
        today.year, today.month, today.day, 12, tzinfo=timezone.get_current_timezone()
    )
    for spec in specs:
        lead = world.org_ids[spec.org_key]
        n_goals = min(len(needs), max(1, _count(rng, means["goals"])))
        n_actions = _count(rng, means["actions"])
        if spec.rich:
            n_goals = int(means["goals"] * RICH_FACTOR["goals"])
            n_actions = int(means["actions"] * RICH_FACTOR["actions"])
        span = max(1, (spec.end - spec.opened).days)
        for need in rng.sample(needs, n_goals):
            goal = Goal(
                id=_uuid(rng),
                case_id=spec.id,
                need_area=need,
                description=GOALS.get(need, "A goal the person chose"),
                category=categories.get(need, "identity_contact"),
                status="achieved" if spec.status == "closed" and rng.random() < 0.6 else "active",
                created_on=midday - timedelta(days=(today - spec.opened).days),
                created_by_id=spec.key_worker_id,
            )
            spec.goals.append((goal.id, need, goal.category))
            goals.add(goal)
        for _ in range(n_actions):
            goal_id, need, category = rng.choice(spec.goals)
            if rng.random() < 0.1:
                goal_id = None  # an action outside any goal
            owner_key = rng.choice(NEED_HELPERS[need]) if rng.random() < 0.5 else spec.org_key
            owner_org = world.org_ids[owner_key]
            owner = None
            if owner_org == lead and rng.random() < 0.5:
                owner = spec.key_worker_id
            elif staff.get(owner_org) and rng.random() < 0.5:
                owner = rng.choice(staff[owner_org])
            due = spec.opened + timedelta(days=rng.randint(7, span + 60))
            # Done or cancelled once past, mostly; a few left open (overdue) on active cases,
            # more of the recent ones than of the old.
            late = (spec.end - due).days
            left_open = 1.0 if late < 0 else (0.3 if late < 60 else 0.03)
            if not spec.active or rng.random() >= left_open:
                done = late >= 0 and rng.random() < 0.85
                status = "done" if done else "cancelled"
                completed = min(due, spec.end) if done else None
            else:
                status = "in_progress" if rng.random() < 0.4 else "not_started"
                completed = None
            actions.add(
                Action(
                    id=_uuid(rng),
                    case_id=spec.id,
                    goal_id=goal_id,
                    description=rng.choice(ACTIONS.get(need, ("Follow up",))),
                    owner_organisation_id=owner_org,
                    owner_id=owner,
                    due_on=due,
                    status=status,
                    completed_on=completed,
                    progress_note="Booked; waiting to hear back." if rng.random() < 0.2 else "",
                    category=category,
                    created_on=midday - timedelta(days=(today - spec.opened).days),
                    created_by_id=spec.key_worker_id,
                )
            )
    goals.flush()
    actions.flush()
    world.counts["goals"] = goals.written
    world.counts["actions"] = actions.written


def build_contacts(
    rng: random.Random, args: argparse.Namespace, world: World, specs: list[CaseSpec]
) -> None:
    """Contacts and notes over each case's life, mostly by the lead organisation's key worker
    and some by the partners helping; a few with an attachment (rows only, no files)."""
    from django.utils import timezone

    from joinedup.accounts.models import Membership
    from joinedup.cases.models import Attachment, Contact

    means = _means(args)
    kinds = ("face_to_face", "phone", "home_visit", "group_session", "video", "text")
    staff: dict[Any, list[Any]] = defaultdict(list)
    for user_id, org_id in Membership.objects.order_by("user__email").values_list(
        "user_id", "user__organisation_id"
    ):
        staff[org_id].append(user_id)
    tz = timezone.get_current_timezone()
    contacts = Loader(Contact)
    attachments = Loader(Attachment)
    for spec in specs:
        lead = world.org_ids[spec.org_key]
        n = _count(rng, means["contacts"])
        if spec.rich:
            n = int(means["contacts"] * RICH_FACTOR["contacts"])
        span = max(0, (spec.end - spec.opened).days)
        for _ in range(n):
            day = spec.opened + timedelta(days=rng.randint(0, span))
            _, need, category = rng.choice(spec.goals)
            if rng.random() < 0.8:
                org, by = lead, spec.key_worker_id
                category = "identity_contact" if rng.random() < 0.5 else category
            else:
                org = world.org_ids[rng.choice(NEED_HELPERS[need])]
                by = rng.choice(staff[org]) if staff.get(org) else None
            contact = Contact(
                id=_uuid(rng),
                case_id=spec.id,
                happened_on=day,
                kind=rng.choice(kinds),
                organisation_id=org,
                duration_minutes=rng.choice((None, 15, 30, 45, 60, 90)),
                attendees=rng.choice(ATTENDEES),
                note=" ".join(rng.sample(NOTES, rng.randint(1, 3))),
                category=category,
                created_on=datetime(day.year, day.month, day.day, rng.randint(8, 17), tzinfo=tz),
                created_by_id=by,
            )
            contacts.add(contact)
            if rng.random() < (0.2 if spec.rich else 0.02):
                attachments.add(
                    Attachment(
                        id=_uuid(rng),
                        contact=contact,
                        file=f"contact-attachments/{day:%Y/%m}/{rng.getrandbits(128):032x}.pdf",
                        original_name=rng.choice(("payslip.pdf", "letter.pdf", "tenancy.pdf")),
                        size=rng.randint(20_000, 2_000_000),
                        created_on=contact.created_on,
                        created_by_id=by,
                    )
                )
                if len(attachments.rows) >= attachments.batch:
                    contacts.flush()  # the contacts first: attachments refer to them
                    attachments.flush()
    contacts.flush()
    attachments.flush()
    world.counts["contacts"] = contacts.written
    world.counts["attachments"] = attachments.written


def _outcome_fields(rng: random.Random, kind: str) -> dict[str, Any]:
    if kind in ("job_start", "volunteering"):
        employer, role = rng.choice(EMPLOYERS)
        fields: dict[str, Any] = {"employer": employer, "role": role}
        if kind == "job_start":
            fields.update(
                hours_per_week=Decimal(rng.choice(("16.0", "24.0", "30.0", "37.5"))),
                pay=Decimal(rng.choice(("11.44", "12.21", "13.50"))),
                contract_type=rng.choice(("permanent", "temporary", "zero_hours")),
            )
        return fields
    if kind in ("training_started", "training_completed"):
        return {"course": "Warehouse skills", "provider": "Northvale College"}
    if kind == "qualification":
        return {"qualification_level": rng.choice(("1", "2", "3")), "subject": "Maths"}
    if kind == "debt_reduced":
        return {
            "debt_before": Decimal(rng.randint(1000, 9000)),
            "debt_after": Decimal(rng.randint(0, 900)),
            "debt_how": "A debt relief order.",
        }
    if kind == "income_gained":
        return {"income_gained_per_year": Decimal(rng.randint(500, 5000)), "description": "PIP"}
    if kind in ("treatment_started", "treatment_completed"):
        return {"provider": "Northvale Recovery Service", "description": "Day programme."}
    return {"description": "Reported a real change at the review."}


def build_outcomes(
    rng: random.Random, args: argparse.Namespace, world: World, specs: list[CaseSpec]
) -> None:
    """Outcomes on each case: job starts (each with the 13/26/52-week sustainments recorded
    so far: most on time, some missed, so some are due or overdue a check), training, money,
    housing, treatment and wellbeing."""
    from django.utils import timezone

    from joinedup.outcomes.models import Outcome

    means = _means(args)
    today = world.today
    other_kinds = [k for k, _ in OTHER_OUTCOMES]
    other_weights = [w for _, w in OTHER_OUTCOMES]
    tz = timezone.get_current_timezone()
    outcomes = Loader(Outcome, WIDE_BATCH)

    def add(spec: CaseSpec, kind: str, day: date, **extra: Any) -> Outcome:
        org_key = spec.org_key if rng.random() < 0.8 else rng.choice(NEED_HELPERS["work_skills"])
        verified = rng.random() < 0.4
        outcome = Outcome(
            id=_uuid(rng),
            case_id=spec.id,
            person_id=spec.person_id,
            organisation_id=world.org_ids[org_key],
            kind=kind,
            category=Outcome.KIND_CATEGORIES[kind],
            achieved_on=day,
            evidence="Payslip seen." if verified else "",
            verification="verified" if verified else "unverified",
            verified_by_id=spec.key_worker_id if verified else None,
            verified_on=min(day + timedelta(days=7), today) if verified else None,
            created_on=datetime(day.year, day.month, day.day, 14, tzinfo=tz),
            created_by_id=spec.key_worker_id,
            **extra,
        )
        outcomes.add(outcome)
        return outcome

    for spec in specs:
        n = _count(rng, means["outcomes"])
        if spec.rich:
            n = int(means["outcomes"] * RICH_FACTOR["outcomes"])
        span = max(0, (spec.end - spec.opened).days)
        made = 0
        while made < n:
            day = spec.opened + timedelta(days=rng.randint(0, span))
            if rng.random() >= JOB_START_SHARE:
                kind = rng.choices(other_kinds, other_weights)[0]
                add(spec, kind, day, **_outcome_fields(rng, kind))
                made += 1
                continue
            start = add(spec, "job_start", day, **_outcome_fields(rng, "job_start"))
            made += 1
            for weeks in (13, 26, 52):
                due = day + timedelta(weeks=weeks)
                if due > today:
                    break
                overdue_by = (today - due).days
                # Recorded on time mostly; a missed check stays due until a later one is.
                if rng.random() < (0.2 if overdue_by < 30 else 0.85):
                    add(
                        spec,
                        "job_sustained",
                        due,
                        job_start=start,
                        weeks=weeks,
                        employer="",
                    )
                    made += 1
                elif spec.active:
                    break  # due (or overdue) a check from now on
    outcomes.flush()
    world.counts["outcomes"] = outcomes.written


def build_assessments(
    rng: random.Random, world: World, specs: list[CaseSpec], pools: dict[str, list[uuid.UUID]]
) -> None:
    """A triage assessment for each case's person and reviews on open cases (some overdue a
    review), and complexity ratings (with history) for most people. The assessments of the two
    timed key workers' people are scored in every area (the case page's distance travelled);
    the others' are not, to keep the load to the rows the issue names."""
    from django.utils import timezone

    from joinedup.assessments.models import (
        AreaScore,
        Assessment,
        AssessmentScale,
        ComplexityRating,
        ScaleArea,
    )

    today = world.today
    scale = AssessmentScale.objects.filter(active=True).order_by("name").first()
    areas = list(
        ScaleArea.objects.filter(scale=scale).order_by("order").values_list("pk", "category")
    )
    tz = timezone.get_current_timezone()
    assessments = Loader(Assessment)
    scores: list[AreaScore] = []  # written after the assessments they score
    ratings = Loader(ComplexityRating)
    seen: set[uuid.UUID] = set()
    for spec in specs:
        if spec.person_id in seen:
            continue
        seen.add(spec.person_id)
        org = world.org_ids[spec.org_key]
        days = [spec.opened - timedelta(days=rng.randint(1, 14))]
        while days[-1] + timedelta(days=84) < spec.end and rng.random() < 0.75:
            days.append(days[-1] + timedelta(days=rng.randint(70, 110)))
        scored = spec.key_worker_id in (world.actor_id, world.small_id)
        for i, day in enumerate(days):
            assessment = Assessment(
                id=_uuid(rng),
                person_id=spec.person_id,
                scale=scale,
                kind="triage" if i == 0 else "review",
                assessed_on=min(day, today),
                assessor_id=spec.key_worker_id,
                organisation_id=org,
                motivators="Wants to work with people.",
                barriers="Childcare and travel.",
                created_on=datetime(day.year, day.month, day.day, 11, tzinfo=tz),
            )
            assessments.add(assessment)
            for area_id, category in areas if scored else ():
                score = min(10, rng.randint(1, 7) + i)
                scores.append(
                    AreaScore(
                        id=_uuid(rng),
                        assessment_id=assessment.id,
                        area_id=area_id,
                        score=score,
                        complex_issue=score <= 3,
                        category=category,
                    )
                )
    for key, people in pools.items():
        org = world.org_ids[key]
        for person_id in people:
            if rng.random() >= 0.85:
                continue  # not rated yet
            first = today - timedelta(days=rng.randint(30, 3 * 365))
            for i in range(rng.randint(1, 3)):
                day = min(first + timedelta(days=90 * i), today)
                ratings.add(
                    ComplexityRating(
                        id=_uuid(rng),
                        person_id=person_id,
                        rating=rng.choices("RAG", (25, 45, 30))[0],
                        explanation="Two areas scored as complex issues.",
                        organisation_id=org,
                        created_on=datetime(day.year, day.month, day.day, 12, i, tzinfo=tz),
                    )
                )
    assessments.flush()
    AreaScore.objects.bulk_create(scores, batch_size=BATCH)
    ratings.flush()
    world.counts["assessments"] = assessments.written
    world.counts["area_scores"] = len(scores)
    world.counts["complexity_ratings"] = ratings.written


def build_sharing_and_referrals(
    rng: random.Random, world: World, specs: list[CaseSpec], pools: dict[str, list[uuid.UUID]]
) -> None:
    """Consents for some case people (a few of the actor's expiring soon), cross-referrals
    from some cases to partners (and so referrals waiting in the council's inbox), and triage
    handoffs waiting for the actor and the second key worker."""
    from django.utils import timezone

    from joinedup.assessments.models import Assessment, AssessmentScale
    from joinedup.cases.models import CrossReferral
    from joinedup.referrals.models import Referral
    from joinedup.sharing.models import Consent, InformationCategory
    from joinedup.triage.models import Triage

    today = world.today
    tz = timezone.get_current_timezone()
    category_ids = dict(InformationCategory.objects.values_list("code", "pk"))
    codes = sorted(c for c in category_ids if c != "identity_contact")
    keys = sorted(world.org_ids)
    consents = Loader(Consent)
    consent_orgs = Loader(Consent.organisations.through, 5 * BATCH)
    consent_cats = Loader(Consent.categories.through, 5 * BATCH)
    referrals = Loader(Referral)
    links = Loader(CrossReferral)
    mine = (world.actor_id, world.small_id)
    number = 0

    def referral(
        to_key: str, from_key: str, person_id: Any, by: Any, received: date, status: str
    ) -> Referral:
        nonlocal number
        number += 1
        return Referral(
            id=_uuid(rng),
            reference=f"X{number:09d}",
            person_id=person_id,
            source="staff",
            referred_by_organisation_id=world.org_ids[from_key],
            referred_by_id=by,
            to_organisation_id=world.org_ids[to_key],
            reason="Would benefit from your service; agreed with them at our last meeting.",
            urgency="routine",
            consent_to_share=True,
            status=status,
            received_on=datetime(received.year, received.month, received.day, 10, tzinfo=tz),
            respond_by=received + timedelta(days=7),
            created_on=datetime(received.year, received.month, received.day, 10, tzinfo=tz),
        )

    for spec in specs:
        if spec.rich or rng.random() < (0.5 if spec.key_worker_id in mine else 0.3):
            given = spec.opened
            expires = None
            if spec.key_worker_id in mine and spec.active and rng.random() < 0.3:
                expires = today + timedelta(days=rng.randint(0, 29))  # expiring soon
            elif rng.random() < 0.3:
                expires = given + timedelta(days=rng.randint(200, 900))
            consent = Consent(
                id=_uuid(rng),
                person_id=spec.person_id,
                purpose="To work together on one plan with the partners helping.",
                how_given=rng.choice(Consent.HowGiven.values),
                given_on=given,
                recorded_by_organisation_id=world.org_ids[spec.org_key],
                expires_on=expires,
                created_on=datetime(given.year, given.month, given.day, 9, tzinfo=tz),
            )
            consents.add(consent)
            for key in rng.sample(keys, 2):
                consent_orgs.add(
                    Consent.organisations.through(
                        consent_id=consent.id, organisation_id=world.org_ids[key]
                    )
                )
            for code in rng.sample(codes, 3):
                consent_cats.add(
                    Consent.categories.through(
                        consent_id=consent.id, informationcategory_id=category_ids[code]
                    )
                )
        n = 8 if spec.rich else (rng.randint(1, 3) if rng.random() < 0.15 else 0)
        for _ in range(n):
            _, need, _ = rng.choice(spec.goals)
            to_key = rng.choice(NEED_HELPERS[need])
            if to_key == spec.org_key:
                continue
            sent = spec.opened + timedelta(
                days=rng.randint(0, max(0, (spec.end - spec.opened).days))
            )
            status = (
                rng.choice(("new", "awaiting"))
                if (today - sent).days < 10
                else rng.choices(("accepted", "declined", "closed", "new"), (40, 15, 40, 5))[0]
            )
            made = referral(to_key, spec.org_key, spec.person_id, spec.key_worker_id, sent, status)
            if status == "declined":
                made.decline_reason = "Not the right service; suggested the credit union."
            elif status == "closed":
                made.outcome = "Worked with them for six weeks."
            referrals.add(made)
            links.add(
                CrossReferral(
                    id=_uuid(rng), case_id=spec.id, referral=made, created_on=made.created_on
                )
            )
            if len(links.rows) >= links.batch:
                referrals.flush()
                links.flush()
    consents.flush()
    consent_orgs.flush()
    consent_cats.flush()
    referrals.flush()
    links.flush()

    # Triage handoffs waiting for the two key workers (three and one).
    scale = AssessmentScale.objects.filter(active=True).order_by("name").first()
    with_case = {s.person_id for s in specs}
    free = [p for p in pools["council"] if p not in with_case]
    for worker_id, wanted in ((world.actor_id, 3), (world.small_id, 1)):
        for _ in range(wanted):
            person_id = free.pop()
            day = today - timedelta(days=rng.randint(1, 6))
            made = referral("council", "jcp", person_id, None, day, "accepted")
            made.save(force_insert=True)
            assessment = Assessment.objects.create(
                id=_uuid(rng),
                person_id=person_id,
                scale=scale,
                kind="triage",
                assessed_on=day,
                assessor_id=worker_id,
                organisation_id=world.org_ids["council"],
            )
            Triage.objects.create(
                id=_uuid(rng),
                referral=made,
                person_id=person_id,
                organisation_id=world.org_ids["council"],
                triaged_by_id=worker_id,
                assessment=assessment,
                identified_needs=["work_skills"],
                outcome="open_case",
                completed_on=datetime(day.year, day.month, day.day, 15, tzinfo=tz),
                key_worker_id=worker_id,
                handoff_note="Ready to start; prefers mornings.",
            )
    world.counts["consents"] = consents.written
    world.counts["cross_referrals"] = links.written
    world.counts["referrals"] = referrals.written + 4


# ----------------------------------------------------------------------------- measuring


@dataclass
class Page:
    name: str
    actor: str
    paths: list[str]
    #: What the page is about, reported with its figures.
    about: dict[str, Any] = field(default_factory=dict)
    #: (a regular expression, how many times it must match the page) as a sanity check.
    expect: tuple[str, int] | None = None


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
            "cpu_p50_ms": round(percentile(self.cpu_ms, 50), 1),
            "cpu_p95_ms": round(percentile(self.cpu_ms, 95), 1),
            "db_ms_p50": round(percentile(self.db_ms, 50), 1),
            "queries": max(self.queries),
            "min_queries": min(self.queries),
            "actor": page.actor,
            "distinct_targets": len(page.paths),
            **page.about,
        }

    def top_shapes(self, limit: int) -> list[tuple[str, QueryShape]]:
        return sorted(self.shapes.items(), key=lambda item: -item[1].total_s)[:limit]


def measure(page: Page, client: Any, *, repeat: int, warmup: int) -> PageResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one(path: str) -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{BENCH}: {page.name} {path} gave {response.status_code}, not 200")
        return response

    first = one(page.paths[0])
    if page.expect is not None:
        pattern, wanted = page.expect
        found = len(re.findall(pattern, first.content.decode()))
        if found != wanted:
            raise SystemExit(f"{BENCH}: {page.name} showed {found} of {pattern!r}, not {wanted}")
    for i in range(1, warmup):
        one(page.paths[i % len(page.paths)])
    result = PageResult()
    for i in range(repeat):
        path = page.paths[i % len(page.paths)]
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            cpu_started = time.process_time()
            started = time.perf_counter()
            one(path)
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


def report_hotspots(name: str, result: PageResult, *, repeat: int, limit: int = 5) -> None:
    log(f"  slowest query shapes of {name} (per request, over {repeat}):")
    for shape_sql, shape in result.top_shapes(limit):
        log(
            f"    {shape.total_s * 1000 / repeat:7.2f} ms  {shape.count / repeat:4.1f}x  "
            f"max {shape.slowest_s * 1000:6.1f} ms  {shape_sql[:220]}"
        )


def profile(page: Page, client: Any, *, repeat: int, limit: int = 30) -> None:
    """Where the server time of a page goes, by function (stderr)."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(repeat):
        client.get(page.paths[i % len(page.paths)])
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(limit)
        log(f"  profile of {page.name} over {repeat} requests, by {order}:")
        for line in out.getvalue().splitlines():
            if line.strip():
                log(f"    {line}")


def my_work_contents(user: Any) -> dict[str, int]:
    """What "my work" lists for the user (through the selector, as the page does)."""
    from django.utils import timezone

    from joinedup.cases.selectors import my_work
    from joinedup.core.actor import Actor
    from joinedup.outcomes.selectors import sustainment_checks_to_audit

    work = my_work(
        actor=Actor.for_user(user, process=BENCH),
        today=timezone.localdate(),
        sustainment=sustainment_checks_to_audit,
    )
    return {
        "actions_overdue": len(work.actions_overdue),
        "actions_due": len(work.actions_due),
        "sustainment_checks": len(work.sustainment_checks),
        "referrals_waiting": work.referrals_waiting,
        "handoffs": len(work.handoffs),
        "reviews_due": len(work.reviews_due),
        "consents_expiring": len(work.consents_expiring),
    }


def plan_pages(args: argparse.Namespace, world: World, users: dict[str, Any]) -> list[Page]:
    from django.db.models import Count
    from django.urls import reverse

    from joinedup.accounts.models import User
    from joinedup.accounts.roles import Role
    from joinedup.cases.models import (
        Action,
        Attachment,
        Case,
        CaseEvent,
        Contact,
        CrossReferral,
        Goal,
    )
    from joinedup.outcomes.models import Outcome

    rng = random.Random(args.seed * 31 + 7)
    active = Case.ACTIVE_STATUSES

    def active_cases(user_id: Any) -> list[Any]:
        return sorted(
            Case.objects.filter(key_worker_id=user_id, status__in=active).values_list(
                "pk", flat=True
            ),
            key=str,
        )

    actor_cases = active_cases(world.actor_id)
    small_cases = active_cases(world.small_id)

    def per_case(model: Any, ids: list[Any]) -> dict[Any, int]:
        return dict(
            model.objects.filter(case_id__in=ids)
            .values_list("case_id")
            .annotate(n=Count("id"))
            .order_by()
        )

    contacts = per_case(Contact, actor_cases)
    actions = per_case(Action, actor_cases)
    richest = max(actor_cases, key=lambda pk: (contacts.get(pk, 0) + actions.get(pk, 0), str(pk)))
    sample = rng.sample(
        [pk for pk in actor_cases if pk != richest], min(CASE_SAMPLE, len(actor_cases) - 1)
    )

    def record(pk: Any) -> dict[str, int]:
        return {
            "contacts": Contact.objects.filter(case_id=pk).count(),
            "actions": Action.objects.filter(case_id=pk).count(),
            "goals": Goal.objects.filter(case_id=pk).count(),
            "events": CaseEvent.objects.filter(case_id=pk).count(),
            "outcomes": Outcome.objects.filter(case_id=pk).count(),
            "cross_referrals": CrossReferral.objects.filter(case_id=pk).count(),
            "attachments": Attachment.objects.filter(contact__case_id=pk).count(),
        }

    typical = [contacts.get(pk, 0) + actions.get(pk, 0) for pk in sample]
    council_workers = (
        User.objects.filter(
            organisation_id=world.org_ids["council"],
            is_active=True,
            memberships__role=Role.KEY_WORKER,
        )
        .distinct()
        .count()
    )
    council_active = Case.objects.filter(
        organisation_id=world.org_ids["council"], status__in=active
    ).count()
    row = r'<tr class="govuk-table__row">'
    detail = reverse("cases:detail", args=[richest])
    return [
        Page(
            "my_work",
            "key_worker",
            [reverse("cases:my_work")],
            {"active_cases": len(actor_cases), "lists": my_work_contents(users["key_worker"])},
        ),
        Page(
            "my_work_small",
            "small_key_worker",
            [reverse("cases:my_work")],
            {
                "active_cases": len(small_cases),
                "lists": my_work_contents(users["small_key_worker"]),
            },
        ),
        Page(
            "caseload",
            "key_worker",
            [reverse("cases:caseload")],
            {"active_cases": len(actor_cases)},
            (row, len(actor_cases) + 1),
        ),
        Page(
            "caseload_small",
            "small_key_worker",
            [reverse("cases:caseload")],
            {"active_cases": len(small_cases)},
            (row, len(small_cases) + 1),
        ),
        Page(
            "case",
            "key_worker",
            [reverse("cases:detail", args=[pk]) for pk in sample],
            {
                "contacts_and_actions_median": sorted(typical)[len(typical) // 2],
                "contacts_and_actions_max": max(typical),
            },
        ),
        Page("case_richest", "key_worker", [detail], {"record": record(richest)}),
        Page(
            "team",
            "manager",
            [reverse("cases:team")],
            {"key_workers": council_workers, "active_cases": council_active},
            (r'data-testid="worker"', council_workers),
        ),
    ]


def sizes() -> dict[str, int]:
    from joinedup.accounts.models import User
    from joinedup.assessments.models import AreaScore, Assessment, ComplexityRating
    from joinedup.audit.models import AuditEvent
    from joinedup.cases.models import (
        Action,
        Attachment,
        Case,
        CaseEvent,
        Contact,
        CrossReferral,
        Goal,
    )
    from joinedup.outcomes.models import Outcome
    from joinedup.people.models import Person
    from joinedup.referrals.models import Referral
    from joinedup.sharing.models import Consent

    figures = {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "active_cases": Case.objects.filter(status__in=Case.ACTIVE_STATUSES).count(),
        "contacts": Contact.objects.count(),
        "actions": Action.objects.count(),
        "goals": Goal.objects.count(),
        "case_events": CaseEvent.objects.count(),
        "outcomes": Outcome.objects.count(),
        "job_starts": Outcome.objects.filter(kind="job_start").count(),
        "job_sustained": Outcome.objects.filter(kind="job_sustained").count(),
    }
    figures["plan_note_outcome_rows"] = sum(
        figures[k] for k in ("contacts", "actions", "goals", "case_events", "outcomes")
    )
    figures.update(
        {
            "attachments": Attachment.objects.count(),
            "assessments": Assessment.objects.count(),
            "area_scores": AreaScore.objects.count(),
            "complexity_ratings": ComplexityRating.objects.count(),
            "consents": Consent.objects.count(),
            "referrals": Referral.objects.count(),
            "cross_referrals": CrossReferral.objects.count(),
            "staff": User.objects.count(),
            "audit_events_before": AuditEvent.objects.count(),
        }
    )
    return figures


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
    # The code measured: the app's modules load as the run goes, so note it at both ends.
    commit, dirty = git_commit()

    build_started = time.perf_counter()
    if args.existing:
        timings: dict[str, float] = {}
        world = world_from_database()
    else:
        timings, world = build(args, database.vendor)
    seconds_to_build = round(time.perf_counter() - build_started, 1)
    users = {
        "key_worker": User.objects.get(pk=world.actor_id),
        "small_key_worker": User.objects.get(pk=world.small_id),
        "manager": User.objects.get(pk=world.manager_id),
    }
    figures = sizes()
    log(f"sizes: {figures}")
    pages = plan_pages(args, world, users)
    for page in pages:
        log(f"{page.name}: {page.about}")

    clients = {key: signed_in_client(user) for key, user in users.items()}
    load_before = round(os.getloadavg()[0], 2)
    measuring_started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    hotspots: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        measured = measure(page, clients[page.actor], repeat=args.repeat, warmup=args.warmup)
        results[page.name] = summary = measured.summary(page)
        top_sql, top = measured.top_shapes(1)[0]
        summary["top_query"] = {
            "ms_per_request": round(top.total_s * 1000 / args.repeat, 2),
            "sql": top_sql[:120],
        }
        log(
            f"{page.name:15s} p50 {summary['p50_ms']:6.1f}  p95 {summary['p95_ms']:6.1f}  "
            f"max {summary['max_ms']:6.1f} ms  {summary['queries']} queries  "
            f"db p50 {summary['db_ms_p50']} ms  cpu p50 {summary['cpu_p50_ms']} ms"
        )
        over = summary["p95_ms"] >= TARGET_P95_MS
        report_hotspots(page.name, measured, repeat=args.repeat)
        if over:
            hotspots[page.name] = [
                {
                    "ms_per_request": round(shape.total_s * 1000 / args.repeat, 2),
                    "per_request": round(shape.count / args.repeat, 2),
                    "sql": shape_sql[:300],
                }
                for shape_sql, shape in measured.top_shapes(3)
            ]
        selects = [
            (text, shape)
            for text, shape in measured.top_shapes(len(measured.shapes))
            if text.startswith("SELECT") and "FOR UPDATE" not in text
        ]
        if (args.explain or over) and selects:
            shape = selects[0][1]
            log(f"  plan of the slowest SELECT of {page.name} ({selects[0][0][:100]}...):")
            for line in explain(database.vendor, shape.slowest_sql, shape.slowest_params):
                log(f"    {line}")
        if args.show_queries:
            log(f"  the {len(measured.last_request)} statements of one {page.name} request:")
            for number, text in enumerate(measured.last_request, start=1):
                log(f"    {number:3d}. {text[:160]}")
        if page.name in args.profile:
            profile(page, clients[page.actor], repeat=args.repeat)
    timings["measure_s"] = round(time.perf_counter() - measuring_started, 1)

    def compare(small: str, full: str) -> dict[str, Any]:
        a, b = results[small], results[full]
        return {
            "cases": [a.get("active_cases"), b.get("active_cases")],
            "queries": [a["queries"], b["queries"]],
            "constant": b["queries"] <= a["queries"],
        }

    constant = {
        "my_work": compare("my_work_small", "my_work"),
        "caseload": compare("caseload_small", "caseload"),
        "case": {
            "queries": [results["case"]["queries"], results["case_richest"]["queries"]],
            "constant": results["case_richest"]["queries"] <= results["case"]["queries"],
        },
    }
    output: dict[str, Any] = {
        "bench": BENCH,
        "database": database.vendor,
        "sizes": figures,
        "actor_active_cases": results["caseload"]["active_cases"],
        "existing_database": bool(args.existing),
        "pages": results,
        "target_p95_ms": TARGET_P95_MS,
        "queries_constant": constant,
        "met": all(r["p95_ms"] < TARGET_P95_MS for r in results.values())
        and all(c["constant"] for c in constant.values()),
        "commit": commit,
        "code_differs_from_commit": dirty,
        "code_changed_during_run": git_commit() != (commit, dirty),
        "seconds_to_build": seconds_to_build,
        "build_steps_s": timings,
        "repeat": args.repeat,
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
    if hotspots:
        output["hotspots"] = hotspots
    return output


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.existing:
        database = existing_database(args.existing)
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
