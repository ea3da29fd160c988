"""Requests per minute per API key (``API_RATE_LIMIT_PER_MINUTE``), counted in the shared cache.

See :mod:`clinicbot.core.ratelimit`: a fixed one-minute window with an atomic
``add``/``incr`` (the framework's own throttle reads and rewrites a list, which loses
counts under concurrency); an unreachable cache lets requests through.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from clinicbot.core.ratelimit import rate_hit

WINDOW_SECONDS = 60


class ApiKeyRateThrottle(BaseThrottle):
    """Allows ``API_RATE_LIMIT_PER_MINUTE`` requests per key per clock minute (0 = no limit)."""

    def allow_request(self, request: HttpRequest) -> bool:
        key = getattr(request, "auth", None)
        if key is None:
            return True
        return rate_hit(
            f"api:{key.pk}", limit=settings.API_RATE_LIMIT_PER_MINUTE, window_seconds=WINDOW_SECONDS
        ).allowed

    def wait(self) -> float:
        """Seconds until the current window ends (stateless, so one instance serves all threads)."""
        return max(1.0, math.ceil(WINDOW_SECONDS - time.time() % WINDOW_SECONDS))
