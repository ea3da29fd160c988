"""Signals of the agenda. Receivers live in apps further out (outreach offers freed slots)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.dispatch import Signal

# Sent after the commit that freed a slot (a cancellation, a move, a refused or expired
# waiting-list offer), with ``doctor_id``, ``start`` (aware), ``freed_at`` (the clock of
# whoever freed it) and ``appointment_id`` (the cancelled appointment, 0 if none).
slot_freed = Signal()


def announce_slot_freed(
    *, doctor_id: int, start: dt.datetime, freed_at: dt.datetime, appointment_id: int = 0
) -> None:
    """Send :data:`slot_freed` once the current transaction commits (at once outside one).

    After the commit, so the waiting list is never offered a slot whose cancellation was
    rolled back; robust, so a failing receiver never undoes or breaks the cancellation.
    """
    transaction.on_commit(
        lambda: slot_freed.send(
            sender=None, doctor_id=doctor_id, start=start, freed_at=freed_at, appointment_id=appointment_id
        ),
        robust=True,
    )
