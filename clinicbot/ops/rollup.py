"""The daily roll-up: one clinic-timezone day of activity into ``DailyMetrics``.

Every figure is recomputed from the stored data, so running it again for the same day
gives the same row (idempotent upsert). Definitions, all on the clinic's day
(``CLINIC_TIMEZONE``, midnight to midnight):

* conversations — conversations with at least one patient message that day;
* messages in / out — patient messages; replies the gateway accepted (sent, delivered, read);
* bookings — appointments the assistant made that day (moves of an existing one excluded);
  conversion rate = bookings / conversations;
* cancellations — appointments cancelled that day (excluding the old half of a move);
* no-shows — appointments of that day that staff marked as "não compareceu";
* hand-offs — hand-off *events* that day (:class:`~clinicbot.conversations.models.HandoffEvent`: the
  assistant passing a conversation to a person, or staff taking one over), so a
  conversation handed back and handed off again counts twice;
* the booking funnel — recorded on each turn in the session (:mod:`clinicbot.conversations.turn_metrics`).
  It counts conversations that got *at least* to each step, so each step is <= the one
  before;
* median response time — from a patient message's arrival to the computed answer
  (debounce window and queueing included; delivery by the gateway not included);
* LLM tokens — from the llm app's usage table (0 without it).

The session keeps its day-by-day funnel only for a few days and a conversation that
expires starts a fresh state, so the funnel counts merge with the stored row by keeping
the higher number: a later run can add what it sees, never lose what an earlier run saw.
Hand-offs merge the same way, so a day rolled up before hand-off events existed keeps
its number.

Today's figures on the dashboard are computed live (:func:`today_metrics`), not read
from the last hourly roll-up.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinicbot.conversations.handoffs import handoffs_between
from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.conversations.turn_metrics import BOOKED_RANK, OPS_KEY
from clinicbot.llm.usage import tokens_counted
from clinicbot.scheduling.models import Appointment, AppointmentStatus

from .models import DailyMetrics

_DELIVERED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ)
# DailyMetrics field → the funnel rank a conversation must have reached to count in it.
FUNNEL_FIELDS = {
    "funnel_collecting": 1,
    "funnel_choosing_slot": 2,
    "funnel_confirming": 3,
    "funnel_booked": BOOKED_RANK,
}
# Counts that are merged with the stored row (max), see the module docstring.
_MONOTONE = (*FUNNEL_FIELDS, "handoffs")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of ``day`` in the clinic's timezone, as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _session_figures(day: dt.date, start: dt.datetime) -> dict[str, int]:
    """The funnel from the per-day records the turns left in the sessions."""
    counts = dict.fromkeys(FUNNEL_FIELDS, 0)
    key = day.isoformat()
    contexts = ConversationSession.objects.filter(
        last_activity__gte=start, context__has_key=OPS_KEY
    ).values_list("context", flat=True)
    for context in contexts.iterator():
        record = (context.get(OPS_KEY) or {}).get(key) or {}
        rank = int(record.get("stage", 0))
        for field, needed in FUNNEL_FIELDS.items():
            counts[field] += rank >= needed
    return counts


def _median_response_ms(start: dt.datetime, end: dt.datetime) -> float | None:
    pairs = ConversationMessage.objects.filter(
        direction=Direction.USER, timestamp__gte=start, timestamp__lt=end, processed_at__isnull=False
    ).values_list("timestamp", "processed_at")
    # processed_at is never None here (filtered above): the `if` only tells mypy so.
    waits = [
        max((done - sent).total_seconds() * 1000, 0.0) for sent, done in pairs.iterator() if done is not None
    ]
    return round(statistics.median(waits), 1) if waits else None


def daily_metrics_compute(*, day: dt.date) -> dict[str, Any]:
    """The figures of ``day`` (clinic timezone) from the stored data, without saving them."""
    start, end = day_bounds(day)
    messages = ConversationMessage.objects.filter(timestamp__gte=start, timestamp__lt=end)
    inbound = messages.filter(direction=Direction.USER)
    appointments = Appointment.objects.all()
    moved_ids = appointments.filter(rescheduled_from__isnull=False).values("rescheduled_from_id")
    return {
        "conversations": inbound.values("session_id").distinct().count(),
        "messages_in": inbound.count(),
        "messages_out": messages.filter(
            direction__in=(Direction.BOT, Direction.STAFF), delivery_status__in=_DELIVERED
        ).count(),
        "bookings": appointments.filter(
            created_at__gte=start, created_at__lt=end, session__isnull=False, rescheduled_from__isnull=True
        ).count(),
        "cancellations": appointments.filter(
            status=AppointmentStatus.CANCELLED, updated_at__gte=start, updated_at__lt=end
        )
        .exclude(id__in=moved_ids)
        .count(),
        "no_shows": appointments.filter(
            status=AppointmentStatus.NO_SHOW, start__gte=start, start__lt=end
        ).count(),
        "median_response_ms": _median_response_ms(start, end),
        "llm_tokens": tokens_counted(day=day),
        "handoffs": handoffs_between(start, end),
        **_session_figures(day, start),
    }


def _merged(figures: dict[str, Any], stored: DailyMetrics | None) -> dict[str, Any]:
    """``figures`` with the monotone counts never below the stored row's (module docstring)."""
    if stored is not None:
        for field in _MONOTONE:
            figures[field] = max(figures[field], getattr(stored, field))
    return figures


def daily_metrics_rollup(*, day: dt.date, now: dt.datetime | None = None) -> DailyMetrics:
    """Compute ``day`` and upsert its ``DailyMetrics`` row (safe to run again, or concurrently)."""
    figures = daily_metrics_compute(day=day)
    with transaction.atomic():
        existing = DailyMetrics.objects.select_for_update().filter(date=day).first()
        row, _ = DailyMetrics.objects.update_or_create(
            date=day, defaults={**_merged(figures, existing), "computed_at": now or timezone.now()}
        )
    return row


def today_metrics(*, now: dt.datetime | None = None) -> DailyMetrics:
    """Today's figures computed now, not saved (a page view writes nothing).

    The dashboard shows these for today, so a conversation of five minutes ago is there
    without waiting for the hourly roll-up. Every count of the day only grows until
    midnight, so none is shown below what today's stored roll-up already counted.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    figures = daily_metrics_compute(day=day)
    stored = DailyMetrics.objects.filter(date=day).first()
    if stored is not None:
        for field, value in figures.items():
            if isinstance(value, int):
                figures[field] = max(value, getattr(stored, field))
        if figures["median_response_ms"] is None:
            figures["median_response_ms"] = stored.median_response_ms
    return DailyMetrics(date=day, computed_at=now, **figures)


def recent_metrics_rollup(*, now: dt.datetime | None = None) -> list[DailyMetrics]:
    """Roll up yesterday and today (the periodic task): today stays current, yesterday becomes final."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [daily_metrics_rollup(day=day, now=now) for day in (today - dt.timedelta(days=1), today)]
