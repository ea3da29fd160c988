"""Per-conversation locks that die with their holder.

On PostgreSQL a session-level advisory lock: held by the database connection, so a
worker killed with SIGKILL releases it when its connection drops (no stale lock to
expire). SQLite has no such lock: there the embedded default runs tasks in the server's
threads (request threads and the in-process scheduler's pool), so a lock of this process
serialises them; it says nothing about other processes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

# Distinguishes our advisory locks from any other application's on the same database.
_NAMESPACE = 0x0C11
# Striped in-process locks: bounded memory whatever the number of conversations; two
# conversations sharing a stripe only wait for each other's (short) sends.
_STRIPES = tuple(threading.Lock() for _ in range(64))


@contextmanager
def conversation_lock(session_id: int, purpose: int = 1) -> Iterator[bool]:
    """Serialise work of one kind (``purpose``) on one conversation across processes.

    Yields whether the lock is exclusive across processes (True on PostgreSQL): only then
    may the holder treat work left half-done by an earlier holder as abandoned. Elsewhere
    it is exclusive among this process's threads only.
    """
    if connection.vendor != "postgresql":
        with _STRIPES[hash((purpose, session_id)) % len(_STRIPES)]:
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
