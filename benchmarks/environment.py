"""A throw-away world for one benchmark run: its own database, cache namespace and queue.

``DATABASE_URL`` / ``REDIS_URL`` name the *servers* to use (PostgreSQL, Redis); the run
creates the database ``bench_<pid>`` there, migrates it, imports the demo clinic and
drops it at the end. Without them the embedded default is used: a SQLite file (WAL, as
shipped) in a temporary directory and Django's local-memory cache. Redis keys are
namespaced by ``bench<pid>`` (cache prefix and Celery queue) and deleted at the end.
Must be entered before Django is set up: it sets the environment Django reads.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DEMO_CLINIC = ROOT / "demo" / "clinic.yaml"


@dataclass(frozen=True)
class BenchEnvironment:
    """What a run was given: the URLs its subprocesses must use too."""

    name: str
    database_url: str | None  # None: SQLite file under var_dir
    redis_url: str | None
    var_dir: Path

    def child_env(self, **extra: str) -> dict[str, str]:
        """Environment for a web server or worker process of this run."""
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            CLINICBOT_VAR_DIR=str(self.var_dir),
            CACHE_KEY_PREFIX=self.name,
            CELERY_QUEUE=self.name,
            LOG_LEVEL="WARNING",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(extra)
        return env


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def bench_environment(*, require_services: bool = False) -> Iterator[BenchEnvironment]:
    """Create the run's database and namespaces, set Django up on them, clean up after.

    Uses the PostgreSQL server of ``DATABASE_URL`` and the Redis of ``REDIS_URL`` when
    they are set (``require_services``: both must be), else the embedded default.
    """
    name = f"bench_{os.getpid()}"
    base_db, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if require_services and not (base_db and redis_url):
        raise SystemExit("benchmark: set DATABASE_URL (PostgreSQL) and REDIS_URL (Redis) for this run")
    if base_db and not base_db.startswith("postgres"):
        raise SystemExit("benchmark: DATABASE_URL must be a postgres:// URL (unset it for SQLite)")
    var_dir = Path(tempfile.mkdtemp(prefix=f"{name}_"))
    database_url = _with_db(base_db, name) if base_db else None
    env = BenchEnvironment(name, database_url, redis_url, var_dir)
    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)
    os.environ.update(env.child_env())
    # A throw-away deployment: its own random key (settings refuse to run without one).
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
    if database_url:
        _create_database(base_db or "", name)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        from clinicbot.clinics.services import clinic_import_file
        from clinicbot.clinics.snapshot import invalidate_snapshot

        clinic_import_file(path=DEMO_CLINIC)
        invalidate_snapshot()
        yield env
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if database_url:
            _drop_database(base_db or "", name)
        if env.redis_url:
            _delete_redis_keys(env.redis_url, name)
        shutil.rmtree(var_dir, ignore_errors=True)


def _admin_connection(base_url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(_with_db(base_url, "postgres"), autocommit=True)


def _create_database(base_url: str, name: str) -> None:
    with _admin_connection(base_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(base_url: str, name: str) -> None:
    with _admin_connection(base_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _delete_redis_keys(url: str, name: str) -> None:
    """The run's cache keys (prefix ``name:``) and Celery queue keys; nobody else's."""
    import redis

    client = redis.Redis.from_url(url)
    keys = [*client.scan_iter(match=f"{name}:*"), *client.scan_iter(match=f"*{name}*")]
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])
    client.close()
