"""Token accounting and the daily budget.

Every call's prompt and completion tokens (the provider's usage fields) are added to a
per-day counter in the cache — the fast check of the budget on every turn — and, once the
turn commits, to :class:`~clinicbot.llm.models.TokenUsage` (per day and provider) and
:class:`~clinicbot.llm.models.ConversationTokenUsage` with ``F()`` increments, so a
restart or an emptied cache loses nothing: a missing cache counter is rebuilt from the
database. Days are the clinic's: the budget resets at local midnight. One budget covers
both purposes (wording replies, reading unsure messages); the rows keep them apart.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from clinicbot.core.cache import safe_get, safe_set
from clinicbot.core.metrics import LLM_FALLBACKS, LLM_TOKENS

from .cache_counters import counter_add
from .models import BudgetMode, ConversationTokenUsage, Purpose, TokenUsage

ECONOMY_SHARE = 0.8
_DAY_TTL = 2 * 24 * 3600


def usage_day(*, now: dt.datetime, timezone: str | None = None) -> dt.date:
    """The clinic's calendar day of ``now``."""
    return now.astimezone(zoneinfo.ZoneInfo(timezone or settings.TIME_ZONE)).date()


def _day_key(day: dt.date) -> str:
    return f"llm:tokens:{day.isoformat()}"


def tokens_used(*, day: dt.date) -> int:
    """Prompt + completion tokens spent on ``day`` by every provider (cache, else database)."""
    cached = safe_get(_day_key(day))
    if cached is not None:
        return int(cached)
    totals = TokenUsage.objects.filter(day=day).aggregate(p=Sum("prompt_tokens"), c=Sum("completion_tokens"))
    used = int(totals["p"] or 0) + int(totals["c"] or 0)
    safe_set(_day_key(day), used, _DAY_TTL)
    return used


def tokens_counted(*, day: dt.date) -> int:
    """Prompt + completion tokens of ``day`` from the database alone (the roll-up's exact figure)."""
    totals = TokenUsage.objects.filter(day=day).aggregate(p=Sum("prompt_tokens"), c=Sum("completion_tokens"))
    return int(totals["p"] or 0) + int(totals["c"] or 0)


def daily_budget() -> int | None:
    """The daily token budget (``LLM_DAILY_TOKEN_BUDGET``), or None when none is set."""
    budget = getattr(settings, "LLM_DAILY_TOKEN_BUDGET", None)
    return int(budget) if budget else None


def tokens_used_today(*, now: dt.datetime | None = None) -> int:
    """Tokens spent today in the clinic's timezone (for metrics and the admin)."""
    return tokens_used(day=usage_day(now=now or dt.datetime.now(dt.UTC)))


def budget_mode(*, day: dt.date) -> BudgetMode:
    """normal, economy (above 80 % of ``LLM_DAILY_TOKEN_BUDGET``) or offline (budget spent)."""
    budget = settings.LLM_DAILY_TOKEN_BUDGET
    if budget <= 0:
        return BudgetMode.OFFLINE
    used = tokens_used(day=day)
    if used >= budget:
        return BudgetMode.OFFLINE
    if used >= ECONOMY_SHARE * budget:
        return BudgetMode.ECONOMY
    return BudgetMode.NORMAL


def increment_usage(
    model: type[TokenUsage] | type[ConversationTokenUsage], lookup: dict[str, object], **deltas: float
) -> None:
    """Add ``deltas`` to the row of ``lookup`` (created if missing), race-free with ``F()``."""
    changes = {name: F(name) + value for name, value in deltas.items() if value}
    if not changes or model.objects.filter(**lookup).update(**changes):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **deltas)
    except IntegrityError:  # another worker created the row first
        model.objects.filter(**lookup).update(**changes)


def usage_record(
    *,
    provider: str,
    day: dt.date,
    session_id: int | None,
    prompt_tokens: int,
    completion_tokens: int,
    purpose: Purpose = Purpose.PHRASING,
) -> None:
    """Count one successful call: cache and metrics now, database rows when the turn commits.

    ``session_id`` None: a call outside a conversation (``evaluate``'s single messages).
    """
    tokens = prompt_tokens + completion_tokens
    tokens_used(day=day)  # make sure the counter starts from the database's count
    counter_add(_day_key(day), tokens, timeout=_DAY_TTL)
    LLM_TOKENS.labels(provider=provider, kind="prompt").inc(prompt_tokens)
    LLM_TOKENS.labels(provider=provider, kind="completion").inc(completion_tokens)

    def persist() -> None:
        counts = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "calls": 1}
        increment_usage(TokenUsage, {"day": day, "provider": provider, "purpose": purpose}, **counts)
        if session_id is not None:
            increment_usage(ConversationTokenUsage, {"session_id": session_id}, **counts)

    # After the commit: the F() update then holds its row lock for milliseconds, not for
    # the rest of a turn that may wait on another LLM call.
    transaction.on_commit(persist)


def fallback_record(
    *, provider: str, day: dt.date, session_id: int | None, reason: str, purpose: Purpose = Purpose.PHRASING
) -> None:
    """Count one reply sent (or one reading kept) offline because the LLM could not be used, and why.

    The conversation's own count is of replies only, as its admin column says.
    """
    understanding = purpose == Purpose.UNDERSTANDING
    LLM_FALLBACKS.labels(reason=f"understanding_{reason}" if understanding else reason).inc()

    def persist() -> None:
        increment_usage(TokenUsage, {"day": day, "provider": provider, "purpose": purpose}, fallbacks=1)
        if session_id is not None and not understanding:
            increment_usage(ConversationTokenUsage, {"session_id": session_id}, fallbacks=1)

    transaction.on_commit(persist)


def usage_summary(*, purpose: Purpose = Purpose.PHRASING) -> dict[str, int]:
    """Totals of one purpose over every stored day (``evaluate`` runs on a throw-away database)."""
    totals = TokenUsage.objects.filter(purpose=purpose).aggregate(
        p=Sum("prompt_tokens"), c=Sum("completion_tokens"), n=Sum("calls"), f=Sum("fallbacks")
    )
    return {
        "prompt_tokens": int(totals["p"] or 0),
        "completion_tokens": int(totals["c"] or 0),
        "calls": int(totals["n"] or 0),
        "fallbacks": int(totals["f"] or 0),
    }


def usage_report(*, turns: int) -> dict[str, object]:
    """The ``llm`` section of ``evaluate``'s report.

    The top-level figures are the reply wording's (calls, fallbacks, tokens per turn);
    ``understanding`` holds the readings of unsure messages: calls answered, their tokens,
    and failures (readings kept offline: errors, unreadable answers, budget, breaker).
    """
    phrasing = usage_summary()
    reading = usage_summary(purpose=Purpose.UNDERSTANDING)
    per_turn = max(turns, 1)
    return {
        "provider": settings.LLM_PROVIDER,
        **phrasing,
        "mean_prompt_tokens_per_turn": round(phrasing["prompt_tokens"] / per_turn, 1),
        "mean_completion_tokens_per_turn": round(phrasing["completion_tokens"] / per_turn, 1),
        "understanding": {
            "calls": reading["calls"],
            "failures": reading["fallbacks"],
            "prompt_tokens": reading["prompt_tokens"],
            "completion_tokens": reading["completion_tokens"],
            "mean_prompt_tokens_per_call": round(reading["prompt_tokens"] / max(reading["calls"], 1), 1),
        },
        "total_tokens": sum(t["prompt_tokens"] + t["completion_tokens"] for t in (phrasing, reading)),
    }
