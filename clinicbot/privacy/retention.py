"""Retention: old messages and long-idle conversations are deleted in small batches.

Each batch is one ``DELETE … WHERE id IN (…)`` of at most ``batch_size`` primary keys in
its own transaction, so the purge never holds a long lock on a table the worker is
writing to, and an interrupted purge simply resumes next time. Appointments are never
deleted: a purged conversation's bookings keep their record (their link to it is nulled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from clinicbot.conversations.models import ConversationMessage, ConversationSession
from clinicbot.scheduling.models import ACTIVE_STATUSES, Appointment

from .models import PrivacyAction, PrivacyAuditEntry

# Called after each batch: (what, rows deleted in this batch).
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class PurgePlan:
    """What a purge will delete: the cut-offs and the querysets behind them."""

    messages_before: dt.datetime
    sessions_idle_before: dt.datetime
    messages: QuerySet[ConversationMessage]
    sessions: QuerySet[ConversationSession]


def retention_plan(
    *, now: dt.datetime, messages_days: int | None = None, sessions_days: int | None = None
) -> PurgePlan:
    """The rows due for deletion at ``now`` (defaults: RETENTION_MESSAGES_DAYS / _SESSIONS_DAYS)."""
    msg_cut = now - dt.timedelta(
        days=messages_days if messages_days is not None else settings.RETENTION_MESSAGES_DAYS
    )
    idle_cut = now - dt.timedelta(
        days=sessions_days if sessions_days is not None else settings.RETENTION_SESSIONS_DAYS
    )
    upcoming = Appointment.objects.filter(session=OuterRef("pk"), start__gte=now, status__in=ACTIVE_STATUSES)
    # A patient with a booking ahead keeps the conversation: reminders and answers go there.
    sessions = ConversationSession.objects.filter(last_activity__lt=idle_cut).exclude(Exists(upcoming))
    return PurgePlan(
        messages_before=msg_cut,
        sessions_idle_before=idle_cut,
        messages=ConversationMessage.objects.filter(timestamp__lt=msg_cut),
        sessions=sessions,
    )


def _delete_in_batches(qs: QuerySet[Any], *, label: str, batch_size: int, progress: Progress | None) -> int:
    """Delete ``qs`` ``batch_size`` primary keys at a time, one short transaction each."""
    model = qs.model
    deleted = 0
    while True:
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            count = model.objects.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        deleted += count
        if progress is not None:
            progress(label, count)


@dataclass(frozen=True)
class PurgeResult:
    messages: int
    sessions: int


def retention_purge(
    *,
    now: dt.datetime,
    messages_days: int | None = None,
    sessions_days: int | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    actor: str = "cli",
) -> PurgeResult:
    """Delete messages older than the retention age, then idle conversations; audit the counts."""
    plan = retention_plan(now=now, messages_days=messages_days, sessions_days=sessions_days)
    messages = _delete_in_batches(plan.messages, label="messages", batch_size=batch_size, progress=progress)
    # An idle conversation's remaining (newer) messages go first, in batches too, so the
    # session delete itself cascades into nothing big.
    messages += _delete_in_batches(
        ConversationMessage.objects.filter(session__in=plan.sessions),
        label="messages",
        batch_size=batch_size,
        progress=progress,
    )
    sessions = _delete_in_batches(plan.sessions, label="sessions", batch_size=batch_size, progress=progress)
    if messages or sessions:
        PrivacyAuditEntry.objects.create(
            action=PrivacyAction.PURGE, actor=actor, counts={"messages": messages, "sessions": sessions}
        )
    return PurgeResult(messages=messages, sessions=sessions)
