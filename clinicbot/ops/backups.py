"""Database backups: a consistent online copy, rotated, and a restore into an empty database.

SQLite uses the sqlite3 online backup API (a consistent snapshot while the service keeps
writing). PostgreSQL uses ``pg_dump --format=custom`` / ``pg_restore`` (their major
version must match the server's). Backups are files named ``clinicbot-<UTC time>.<ext>``
in one directory, of which the newest ``keep`` are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.db import connections
from psycopg import sql

PREFIX = "clinicbot-"
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}

Database = Mapping[str, Any]  # a Django DATABASES entry (ENGINE, NAME, USER, PASSWORD, HOST, PORT)


class BackupError(Exception):
    """A backup or restore that could not be done (the message says why, in pt-BR)."""


def _vendor(database: Database) -> str:
    engine = str(database["ENGINE"])
    for vendor in EXTENSIONS:
        if vendor in engine:
            return vendor
    raise BackupError(f"banco não suportado para backup: {engine}")


def _pg_env(database: Database) -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore: the password never appears in a process list."""
    env = {**os.environ, "PGDATABASE": str(database["NAME"])}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[var] = str(database[key])
    return env


def _run(args: list[str], database: Database) -> None:
    try:
        done = subprocess.run(args, env=_pg_env(database), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} não encontrado: instale o cliente do PostgreSQL") from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} falhou: {done.stderr.strip()[-500:]}")


@contextmanager
def _connect(database: Database) -> Iterator[Any]:
    """A plain DB-API connection to ``database`` (not Django's: it may be another database)."""
    if _vendor(database) == "sqlite":
        name = str(database["NAME"])
        with closing(sqlite3.connect(name, uri=name.startswith("file:"))) as conn:
            yield conn
        return
    kwargs = {k.lower(): database[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if database.get(k)}
    with psycopg.connect(dbname=str(database["NAME"]), autocommit=True, **kwargs) as conn:
        yield conn


def _tables(conn: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    return [row[0] for row in conn.execute(query).fetchall()]


def table_row_counts(*, database: Database) -> dict[str, int]:
    """Rows per table of ``database`` (used to check a restore and to report it)."""
    vendor = _vendor(database)
    with _connect(database) as conn:
        counts = {}
        for table in _tables(conn, vendor):
            if vendor == "sqlite":
                query: Any = f'SELECT count(*) FROM "{table.replace(chr(34), "")}"'
            else:
                query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            counts[table] = conn.execute(query).fetchone()[0]
        return counts


def database_is_empty(*, database: Database) -> bool:
    """True when the database has no tables at all (created, never migrated)."""
    vendor = _vendor(database)
    name = str(database["NAME"])
    if vendor == "sqlite" and not name.startswith("file:") and not Path(name).exists():
        return True
    with _connect(database) as conn:
        return not _tables(conn, vendor)


def _new_path(directory: Path, vendor: str, now: dt.datetime) -> Path:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{PREFIX}{stamp}{EXTENSIONS[vendor]}"
    n = 1
    while path.exists():  # two backups within one second
        path = directory / f"{PREFIX}{stamp}-{n}{EXTENSIONS[vendor]}"
        n += 1
    return path


def _create_private(path: Path) -> None:
    """An empty file only its owner can read: backups hold every patient's data (LGPD)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def backup_list(*, directory: Path) -> list[Path]:
    """This service's backups in ``directory``, oldest first (names sort by time)."""
    if not directory.is_dir():
        return []
    exts = tuple(EXTENSIONS.values())
    return sorted(p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(exts))


def backup_rotate(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; returns the deleted files."""
    old = backup_list(directory=directory)[: -keep if keep > 0 else None]
    for path in old:
        path.unlink()
    return old


def backup_create(*, directory: Path, keep: int, now: dt.datetime, alias: str = "default") -> Path:
    """Write a consistent backup of database ``alias`` to ``directory``, then rotate.

    The file appears under its final name only once complete, so a crash never leaves a
    truncated backup that rotation would count as good.
    """
    database = connections[alias].settings_dict
    vendor = _vendor(database)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _new_path(directory, vendor, now)
    partial = path.with_name(path.name + ".partial")
    try:
        _create_private(partial)  # sqlite3 and pg_dump write into it, keeping its 0600
        if vendor == "sqlite":
            conn = connections[alias]
            conn.ensure_connection()
            with closing(sqlite3.connect(partial)) as target:
                conn.connection.backup(target)
                if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise BackupError("a cópia do SQLite não passou na verificação de integridade")
        else:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], database
            )
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    backup_rotate(directory=directory, keep=keep)
    return path


def backup_restore(*, path: Path, database: Database, force: bool = False) -> dict[str, int]:
    """Restore ``path`` into ``database``; refuses one that has tables unless ``force``.

    Returns the restored rows per table. With ``force`` the existing objects are
    replaced (SQLite: the whole file; PostgreSQL: ``pg_restore --clean``).
    """
    if not path.is_file():
        raise BackupError(f"arquivo não encontrado: {path}")
    vendor = _vendor(database)
    if not path.name.endswith(EXTENSIONS[vendor]):
        raise BackupError(f"{path.name} não é um backup de {vendor}")
    if not force and not database_is_empty(database=database):
        raise BackupError("o banco de destino não está vazio (use --force para sobrescrever)")
    if vendor == "sqlite":
        name = str(database["NAME"])
        if not name.startswith("file:") and not Path(name).exists():
            _create_private(Path(name))
        with closing(sqlite3.connect(path)) as source, _connect(database) as target:
            source.backup(target)
    else:
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if force:
            args += ["--clean", "--if-exists"]
        _run([*args, f"--dbname={database['NAME']}", str(path)], database)
    return table_row_counts(database=database)
