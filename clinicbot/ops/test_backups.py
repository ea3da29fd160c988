"""Backups: backup -> restore into an empty database gives the same rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from clinicbot.ops.backups import BackupError, backup_create, backup_list, backup_restore, table_row_counts
from clinicbot.testing import Patient, load_clinic

NOW = dt.datetime(2026, 5, 13, 13, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data only


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A freshly created, empty database of the same kind as the test database."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {"ENGINE": source["ENGINE"], "NAME": str(tmp_path / "restored.sqlite3")}
        return
    target = {**source, "NAME": f"{source['NAME']}_restore"}
    admin_kwargs = {k.lower(): source[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if source.get(k)}

    def admin(statement: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin_kwargs) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(target["NAME"])))

    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    admin("CREATE DATABASE {}")
    yield target
    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def clinic_with_conversations() -> None:
    load_clinic()
    p = Patient("5519990008001", NOW)
    p.says("sou Marta Reis, quero clinico geral amanha as 10h, unimed")
    p.says("sim")
    Patient("5519990008002", NOW).says("quais convenios vcs aceitam?")


def test_backup_then_restore_into_an_empty_database_gives_the_same_row_counts(tmp_path, empty_database):
    clinic_with_conversations()
    path = backup_create(directory=tmp_path / "backups", keep=3, now=NOW)
    assert (
        path.name == f"clinicbot-20260513T130000Z{'.sqlite3' if connection.vendor == 'sqlite' else '.pgdump'}"
    )

    restored = backup_restore(path=path, database=empty_database)

    original = table_row_counts(database=connection.settings_dict)
    assert restored == original
    assert original["scheduling_appointment"] == 1 and original["conversations_conversationmessage"] == 6
    assert original["clinics_doctor"] > 0


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(tmp_path, empty_database):
    clinic_with_conversations()
    path = backup_create(directory=tmp_path, keep=3, now=NOW)
    backup_restore(path=path, database=empty_database)
    with pytest.raises(BackupError, match="não está vazio"):
        backup_restore(path=path, database=empty_database)
    assert backup_restore(path=path, database=empty_database, force=True) == table_row_counts(
        database=connection.settings_dict
    )


def test_rotation_keeps_the_newest_backups(tmp_path):
    load_clinic()
    made = [backup_create(directory=tmp_path, keep=2, now=NOW + dt.timedelta(hours=h)) for h in range(4)]
    assert backup_list(directory=tmp_path) == made[2:]
    assert not list(tmp_path.glob("*.partial"))


def test_backup_command_uses_dir_and_keep_and_restore_command_refuses_the_live_database(tmp_path):
    load_clinic()
    out = io.StringIO()
    for _ in range(3):
        call_command("backup", "--dir", str(tmp_path), "--keep", "2", stdout=out)
    assert len(backup_list(directory=tmp_path)) == 2
    assert "2 backups na pasta" in out.getvalue()
    with pytest.raises(CommandError, match="não está vazio"):
        call_command("restore", str(backup_list(directory=tmp_path)[-1]))


def test_restore_rejects_a_missing_file(tmp_path, empty_database):
    with pytest.raises(BackupError, match="não encontrado"):
        backup_restore(path=tmp_path / "nope.sqlite3", database=empty_database)


def test_backups_and_their_folder_are_readable_by_the_owner_only(tmp_path, empty_database):
    clinic_with_conversations()
    old_umask = os.umask(0o022)  # the usual umask: new files world-readable
    try:
        path = backup_create(directory=tmp_path / "backups", keep=3, now=NOW)
        backup_restore(path=path, database=empty_database)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    if connection.vendor == "sqlite":  # a restore into a new SQLite file keeps it private too
        assert stat.S_IMODE(Path(empty_database["NAME"]).stat().st_mode) == 0o600
