"""What the benchmarks share: the scratch database each run builds in and drops, signing a
member of staff in past two-factor, timing SQL, percentiles, the commit measured, and the log.
Each script sets ``harness.BENCH`` to its name before logging."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
#: The running benchmark's name, for the log and messages (set by each script).
BENCH = "bench"
_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(
        f"[{BENCH} {time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True
    )


def elapsed() -> float:
    """Seconds since the benchmark started."""
    return time.perf_counter() - _STARTED


_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_IN_LIST = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_SPACES = re.compile(r"\s+")


@dataclass
class ScratchDatabase:
    vendor: str
    url: str
    shown: str
    cleanup: Callable[[], None] = field(repr=False)


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql", "postgis"}


def scratch_database(explicit_url: str | None, *, keep: bool) -> ScratchDatabase:
    """A new, empty database for this run only. Never the configured one itself."""
    import environ

    base = explicit_url or os.environ.get("DATABASE_URL", "")
    if base and is_postgres(base):
        return _scratch_postgres(base, keep=keep, config=environ.Env.db_url_config(base))
    if base and urlsplit(base).scheme != "sqlite":
        raise SystemExit(f"{BENCH}: unsupported database URL scheme in {base!r}")
    if explicit_url:
        path = Path(environ.Env.db_url_config(explicit_url)["NAME"]).resolve()
        if path.exists() and path.stat().st_size:
            raise SystemExit(f"{BENCH}: {path} exists; give the path of a new file.")
        path.parent.mkdir(parents=True, exist_ok=True)
        directory = None
    else:
        directory = Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
        path = directory / "bench.sqlite3"

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        if keep:
            log(f"kept the scratch database: sqlite:///{path}")
            return
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    return ScratchDatabase("sqlite", f"sqlite:///{path}", str(path), cleanup)


def _scratch_postgres(base: str, *, keep: bool, config: dict[str, Any]) -> ScratchDatabase:
    import psycopg
    from psycopg import sql

    name = f"joinedup_bench_{os.getpid()}"
    admin: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": str(config["PORT"]) if config.get("PORT") else None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": config.get("NAME") or "postgres",
        "autocommit": True,
    }
    admin = {k: v for k, v in admin.items() if v is not None}
    if admin["dbname"] == name:
        raise SystemExit(f"{BENCH}: the admin database cannot be the scratch one ({name}).")
    with psycopg.connect(**admin) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlsplit(base)._replace(path=f"/{name}").geturl()

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        if keep:
            log(f"kept the scratch database: {name} (drop it with DROP DATABASE {name})")
            return
        with psycopg.connect(**admin) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        log(f"dropped the scratch database {name}")

    host = config.get("HOST") or "localhost"
    return ScratchDatabase("postgresql", url, f"{name} on {host}", cleanup)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def normalise_sql(text: str) -> str:
    """The query's shape: literals become ?, lists of them (...)."""
    shape = _STRING.sub("?", text.replace("%s", "?"))
    shape = _NUMBER.sub("?", shape)
    shape = _IN_LIST.sub("(...)", shape)
    return _SPACES.sub(" ", shape).strip()


@dataclass
class QueryShape:
    count: int = 0
    total_s: float = 0.0
    slowest_s: float = 0.0
    slowest_sql: str = ""
    slowest_params: Any = None


class QueryTimer:
    """An execute wrapper that times each statement with perf_counter (the test utilities
    keep times rounded to the millisecond, too coarse for sub-millisecond queries)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, float]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params, time.perf_counter() - started))


def explain(vendor: str, text: str, params: Any) -> list[str]:
    from django.db import connection

    if not text.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in text.upper():
        return ["(not a plain SELECT: not explained)"]
    prefix = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + text, params)
        rows = cursor.fetchall()
    if vendor == "sqlite":
        return [f"{row[0]}/{row[1]}: {row[-1]}" for row in rows]
    return [row[0] for row in rows]


def signed_in_client(user: Any) -> Any:
    """A test client past password and two-factor (as tests/helpers.log_in_verified)."""
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from joinedup.accounts.sessions import SESSION_LAST_SEEN, SESSION_STARTED

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    now = timezone.now().isoformat()
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
    return client


def git_commit() -> tuple[str | None, bool | None]:
    """The short commit measured, and whether the application code differs from it."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "joinedup"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return sha or None, bool(dirty)
