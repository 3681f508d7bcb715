#!/usr/bin/env python
"""Person search, person detail and timeline with a large partnership.

The issue: "Person detail and search stay fast with 100,000 people: bench/person_pages.py prints
p50/p95 server time and query count for person search, person detail and timeline (target: p95
under 150 ms and a query count that does not grow with the size of the record)."

What it does:

1. Makes a scratch database of its own, so it never touches the demo or a real database:
   SQLite in a temporary directory, or, for a PostgreSQL URL, a new database
   ``joinedup_bench_<pid>`` on that server, dropped at the end. ``--database-url`` (or, failing
   that, ``DATABASE_URL``) says which server; the database it names is only used to create and
   drop the scratch one.
2. Migrates it and builds the Northvale demo with ``build_demo`` (100,000 people; 5,000 with
   ``--quick``). On PostgreSQL it then runs ANALYZE, as autovacuum would shortly after a load.
3. Gives the richest council-held record (most consents + household members + involvements)
   ``--enrich`` more of everything (consents, other names, lawful bases, warnings, past
   households, ended involvements) so that "the query count does not grow with the size of
   the record" is tested against a record much bigger than a typical one.
4. Signs in three demo actors through two-factor (as ``tests/helpers.log_in_verified`` does) and
   times each page through Django's test client, after a warm-up, counting queries with
   ``CaptureQueriesContext``. Progress and the slowest queries of each page go to stderr; the
   last line on stdout is ONE JSON object (see ``bench/README.md``).

Run from the repository root:

    DJANGO_SETTINGS_MODULE=joinedup.config.settings.local \\
        .venv/bin/python bench/person_pages.py [--quick] [--people N] [--seed S] [--repeat R] \\
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--enrich K] [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = "person_pages"
import harness  # noqa: E402  (bench/ is on the path when run as a script)
from harness import (  # noqa: E402
    QueryShape,
    QueryTimer,
    ScratchDatabase,
    elapsed,
    explain,
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
FULL_REPEAT = 200
QUICK_REPEAT = 40
SAMPLE_SIZE = 50

ACTOR_EMAILS = {
    # Full view of everyone the council holds (own organisation).
    "key_worker": "keyworker@council.northvale.example",
    # Sees council-held people only where consent or the agreement covers Citizens Advice.
    "debt_adviser": "debtadviser@cab.northvale.example",
    # Often has no basis: the restricted view.
    "work_coach": "workcoach@jcp.northvale.example",
}


# ----------------------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time person search, detail and timeline pages on a scratch database.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smaller sizes (5,000 people, 40 repeats)."
    )
    parser.add_argument(
        "--people", type=int, default=None, help="People to build (default 100,000)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Demo and sampling seed (default 1).")
    parser.add_argument(
        "--repeat", type=int, default=None, help="Timed requests per page (default 200)."
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
        "--enrich",
        type=int,
        default=20,
        help="Extra consents, names, lawful bases, etc. given to the richest record (0: none).",
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
        "--profile",
        action="append",
        default=[],
        metavar="PAGE",
        help="Also run PAGE's requests under cProfile and print the top functions (repeatable).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the scratch database (its URL goes to stderr)."
    )
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = QUICK_PEOPLE if args.quick else FULL_PEOPLE
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else FULL_REPEAT
    if args.warmup is None:
        args.warmup = max(5, args.repeat // 10)
    if args.people < 100 or args.repeat < 1 or args.enrich < 0:
        parser.error("--people must be at least 100, --repeat at least 1, --enrich 0 or more.")
    return args


# ----------------------------------------------------------------------------- scratch database


# ----------------------------------------------------------------------------- measuring


@dataclass
class Request:
    path: str
    data: dict[str, Any] | None = None
    #: The person the request is about; for searches, checked to be among the results.
    target: uuid.UUID | None = None


@dataclass
class Page:
    name: str
    actor: str
    method: str
    requests: list[Request]
    note: str = ""
    check_target: bool = False


@dataclass
class PageResult:
    name: str
    durations_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    found: int = 0
    #: The statements of the last timed request: (sql shape, milliseconds).
    last_request: list[tuple[str, float]] = field(default_factory=list)
    shapes: dict[str, QueryShape] = field(default_factory=lambda: defaultdict(QueryShape))

    def summary(self, page: Page) -> dict[str, Any]:
        result: dict[str, Any] = {
            "p50_ms": round(percentile(self.durations_ms, 50), 1),
            "p95_ms": round(percentile(self.durations_ms, 95), 1),
            "max_ms": round(max(self.durations_ms), 1),
            "cpu_p50_ms": round(percentile(self.cpu_ms, 50), 1),
            "cpu_p95_ms": round(percentile(self.cpu_ms, 95), 1),
            "queries": max(self.queries),
            "min_queries": min(self.queries),
            "db_ms_p50": round(percentile(self.db_ms, 50), 1),
            "actor": page.actor,
            "distinct_targets": len(page.requests),
        }
        if page.check_target:
            result["target_found"] = round(self.found / len(self.durations_ms), 3)
        return result

    def top_shapes(self, limit: int) -> list[tuple[str, QueryShape]]:
        return sorted(self.shapes.items(), key=lambda item: -item[1].total_s)[:limit]


def measure(page: Page, client: Any, *, repeat: int, warmup: int) -> PageResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    send = client.post if page.method == "post" else client.get

    def one(request: Request) -> Any:
        response = send(request.path, request.data or {})
        if response.status_code != 200:
            raise SystemExit(
                f"{BENCH}: {page.name} {request.path} gave {response.status_code}, not 200"
            )
        return response

    for i in range(warmup):
        one(page.requests[i % len(page.requests)])
    result = PageResult(page.name)
    for i in range(repeat):
        request = page.requests[i % len(page.requests)]
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            cpu_started = time.process_time()
            started = time.perf_counter()
            response = one(request)
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
        result.last_request = [
            (normalise_sql(q["sql"]), float(q["time"]) * 1000) for q in captured.captured_queries
        ]
        if page.check_target and request.target is not None:
            result.found += str(request.target) in response.content.decode()
    return result


def report_hotspots(page: Page, result: PageResult, *, repeat: int, limit: int = 5) -> None:
    log(f"  slowest query shapes of {page.name} (total over {repeat} requests):")
    for shape_sql, shape in result.top_shapes(limit):
        log(
            f"    {shape.total_s * 1000 / repeat:7.2f} ms/request  "
            f"{shape.count / repeat:4.1f}x/request  max {shape.slowest_s * 1000:6.1f} ms  "
            f"{shape_sql[:220]}"
        )


def profile(page: Page, client: Any, *, repeat: int, limit: int = 30) -> None:
    """Where the server time of a page goes, by function (stderr)."""
    import cProfile
    import io
    import pstats

    send = client.post if page.method == "post" else client.get
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(repeat):
        request = page.requests[i % len(page.requests)]
        send(request.path, request.data or {})
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(limit)
        log(f"  profile of {page.name} over {repeat} requests, by {order}:")
        for line in out.getvalue().splitlines():
            if line.strip():
                log(f"    {line}")


# ----------------------------------------------------------------------------- the data


def build(args: argparse.Namespace, vendor: str) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    from joinedup.demo.builder import build_demo

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    log(f"migrated in {timings['migrate_s']}s; building the demo with {args.people:,} people...")
    started = time.perf_counter()
    summary = build_demo(seed=args.seed, people=args.people)
    timings["build_s"] = round(time.perf_counter() - started, 1)
    log(
        f"built {summary.people:,} people in {summary.households:,} households, "
        f"{summary.staff} staff, {summary.organisations} organisations in {timings['build_s']}s"
    )
    if vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - started, 1)
        log(f"ANALYZE took {timings['analyze_s']}s")
    return timings


def richest_person(council_id: uuid.UUID, council_ids: list[uuid.UUID]) -> uuid.UUID:
    """The council-held person with most consents + current household members + involvements."""
    from django.db.models import Count

    from joinedup.people.models import HouseholdMember, Involvement
    from joinedup.sharing.models import Consent

    held = {"person__registered_by_id": council_id}
    consents = dict(
        Consent.objects.filter(**held).values_list("person_id").annotate(n=Count("id")).order_by()
    )
    involvements = dict(
        Involvement.objects.filter(**held)
        .values_list("person_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    household_size = dict(
        HouseholdMember.objects.filter(moved_out__isnull=True)
        .values_list("household_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    household_of = dict(
        HouseholdMember.objects.filter(moved_out__isnull=True, **held).values_list(
            "person_id", "household_id"
        )
    )

    def richness(person_id: uuid.UUID) -> tuple[int, str]:
        size = household_size.get(household_of.get(person_id), 0)
        return consents.get(person_id, 0) + size + involvements.get(person_id, 0), str(person_id)

    return max(council_ids, key=richness)


def enrich(person_id: uuid.UUID, extra: int, *, seed: int) -> None:
    """Give one person ``extra`` more of everything a record can hold (bench data only)."""
    from django.utils import timezone

    from joinedup.accounts.models import Organisation
    from joinedup.people.models import (
        Household,
        HouseholdMember,
        Involvement,
        Person,
        PersonName,
        WarningMarker,
    )
    from joinedup.people.names import normalise_name
    from joinedup.sharing.models import (
        Consent,
        Gateway,
        InformationCategory,
        LawfulBasis,
        SharingAgreement,
    )

    if not extra:
        return
    rng = random.Random(seed * 7919 + 17)
    person = Person.objects.get(pk=person_id)
    organisations = list(Organisation.objects.order_by("name"))
    categories = list(InformationCategory.objects.order_by("code"))
    agreement = SharingAgreement.objects.order_by("name").first()
    today = timezone.localdate()

    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))

    consents, consent_orgs, consent_cats = [], [], []
    bases, basis_orgs, basis_cats = [], [], []
    for i in range(extra):
        given = today - timedelta(days=30 + 20 * i)
        consent = Consent(
            person=person,
            purpose=f"Bench consent {i + 1}: to work together on one plan.",
            how_given=rng.choice(Consent.HowGiven.values),
            given_on=given,
            recorded_by_organisation=person.registered_by,
            created_on=at(given),
            expires_on=given + timedelta(days=365) if i % 3 == 1 else None,
            agreement=agreement if i % 5 == 4 else None,
        )
        if i % 4 == 3:
            consent.withdrawn_on = at(given + timedelta(days=10))
            consent.withdrawal_reason = "Asked us to stop sharing."
        consents.append(consent)
        for org in rng.sample(organisations, 2):
            consent_orgs.append(Consent.organisations.through(consent=consent, organisation=org))
        for cat in rng.sample(categories, 3):
            consent_cats.append(
                Consent.categories.through(consent=consent, informationcategory=cat)
            )
        basis = LawfulBasis(
            person=person,
            gateway=rng.choice(Gateway.values),
            justification="Bench lawful basis.",
            starts_on=today - timedelta(days=60 + i),
            ends_on=today + timedelta(days=300 - i),
            requested_by_organisation=rng.choice(organisations),
            status=LawfulBasis.Status.APPROVED if i % 2 else LawfulBasis.Status.PENDING,
            created_on=at(today - timedelta(days=60 + i)),
        )
        bases.append(basis)
        basis_orgs.append(
            LawfulBasis.organisations.through(
                lawfulbasis=basis, organisation=rng.choice(organisations)
            )
        )
        for cat in rng.sample(categories, 2):
            basis_cats.append(
                LawfulBasis.categories.through(lawfulbasis=basis, informationcategory=cat)
            )
    Consent.objects.bulk_create(consents)
    Consent.organisations.through.objects.bulk_create(consent_orgs)
    Consent.categories.through.objects.bulk_create(consent_cats)
    LawfulBasis.objects.bulk_create(bases)
    LawfulBasis.organisations.through.objects.bulk_create(basis_orgs)
    LawfulBasis.categories.through.objects.bulk_create(basis_cats)

    PersonName.objects.bulk_create(
        PersonName(
            person=person,
            kind=rng.choice(PersonName.Kind.values),
            given_name=person.given_name,
            family_name=f"Benchname{i}",
            family_name_key=normalise_name(f"Benchname{i}"),
            created_on=at(today - timedelta(days=400 + i)),
        )
        for i in range(extra)
    )
    WarningMarker.objects.bulk_create(
        WarningMarker(
            person=person,
            kind=rng.choice(WarningMarker.Kind.values),
            details="Bench warning: visit in pairs.",
            raised_by_organisation=rng.choice(organisations),
            review_on=today + timedelta(days=90),
            ended_on=None if i % 4 == 0 else today - timedelta(days=i),
            created_on=at(today - timedelta(days=200 + i)),
        )
        for i in range(extra)
    )
    past = [
        Household(
            address_line_1=f"{i + 1} Bench Street",
            town="Northvale",
            postcode=person.postcode or "NV1 1AB",
        )
        for i in range(extra)
    ]
    Household.objects.bulk_create(past)
    HouseholdMember.objects.bulk_create(
        HouseholdMember(
            household=household,
            person=person,
            relationship=HouseholdMember.Relationship.HEAD,
            moved_in=today - timedelta(days=3000 - 100 * i),
            moved_out=today - timedelta(days=2950 - 100 * i),
            created_on=at(today - timedelta(days=3000 - 100 * i)),
        )
        for i, household in enumerate(past)
    )
    Involvement.objects.bulk_create(
        Involvement(
            person=person,
            organisation=rng.choice(organisations),
            started_on=today - timedelta(days=2000 + 30 * i),
            ended_on=today - timedelta(days=1500 + 30 * i),
        )
        for i in range(extra)
    )


def record_size(person_id: uuid.UUID) -> dict[str, int]:
    from joinedup.people.models import HouseholdMember, Involvement, PersonName, WarningMarker
    from joinedup.sharing.models import Consent, LawfulBasis

    current = (
        HouseholdMember.objects.filter(person_id=person_id, moved_out__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    return {
        "consents": Consent.objects.filter(person_id=person_id).count(),
        "lawful_bases": LawfulBasis.objects.filter(person_id=person_id).count(),
        "other_names": PersonName.objects.filter(person_id=person_id).count(),
        "warnings": WarningMarker.objects.filter(person_id=person_id).count(),
        "household_memberships": HouseholdMember.objects.filter(person_id=person_id).count(),
        "current_household_members": (
            HouseholdMember.objects.filter(household_id=current, moved_out__isnull=True).count()
            if current
            else 0
        ),
        "involvements": Involvement.objects.filter(person_id=person_id).count(),
    }


def plan_pages(args: argparse.Namespace, users: dict[str, Any]) -> tuple[list[Page], dict]:
    from django.urls import reverse

    from joinedup.core.actor import Actor
    from joinedup.people.models import Involvement, Person
    from joinedup.sharing.policy import access_to_people

    rng = random.Random(args.seed)
    council_id = users["key_worker"].organisation_id
    cab_id = users["debt_adviser"].organisation_id
    council_ids = sorted(
        Person.objects.filter(registered_by_id=council_id, archived_on__isnull=True).values_list(
            "pk", flat=True
        ),
        key=str,
    )
    sample_ids = rng.sample(council_ids, min(SAMPLE_SIZE, len(council_ids)))
    sample = {p.pk: p for p in Person.objects.filter(pk__in=sample_ids)}
    sample_people = [sample[pk] for pk in sample_ids]

    def restricted_for(actor_key: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, bool]:
        actor = Actor.for_user(users[actor_key], process=BENCH)
        people = list(Person.objects.filter(pk__in=ids).only("id", "registered_by_id"))
        return {pk: a.restricted for pk, a in access_to_people(actor=actor, people=people).items()}

    pool = rng.sample(council_ids, min(600, len(council_ids)))
    coach = restricted_for("work_coach", pool)
    coach_restricted = [pk for pk in pool if coach[pk]][:SAMPLE_SIZE]

    with_cab = sorted(
        Involvement.objects.filter(
            organisation_id=cab_id, ended_on__isnull=True, person__registered_by_id=council_id
        ).values_list("person_id", flat=True),
        key=str,
    )
    adviser_ids = rng.sample(with_cab, min(SAMPLE_SIZE, len(with_cab)))
    adviser = restricted_for("debt_adviser", adviser_ids)

    richest = richest_person(council_id, council_ids)
    natural = record_size(richest)
    enrich(richest, args.enrich, seed=args.seed)
    enriched = record_size(richest)

    search_url = reverse("people:search")

    def detail(pk: uuid.UUID) -> Request:
        return Request(reverse("people:detail", args=[pk]), target=pk)

    def timeline(pk: uuid.UUID) -> Request:
        return Request(reverse("people:timeline", args=[pk]), target=pk)

    def by_name(p: Any) -> Request:
        return Request(search_url, {"family_name": p.family_name}, p.pk)

    def by_name_and_dob(p: Any) -> Request:
        dob = p.date_of_birth
        return Request(
            search_url,
            {
                "family_name": p.family_name,
                "date_of_birth_0": dob.day,
                "date_of_birth_1": dob.month,
                "date_of_birth_2": dob.year,
            },
            p.pk,
        )

    pages = [
        Page(
            "search", "key_worker", "post", [by_name(p) for p in sample_people], check_target=True
        ),
        Page(
            "search_with_dob",
            "key_worker",
            "post",
            [by_name_and_dob(p) for p in sample_people if p.date_of_birth],
            check_target=True,
        ),
        Page(
            "search_partner",
            "debt_adviser",
            "post",
            [by_name_and_dob(p) for p in sample_people if p.date_of_birth],
            check_target=True,
        ),
        Page("detail", "key_worker", "get", [detail(pk) for pk in sample_ids]),
        Page("detail_partner", "debt_adviser", "get", [detail(pk) for pk in adviser_ids]),
        Page("detail_restricted", "work_coach", "get", [detail(pk) for pk in coach_restricted]),
        Page("timeline", "key_worker", "get", [timeline(pk) for pk in sample_ids]),
        Page("detail_richest", "key_worker", "get", [detail(richest)]),
        Page("timeline_richest", "key_worker", "get", [timeline(richest)]),
    ]
    facts = {
        "council_held": len(council_ids),
        "sample": len(sample_ids),
        "work_coach_restricted_share": round(sum(coach.values()) / len(coach), 3),
        "debt_adviser_restricted_share": round(sum(adviser.values()) / max(1, len(adviser)), 3),
        "richest_person": str(richest),
        "richest_record_natural": natural,
        "richest_record": enriched,
    }
    return [p for p in pages if p.requests], facts


def sizes() -> dict[str, int]:
    from joinedup.accounts.models import User
    from joinedup.audit.models import AuditEvent
    from joinedup.people.models import Household, Involvement, Person, WarningMarker
    from joinedup.sharing.models import Consent, LawfulBasis

    return {
        "people": Person.objects.count(),
        "households": Household.objects.count(),
        "consents": Consent.objects.count(),
        "lawful_bases": LawfulBasis.objects.count(),
        "involvements": Involvement.objects.count(),
        "warning_markers": WarningMarker.objects.count(),
        "staff": User.objects.count(),
        "audit_events_before": AuditEvent.objects.count(),
    }


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
    engine = settings.DATABASES["default"]["ENGINE"]
    log(f"scratch {database.vendor} database: {database.shown} ({engine})")

    timings = build(args, database.vendor)
    users = {key: User.objects.get(email=email) for key, email in ACTOR_EMAILS.items()}
    pages, facts = plan_pages(args, users)
    figures = sizes()
    log(f"sizes: {figures}")
    log(f"samples: {facts}")

    clients = {key: signed_in_client(user) for key, user in users.items()}
    load_before = round(os.getloadavg()[0], 2)
    measuring_started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    hotspots: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        log(
            f"{page.name}: {args.warmup} warm-up + {args.repeat} timed requests as "
            f"{page.actor} over {len(page.requests)} targets..."
        )
        measured = measure(page, clients[page.actor], repeat=args.repeat, warmup=args.warmup)
        summary = measured.summary(page)
        results[page.name] = summary
        log(f"  {page.name}: {summary}")
        report_hotspots(page, measured, repeat=args.repeat)
        top = measured.top_shapes(3)
        if summary["p95_ms"] >= TARGET_P95_MS:
            hotspots[page.name] = [
                {
                    "ms_per_request": round(shape.total_s * 1000 / args.repeat, 2),
                    "per_request": round(shape.count / args.repeat, 2),
                    "sql": shape_sql[:300],
                }
                for shape_sql, shape in top
            ]
        selects = [
            (shape_sql, shape)
            for shape_sql, shape in measured.top_shapes(len(measured.shapes))
            if shape_sql.startswith("SELECT") and "FOR UPDATE" not in shape_sql
        ]
        if args.explain and selects:
            shape = selects[0][1]
            log(f"  plan of the slowest SELECT of {page.name} ({selects[0][0][:120]}...):")
            for line in explain(database.vendor, shape.slowest_sql, shape.slowest_params):
                log(f"    {line}")
        if args.show_queries:
            log(f"  the {len(measured.last_request)} statements of one {page.name} request:")
            for number, (shape_sql, _ms) in enumerate(measured.last_request, start=1):
                log(f"    {number:3d}. {shape_sql[:160]}")
        if page.name in args.profile:
            profile(page, clients[page.actor], repeat=args.repeat)

    load_after = round(os.getloadavg()[0], 2)
    timings["measure_s"] = round(time.perf_counter() - measuring_started, 1)
    constant = {
        kind: results[f"{kind}_richest"]["queries"] <= results[kind]["queries"]
        for kind in ("detail", "timeline")
        if f"{kind}_richest" in results and kind in results
    }
    fast = all(r["p95_ms"] < TARGET_P95_MS for r in results.values())
    output: dict[str, Any] = {
        "bench": BENCH,
        "sizes": figures,
        "database": database.vendor,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "seed": args.seed,
        "quick": args.quick,
        **timings,
        "richest_record": facts["richest_record"],
        "restricted_share": {
            "work_coach_of_council_held": facts["work_coach_restricted_share"],
            "debt_adviser_of_cab_involved": facts["debt_adviser_restricted_share"],
        },
        "load_average_1m": {"before": load_before, "after": load_after, "cpus": os.cpu_count()},
        "pages": results,
        "target_p95_ms": TARGET_P95_MS,
        "queries_constant": constant,
        "met": fast and all(constant.values()),
    }
    if hotspots:
        output["hotspots"] = hotspots
    return output


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
