"""Cache access that never fails a patient's turn.

The cache is an accelerator: when the backend (Redis) is down every read is a miss and
every write is skipped, with a warning in the log, and the caller goes on from the
database.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache

logger = logging.getLogger("clinicbot.cache")

# After a failure, skip the cache for this many seconds instead of paying a connect
# timeout on every call while Redis is down.
_BACKOFF_SECONDS = 5.0
_down_until = 0.0
_stats = {"hits": 0, "misses": 0, "errors": 0}


def _available() -> bool:
    return time.monotonic() >= _down_until


def _failed(op: str, key: str, exc: Exception) -> None:
    global _down_until
    _stats["errors"] += 1
    if _available():
        logger.warning("cache %s failed for %s, using the database: %s", op, key.split(":")[0], exc)
    _down_until = time.monotonic() + _BACKOFF_SECONDS


def safe_get(key: str) -> Any | None:
    """Return the cached value, or None on a miss or when the cache is unreachable."""
    if not _available():
        _stats["misses"] += 1
        return None
    try:
        value = cache.get(key)
    except Exception as exc:
        _failed("get", key, exc)
        return None
    _stats["hits" if value is not None else "misses"] += 1
    return value


def safe_set(key: str, value: Any, timeout: float | None) -> bool:
    """Store a value; return False (and log) if the cache is unreachable."""
    if not _available():
        return False
    try:
        cache.set(key, value, timeout)
    except Exception as exc:
        _failed("set", key, exc)
        return False
    return True


def safe_delete(key: str) -> bool:
    """Delete a key; return False (and log) if the cache is unreachable."""
    if not _available():
        return False
    try:
        cache.delete(key)
    except Exception as exc:
        _failed("delete", key, exc)
        return False
    return True


def reset_backoff() -> None:
    """Forget a previous failure (tests, and after an operator fixed Redis)."""
    global _down_until
    _down_until = 0.0


def stats() -> dict[str, int]:
    """Hits, misses and errors since the process started."""
    return dict(_stats)
