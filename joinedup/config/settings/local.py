"""The quick start and the demo: SQLite by default, served on 127.0.0.1 over plain HTTP."""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env

VAR_DIR.mkdir(exist_ok=True)


def _local_secret_key() -> str:
    """A key made once per checkout and kept in var/ (never committed), unless SECRET_KEY is set."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
