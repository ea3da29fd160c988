"""Cache access that never fails a patient's turn.

The cache is an accelerator: when the backend (Redis) is down every read is a miss and
every write is skipped, with a warning in the log, and the caller goes on from the
database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger("clinicbot.cache")

# After a failure, skip the cache for this many seconds instead of paying a connect
# timeout on every call while Redis is down.
_BACKOFF_SECONDS = 5.0
_down_until = 0.0
_stats = {"hits": 0, "misses": 0, "errors": 0}
# Keys whose write or delete failed while the cache was down. Their cached copies are now
# stale, so they are deleted as soon as the cache answers again (before any other read).
_dirty: set[str] = set()
_MAX_DIRTY = 10_000
# Called on every read with (key, "hit" | "miss" | "error"). The ops app registers its
# Prometheus counter here at start-up, so core imports no other app.
lookup_observers: list[Callable[[str, str], None]] = []


def _observe(key: str, result: str) -> None:
    for observer in lookup_observers:
        observer(key, result)


def _available() -> bool:
    return time.monotonic() >= _down_until


def _flush_dirty() -> bool:
    """Delete stale keys left by failed writes; False if the cache is still unreachable."""
    if not _dirty:
        return True
    keys = list(_dirty)
    try:
        cache.delete_many(keys)
    except Exception as exc:
        _failed("delete", keys[0], exc)
        return False
    _dirty.difference_update(keys)
    return True


def _failed(op: str, key: str, exc: Exception, *, stale: bool = False) -> None:
    global _down_until
    _stats["errors"] += 1
    if stale and len(_dirty) < _MAX_DIRTY:
        _dirty.add(key)
    if _available():
        logger.warning("cache %s failed for %s, using the database: %s", op, key.split(":")[0], exc)
    _down_until = time.monotonic() + _BACKOFF_SECONDS


def safe_get(key: str) -> Any | None:
    """Return the cached value, or None on a miss or when the cache is unreachable."""
    if not _available() or not _flush_dirty():
        _stats["misses"] += 1
        _observe(key, "error")
        return None
    try:
        value = cache.get(key)
    except Exception as exc:
        _failed("get", key, exc)
        _observe(key, "error")
        return None
    _stats["hits" if value is not None else "misses"] += 1
    _observe(key, "hit" if value is not None else "miss")
    return value


def safe_set(key: str, value: Any, timeout: float | None) -> bool:
    """Store a value; return False (and log) if the cache is unreachable."""
    if not _available() or not _flush_dirty():
        _dirty.add(key)
        return False
    try:
        cache.set(key, value, timeout)
    except Exception as exc:
        _failed("set", key, exc, stale=True)
        return False
    return True


def safe_delete(key: str) -> bool:
    """Delete a key; return False (and log) if the cache is unreachable."""
    if not _available() or not _flush_dirty():
        _dirty.add(key)
        return False
    try:
        cache.delete(key)
    except Exception as exc:
        _failed("delete", key, exc, stale=True)
        return False
    return True


def reset_backoff() -> None:
    """Forget a previous failure (tests, and after an operator fixed Redis)."""
    global _down_until
    _down_until = 0.0


def stats() -> dict[str, int]:
    """Hits, misses and errors since the process started."""
    return dict(_stats)
