"""What every engine turn records for operations: Prometheus metrics, the day's funnel, hand-offs.

The booking funnel (how far each conversation got on a day: collecting → choosing_slot →
confirming → booked) is kept in the session's own state, in its bookkeeping
(``ops_days``, stored under ``context["_ops_days"]``) = ``{"2026-05-12": {"stage": 3}, …}``
(clinic-timezone days, the last :data:`KEEP_DAYS`); no dialogue reset touches it. The
session row is written on every turn anyway, so this costs no database query (a turn
stays at ~6); the daily roll-up reads it back and keeps the highest counts it has seen
(see :mod:`clinicbot.ops.rollup`).

A hand-off is an event, not a state: a turn that hands the conversation to a person adds
one :class:`~clinicbot.conversations.models.HandoffEvent` row (one INSERT, on those turns only), so a
conversation handed back and handed off again the same day counts twice. (Older versions
kept a per-day "handoff" flag in the session, which counted it once.)
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.utils import timezone

from clinicbot.conversations.models import HandoffSource
from clinicbot.core.metrics import INTENTS, TURN_EVENTS, TURN_LATENCY
from clinicbot.engine.state import OPS_DAYS_KEY, Bookkeeping

from .handoffs import handoff_record

OPS_KEY = OPS_DAYS_KEY  # where the roll-up finds it in the stored session
KEEP_DAYS = 8
# The furthest booking step a conversation reached, in order. choosing_doctor is part of
# filling in the request, so it counts as collecting.
FUNNEL_STAGES = ("collecting", "choosing_slot", "confirming", "booked")
_STATE_RANK = {"collecting": 1, "choosing_doctor": 1, "choosing_slot": 2, "confirming": 3}
BOOKED_RANK = 4

_F = TypeVar("_F", bound=Callable[..., Any])


def funnel_rank(*, state: str, mode: str, events: tuple[str, ...]) -> int:
    """0 outside the booking flow, else 1-4 (see :data:`FUNNEL_STAGES`). Rescheduling is not a new booking."""
    if "booked" in events:
        return BOOKED_RANK
    if mode == "reschedule":
        return 0
    return _STATE_RANK.get(state, 0)


def funnel_remember(*, kept: Bookkeeping, day: dt.date, rank: int) -> None:
    """Store the day's furthest stage in the session's bookkeeping."""
    days: dict[str, dict[str, Any]] = {k: dict(v) for k, v in kept.ops_days.items()}
    today = days.setdefault(day.isoformat(), {})
    if rank > int(today.get("stage", 0)):
        today["stage"] = rank
    if not today:
        del days[day.isoformat()]
    kept.ops_days = {k: days[k] for k in sorted(days)[-KEEP_DAYS:]}


def observe_turn(func: _F) -> _F:
    """Decorate the pipeline's ``_run_engine(stored, text, now, catalog) -> TurnResult``.

    Records the turn's duration, intent and events for ``/metrics``, the day's funnel
    step in the session state and a hand-off event. Never changes the replies.
    """

    @functools.wraps(func)
    def wrapper(stored: Any, text: str, now: dt.datetime, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = func(stored, text, now, *args, **kwargs)
        TURN_LATENCY.observe(time.perf_counter() - started)
        INTENTS.labels(intent=result.parse.intent or "unknown").inc()
        for event in result.events:
            TURN_EVENTS.labels(event=event).inc()
        state = stored.state
        funnel_remember(
            kept=state.bookkeeping,
            day=timezone.localdate(now),
            rank=funnel_rank(state=state.state, mode=state.context.mode, events=result.events),
        )
        # "handoff" is the turn that passes the conversation on; "silent_handoff" is a
        # message to a conversation already with a person (not a new hand-off).
        if "handoff" in result.events:
            handoff_record(at=now, source=HandoffSource.ASSISTANT)
        return result

    return wrapper  # type: ignore[return-value]
