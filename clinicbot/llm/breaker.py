"""Circuit breakers shared by every worker through the cache: one for the LLM, one for transcription.

After ``LLM_BREAKER_FAILURES`` failed calls in a row the breaker opens: for
``LLM_BREAKER_COOLDOWN_S`` seconds every turn is answered offline without trying the
provider. Then it is half-open: the next call probes the provider; a success closes the
breaker, a failure opens it again at once. Kept in the Django cache (not in-process like
pybreaker's default) so gunicorn and Celery processes agree; with the cache down it never
opens and the SDK timeouts still bound each turn.

``name`` keeps the breakers apart (``llm``: replies and readings; ``transcribe``: voice
notes, often another server): a dead Whisper server must not silence the LLM, nor the
other way round. Both use the same thresholds.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from clinicbot.core.cache import safe_delete, safe_get, safe_set

from .cache_counters import counter_add

LLM = "llm"
TRANSCRIBE = "transcribe"


def _keys(name: str) -> tuple[str, str]:
    return f"{name}:breaker:failures", f"{name}:breaker:opened_at"


FAILURES_KEY, OPENED_KEY = _keys(LLM)


def breaker_allows(*, now: dt.datetime, name: str = LLM) -> bool:
    """False while the breaker is open (cool-down running)."""
    opened = safe_get(_keys(name)[1])
    return opened is None or now.timestamp() - float(opened) >= settings.LLM_BREAKER_COOLDOWN_S


def breaker_is_open(*, now: dt.datetime, name: str = LLM) -> bool:
    return not breaker_allows(now=now, name=name)


def breaker_record_success(*, name: str = LLM) -> None:
    """A call worked: close the breaker."""
    failures_key, opened_key = _keys(name)
    if safe_get(failures_key) or safe_get(opened_key) is not None:
        safe_delete(failures_key)
        safe_delete(opened_key)


def breaker_record_failure(*, now: dt.datetime, name: str = LLM) -> bool:
    """A call failed; return True if the breaker is (now) open."""
    failures_key, opened_key = _keys(name)
    keep = max(settings.LLM_BREAKER_COOLDOWN_S * 10, 600)
    half_open = safe_get(opened_key) is not None
    failures = counter_add(failures_key, 1, timeout=keep) or 0
    if half_open or failures >= settings.LLM_BREAKER_FAILURES:
        safe_set(opened_key, now.timestamp(), keep)
        safe_delete(failures_key)
        return True
    return False
