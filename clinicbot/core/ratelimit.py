"""Fixed-window rate limits counted in the shared cache (several servers count together).

An atomic ``add``/``incr`` pair per window, so concurrent requests are all counted (a
read-modify-write of a list, as generic throttles do, loses counts under concurrency).
An unreachable cache lets requests through: a rate limit protects the service, it must
not take it down.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateDecision:
    """Whether one more request is allowed, and when the current window ends."""

    allowed: bool
    retry_after: int


def rate_hit(key: str, *, limit: int, window_seconds: int = 60, now: float | None = None) -> RateDecision:
    """Count one request under ``key``; refused once ``limit`` requests were counted this window.

    ``limit <= 0`` means no limit (nothing is counted).
    """
    now = time.time() if now is None else now
    retry_after = max(1, math.ceil(window_seconds - now % window_seconds))
    if limit <= 0:
        return RateDecision(True, retry_after)
    cache_key = f"rate:{key}:{int(now // window_seconds)}"
    try:
        # add() is a no-op when the key exists; incr() is atomic on Redis and locmem.
        cache.add(cache_key, 0, window_seconds + 5)
        count = int(cache.incr(cache_key))
    except Exception as exc:  # noqa: BLE001 - any cache failure means "cannot count"
        logger.warning("rate limit %s not enforced, cache unavailable: %s", key.split(":")[0], exc)
        return RateDecision(True, retry_after)
    return RateDecision(count <= limit, retry_after)
