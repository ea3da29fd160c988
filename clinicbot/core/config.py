"""Turn environment variables into Django settings dictionaries.

Kept apart from settings.py so the parsing is unit-testable and a bad URL becomes one
clear :class:`ConfigError` line instead of a traceback deep inside a database driver.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable: 1/true/yes/on are true, 0/false/no/off are false."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    """Read an integer variable."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def database_config(url: str | None, sqlite_path: Path) -> dict[str, Any]:
    """Return the ``DATABASES['default']`` dict for ``DATABASE_URL`` (or the SQLite default)."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path), "OPTIONS": sqlite_options()}
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ConfigError(f"DATABASE_URL scheme {scheme!r} is not supported (use postgres:// or sqlite://)")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ConfigError(f"DATABASE_URL is malformed: {exc}") from None
    if config["ENGINE"].endswith("postgresql"):
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].setdefault("connect_timeout", 5)
    elif config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {**sqlite_options(), **config.get("OPTIONS", {})}
    return config


# Seconds a SQLite writer waits for the lock before "database is locked" (the busy timeout).
SQLITE_BUSY_TIMEOUT = 20


def sqlite_options() -> dict[str, Any]:
    """Connection options that let threads and processes share one SQLite file safely.

    - WAL: readers never block the writer nor the writer the readers.
    - ``timeout``: a writer waits up to :data:`SQLITE_BUSY_TIMEOUT` seconds for the lock.
    - ``transaction_mode="IMMEDIATE"``: every transaction takes the write lock when it
      begins. A DEFERRED transaction (SQLite's default) that reads and then writes fails at
      once with "database is locked" when another connection wrote in between — WAL cannot
      upgrade a stale snapshot, so the busy timeout never applies. That was the 503s and the
      unanswered messages under concurrent webhooks. Transactions are short (a webhook's
      insert, one turn), so serialising writers costs little.
    - ``synchronous=NORMAL``: durable across application crashes in WAL mode (a power loss
      may drop the last commits, never corrupt the file), and far fewer fsyncs.
    """
    return {
        "timeout": SQLITE_BUSY_TIMEOUT,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
    }


def cache_config(url: str | None) -> dict[str, Any]:
    """Return the ``CACHES['default']`` dict for ``REDIS_URL`` (or local memory)."""
    prefix = os.environ.get("CACHE_KEY_PREFIX", "clinicbot")
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "clinicbot",
            "KEY_PREFIX": prefix,
        }
    scheme = urlparse(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL scheme {scheme!r} is not supported (use redis://host:port/db)")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        # Short timeouts: a dead Redis must degrade to the database, not hang a turn.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


def sqlite_file_private(database: dict[str, Any]) -> None:
    """Make a SQLite database file readable by its owner only (0600), creating it if missing.

    It holds every conversation, and SQLite creates its file (and then its -wal and -shm
    files, which copy the database's mode) with the umask's mode, usually world-readable.
    An empty file is a valid empty SQLite database. Other databases are left alone.
    """
    name = str(database.get("NAME", ""))
    if not database["ENGINE"].endswith("sqlite3") or not name or name.startswith(("file:", ":memory:")):
        return
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)
