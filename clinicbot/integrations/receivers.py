"""Fans the booking services' events out to the clinic-system implementations."""

from __future__ import annotations

from typing import Any

from clinicbot.scheduling.events import BookingEvent
from clinicbot.scheduling.models import Appointment

from .registry import sync_backends


def on_booking_changed(sender: Any, *, event: BookingEvent, appointment: Appointment, **_: Any) -> None:
    """Receiver of ``scheduling.events.booking_changed`` (runs inside the booking's transaction)."""
    for backend in sync_backends():
        if event == BookingEvent.CREATED:
            backend.booking_created(appointment)
        elif event == BookingEvent.CONFIRMED:
            backend.booking_confirmed(appointment)
        elif event == BookingEvent.CANCELLED:
            backend.booking_cancelled(appointment)
        elif event == BookingEvent.RESCHEDULED:
            backend.booking_rescheduled(appointment)
