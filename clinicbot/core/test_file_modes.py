"""The SQLite database (every conversation) is created readable by its owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from django.conf import settings

from clinicbot.core.config import sqlite_file_private
from clinicbot.testing.servers import embedded_env


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_database_and_its_wal_files_are_private_from_the_start(tmp_path):
    run = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=embedded_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: new files world-readable
    )
    assert run.returncode == 0, run.stderr
    database = tmp_path / "clinicbot.sqlite3"
    assert database.stat().st_size > 0 and mode(database) == 0o600
    for extra in tmp_path.glob("clinicbot.sqlite3-*"):  # -wal / -shm copy the database's mode
        assert mode(extra) == 0o600, extra


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    database = tmp_path / "db.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    wal = tmp_path / "db.sqlite3-wal"
    wal.write_bytes(b"")
    wal.chmod(0o664)
    sqlite_file_private({"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)})
    assert (mode(database), mode(wal)) == (0o600, 0o600)
    # PostgreSQL and in-memory databases are not files of ours.
    sqlite_file_private({"ENGINE": "django.db.backends.postgresql", "NAME": str(database)})
    sqlite_file_private({"ENGINE": "django.db.backends.sqlite3", "NAME": "file:memorydb?mode=memory"})
