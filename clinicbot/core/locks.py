"""Per-conversation locks that die with their holder.

On PostgreSQL a session-level advisory lock: held by the database connection, so a
worker killed with SIGKILL releases it when its connection drops (no stale lock to
expire). SQLite runs the embedded default with tasks in-process, one at a time, so no
lock is needed there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

# Distinguishes our advisory locks from any other application's on the same database.
_NAMESPACE = 0x0C11


@contextmanager
def conversation_lock(session_id: int, purpose: int = 1) -> Iterator[bool]:
    """Serialise work of one kind (``purpose``) on one conversation across processes.

    Yields whether the lock is exclusive across processes (True on PostgreSQL): only then
    may the holder treat work left half-done by an earlier holder as abandoned.
    """
    if connection.vendor != "postgresql":
        yield False
        return
    key = _NAMESPACE * 16 + purpose  # both keys are int4
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [key, session_id])
    try:
        yield True
    finally:
        # A connection lost meanwhile took the lock with it; a new one never held it.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, session_id])
