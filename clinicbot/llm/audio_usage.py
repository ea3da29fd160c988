"""Seconds of transcribed audio: the daily budget and the accounting, as for LLM tokens.

Each transcription's seconds (the audio's measured length, rounded up: providers bill by
the second or more) go to a per-day counter in the cache — the fast check before every
call — and, once the turn's transaction commits, to :class:`~clinicbot.llm.models.TokenUsage`
(purpose ``transcription``, per day and provider: Admin › "Respostas por IA") and to the
conversation's :class:`~clinicbot.llm.models.ConversationTokenUsage`, with ``F()``
increments. A missing cache counter is rebuilt from the database, so a restart loses
nothing. Days are the clinic's: the budget (``TRANSCRIBE_DAILY_SECONDS_BUDGET``) resets
at local midnight. It is a budget of its own: LLM tokens and audio seconds are paid apart.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from clinicbot.core.cache import safe_get, safe_set
from clinicbot.core.metrics import TRANSCRIBED_SECONDS

from .cache_counters import counter_add
from .models import ConversationTokenUsage, Purpose, TokenUsage
from .usage import increment_usage

_DAY_TTL = 2 * 24 * 3600


def _day_key(day: dt.date) -> str:
    return f"transcribe:seconds:{day.isoformat()}"


def billed_seconds(seconds: float) -> int:
    """The seconds a transcription counts for (rounded up, at least 1)."""
    return max(1, math.ceil(seconds))


def audio_seconds_used(*, day: dt.date) -> int:
    """Seconds of audio transcribed on ``day`` (cache, else database)."""
    cached = safe_get(_day_key(day))
    if cached is not None:
        return int(cached)
    total = TokenUsage.objects.filter(day=day, purpose=Purpose.TRANSCRIPTION).aggregate(
        s=Sum("audio_seconds")
    )
    used = math.ceil(total["s"] or 0)
    safe_set(_day_key(day), used, _DAY_TTL)
    return used


def audio_budget_allows(*, day: dt.date, seconds: float) -> bool:
    """Whether ``seconds`` more of audio fit in the day's ``TRANSCRIBE_DAILY_SECONDS_BUDGET``."""
    budget = settings.TRANSCRIBE_DAILY_SECONDS_BUDGET
    return budget > 0 and audio_seconds_used(day=day) + billed_seconds(seconds) <= budget


def transcription_record(*, provider: str, day: dt.date, session_id: int | None, seconds: float) -> None:
    """Count one transcription: cache and metrics now, database rows when the turn commits."""
    billed = billed_seconds(seconds)
    audio_seconds_used(day=day)  # make sure the counter starts from the database's count
    counter_add(_day_key(day), billed, timeout=_DAY_TTL)
    TRANSCRIBED_SECONDS.labels(provider=provider).inc(billed)

    def persist() -> None:
        lookup = {"day": day, "provider": provider, "purpose": Purpose.TRANSCRIPTION}
        increment_usage(TokenUsage, lookup, calls=1, audio_seconds=billed)
        if session_id is not None:
            increment_usage(ConversationTokenUsage, {"session_id": session_id}, calls=1, audio_seconds=billed)

    transaction.on_commit(persist)


def transcription_failure_record(*, provider: str, day: dt.date) -> None:
    """Count one voice note that got the polite "please write" (its reason is in the metrics)."""

    def persist() -> None:
        lookup = {"day": day, "provider": provider, "purpose": Purpose.TRANSCRIPTION}
        increment_usage(TokenUsage, lookup, fallbacks=1)

    transaction.on_commit(persist)
