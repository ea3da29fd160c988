"""A circuit breaker shared by every worker through the cache.

After ``LLM_BREAKER_FAILURES`` failed calls in a row the breaker opens: for
``LLM_BREAKER_COOLDOWN_S`` seconds every turn is answered offline without trying the
provider. Then it is half-open: the next call probes the provider; a success closes the
breaker, a failure opens it again at once. Kept in the Django cache (not in-process like
pybreaker's default) so gunicorn and Celery processes agree; with the cache down it never
opens and the SDK timeouts still bound each turn.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from clinicbot.core.cache import safe_delete, safe_get, safe_set

from .cache_counters import counter_add

FAILURES_KEY = "llm:breaker:failures"
OPENED_KEY = "llm:breaker:opened_at"


def breaker_allows(*, now: dt.datetime) -> bool:
    """False while the breaker is open (cool-down running)."""
    opened = safe_get(OPENED_KEY)
    return opened is None or now.timestamp() - float(opened) >= settings.LLM_BREAKER_COOLDOWN_S


def breaker_is_open(*, now: dt.datetime) -> bool:
    return not breaker_allows(now=now)


def breaker_record_success() -> None:
    """A call worked: close the breaker."""
    if safe_get(FAILURES_KEY) or safe_get(OPENED_KEY) is not None:
        safe_delete(FAILURES_KEY)
        safe_delete(OPENED_KEY)


def breaker_record_failure(*, now: dt.datetime) -> bool:
    """A call failed; return True if the breaker is (now) open."""
    keep = max(settings.LLM_BREAKER_COOLDOWN_S * 10, 600)
    half_open = safe_get(OPENED_KEY) is not None
    failures = counter_add(FAILURES_KEY, 1, timeout=keep) or 0
    if half_open or failures >= settings.LLM_BREAKER_FAILURES:
        safe_set(OPENED_KEY, now.timestamp(), keep)
        safe_delete(FAILURES_KEY)
        return True
    return False
