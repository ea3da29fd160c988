"""Hand-off events: each time a conversation passes to a person, one row (see ``HandoffEvent``)."""

from __future__ import annotations

import datetime as dt

from clinicbot.conversations.models import HandoffEvent, HandoffSource


def handoff_record(*, at: dt.datetime, source: HandoffSource) -> None:
    """Count one hand-off (inside the caller's transaction: it rolls back with the turn)."""
    HandoffEvent.objects.create(at=at, source=source)


def handoffs_between(start: dt.datetime, end: dt.datetime) -> int:
    """Hand-offs in [start, end)."""
    return HandoffEvent.objects.filter(at__gte=start, at__lt=end).count()
