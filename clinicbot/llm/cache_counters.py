"""Atomic counters in the shared cache (Redis in production) that never fail a turn."""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def counter_add(key: str, amount: int, *, timeout: float) -> int | None:
    """Add ``amount`` to a counter (created at 0 with ``timeout``); None if the cache is down or the key vanished."""
    try:
        cache.add(key, 0, timeout)
        return int(cache.incr(key, amount))
    except ValueError:  # expired between add and incr
        return None
    except Exception as exc:
        logger.warning("cache counter %s unavailable: %s", key.split(":")[0], exc)
        return None
