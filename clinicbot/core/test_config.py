"""Settings parsing from the environment, phone normalisation, and the start-up check."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from clinicbot.core.config import ConfigError, cache_config, database_config, env_bool, env_int
from clinicbot.core.phones import InvalidPhone, display_phone, normalize_phone

SQLITE = Path("/tmp/clinicbot-test/clinicbot.sqlite3")


# --------------------------------------------------------------------------- database
def test_no_database_url_means_the_embedded_sqlite_file():
    config = database_config(None, SQLITE)

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(SQLITE)
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert database_config("", SQLITE) == config


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_url_gives_persistent_psycopg_connections(scheme):
    config = database_config(f"{scheme}://clinic:s3cret@db.internal:5433/clinicbot", SQLITE)

    assert config["ENGINE"] == "django.db.backends.postgresql"  # psycopg 3 is installed
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("clinicbot", "clinic", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 5433)
    assert config["CONN_MAX_AGE"] == 600
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["connect_timeout"] == 5


def test_postgres_url_keeps_its_own_options():
    config = database_config("postgres://u@h/db?sslmode=require", SQLITE)
    assert config["OPTIONS"]["sslmode"] == "require"
    assert config["OPTIONS"]["connect_timeout"] == 5


def test_sqlite_url_is_accepted():
    config = database_config("sqlite:////srv/clinicbot/db.sqlite3", SQLITE)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/clinicbot/db.sqlite3"
    assert config["OPTIONS"] == database_config(None, SQLITE)["OPTIONS"]  # same safety as the default


def _sqlite_connection(path: Path, options: dict) -> sqlite3.Connection:
    """A connection opened as Django's SQLite backend opens it with these OPTIONS."""
    conn = sqlite3.connect(path, timeout=options["timeout"], isolation_level=None, check_same_thread=False)
    for command in options["init_command"].split(";"):
        if command.strip():
            conn.execute(command)
    return conn


def test_a_sqlite_transaction_that_reads_then_writes_waits_for_a_concurrent_writer(tmp_path):
    """The embedded default's "database is locked": a turn reads, another connection commits
    a webhook's insert, then the turn writes. A DEFERRED transaction cannot upgrade its stale
    WAL snapshot and fails at once; BEGIN IMMEDIATE takes the lock first, so the other
    writer waits its turn (busy timeout) and both succeed."""
    options = database_config(None, tmp_path / "db.sqlite3")["OPTIONS"]
    turn = _sqlite_connection(tmp_path / "db.sqlite3", options)
    webhook = _sqlite_connection(tmp_path / "db.sqlite3", options)
    turn.execute("CREATE TABLE message (text TEXT)")
    errors: list[Exception] = []

    def store() -> None:
        try:
            webhook.execute("INSERT INTO message VALUES ('oi')")  # autocommit, like a webhook's insert
        except sqlite3.OperationalError as exc:
            errors.append(exc)

    turn.execute(f"BEGIN {options.get('transaction_mode', '')}")  # Django's atomic() on SQLite
    turn.execute("SELECT count(*) FROM message").fetchone()
    other = threading.Thread(target=store)
    other.start()
    other.join(0.3)  # IMMEDIATE: the insert is now waiting for the lock; DEFERRED: it committed
    turn.execute("INSERT INTO message VALUES ('resposta')")
    turn.execute("COMMIT")
    other.join(5)
    assert errors == []
    assert turn.execute("SELECT count(*) FROM message").fetchone() == (2,)


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "mongodb://h/db", "localhost:5432/db"])
def test_unsupported_database_scheme_is_a_clear_config_error(url):
    with pytest.raises(
        ConfigError, match=r"DATABASE_URL scheme .* is not supported \(use postgres:// or sqlite://\)"
    ):
        database_config(url, SQLITE)


def test_malformed_database_url_is_a_config_error_not_a_driver_traceback():
    with pytest.raises(ConfigError, match="DATABASE_URL is malformed"):
        database_config("postgres://u@h:notaport/db", SQLITE)


# --------------------------------------------------------------------------- cache
def test_no_redis_url_means_local_memory_cache(monkeypatch):
    monkeypatch.delenv("CACHE_KEY_PREFIX", raising=False)
    config = cache_config(None)

    assert config["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["KEY_PREFIX"] == "clinicbot"


def test_redis_url_gives_a_redis_cache_with_short_timeouts(monkeypatch):
    monkeypatch.setenv("CACHE_KEY_PREFIX", "clinic-a")
    config = cache_config("redis://cache.internal:6380/2")

    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://cache.internal:6380/2"
    assert config["KEY_PREFIX"] == "clinic-a"
    assert config["OPTIONS"]["socket_connect_timeout"] <= 1
    assert config["OPTIONS"]["socket_timeout"] <= 1


def test_unsupported_cache_scheme_is_a_clear_config_error():
    with pytest.raises(ConfigError, match=r"REDIS_URL scheme 'memcached' is not supported"):
        cache_config("memcached://127.0.0.1:11211")


# --------------------------------------------------------------------------- env helpers
@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("CLINICBOT_FLAG", raw)
    assert env_bool("CLINICBOT_FLAG", not expected) is expected


def test_env_bool_and_env_int_reject_garbage_and_default_when_unset(monkeypatch):
    monkeypatch.delenv("CLINICBOT_FLAG", raising=False)
    assert env_bool("CLINICBOT_FLAG", True) is True
    assert env_int("CLINICBOT_FLAG", 7) == 7
    monkeypatch.setenv("CLINICBOT_FLAG", "maybe")
    with pytest.raises(ConfigError, match="CLINICBOT_FLAG='maybe' is not a boolean"):
        env_bool("CLINICBOT_FLAG", False)
    with pytest.raises(ConfigError, match="CLINICBOT_FLAG='maybe' is not an integer"):
        env_int("CLINICBOT_FLAG", 0)


# --------------------------------------------------------------------------- phones
@pytest.mark.parametrize(
    "raw",
    [
        "+55 (11) 99999-0000",
        "11 99999-0000",
        "(11) 99999-0000",
        "5511999990000",
        "+5511999990000",
        "5511999990000@s.whatsapp.net",
        " 55 11 99999 0000 ",
    ],
)
def test_phone_numbers_are_normalised_to_e164_digits(raw):
    assert normalize_phone(raw) == "5511999990000"


def test_landline_without_country_code_is_read_as_brazilian():
    assert normalize_phone("(11) 3000-0000") == "551130000000"


def test_whatsapp_ids_that_are_not_phone_numbers_keep_their_digits():
    assert normalize_phone("123456789012345@lid") == "123456789012345"


@pytest.mark.parametrize("raw", ["", "   ", "abc", "@s.whatsapp.net"])
def test_text_without_a_number_is_an_invalid_phone(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_display_phone_formats_for_people():
    assert display_phone("551130000000") == "+55 11 3000-0000"


# --------------------------------------------------------------------------- start-up
def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update(CLINICBOT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="clinicbot.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_database_stops_migrate_with_one_clear_line(tmp_path):
    result = run_manage(tmp_path, "migrate", DATABASE_URL="postgres://postgres@127.0.0.1:1/x")

    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot connect to the database" in lines[0]
    assert "127.0.0.1" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_database_url_scheme_stops_manage_py_with_one_clear_line(tmp_path):
    result = run_manage(tmp_path, "check", DATABASE_URL="mysql://root@127.0.0.1/clinic")

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "clinicbot: configuration error: DATABASE_URL scheme 'mysql' is not supported "
        "(use postgres:// or sqlite://)"
    ]
