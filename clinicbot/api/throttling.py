"""Requests per minute per API key (``API_RATE_LIMIT_PER_MINUTE``), counted in the shared cache.

A fixed one-minute window with an atomic ``add``/``incr``, so concurrent requests on
several servers are all counted (the framework's own throttle reads and rewrites a list,
which loses counts under concurrency). An unreachable cache lets requests through: the
rate limit protects the service, it must not take it down.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class ApiKeyRateThrottle(BaseThrottle):
    """Allows ``API_RATE_LIMIT_PER_MINUTE`` requests per key per clock minute (0 = no limit)."""

    def allow_request(self, request: HttpRequest) -> bool:
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        key = getattr(request, "auth", None)
        if limit <= 0 or key is None:
            return True
        window = int(time.time() // WINDOW_SECONDS)
        cache_key = f"api:rate:{key.pk}:{window}"
        try:
            # add() is a no-op when the key exists; incr() is atomic on Redis and locmem.
            cache.add(cache_key, 0, WINDOW_SECONDS + 5)
            count = cache.incr(cache_key)
        except Exception as exc:  # noqa: BLE001 - any cache failure means "cannot count"
            logger.warning("API rate limit not enforced, cache unavailable: %s", exc)
            return True
        return int(count) <= limit

    def wait(self) -> float:
        """Seconds until the current window ends (stateless, so one instance serves all threads)."""
        return max(1.0, math.ceil(WINDOW_SECONDS - time.time() % WINDOW_SECONDS))
