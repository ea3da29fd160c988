"""Booking events: what other parts of the system may react to (clinic-system sync, …).

The booking services send :data:`booking_changed` inside their transaction, so a
receiver can store its own work in that same transaction (an outbox row) and start
it with ``transaction.on_commit``. Scheduling knows nothing of who listens: integrations
connect in their ``AppConfig.ready``, keeping the dependency arrows pointing down.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.dispatch import Signal

from .models import Appointment


class BookingEvent(TextChoices):
    """What happened to a booking; the words mean what the appointment statuses mean."""

    CREATED = "booking.created", "consulta marcada"  # status "booked"
    CONFIRMED = "booking.confirmed", "presença confirmada"  # status "confirmed"
    CANCELLED = "booking.cancelled", "consulta cancelada"
    RESCHEDULED = "booking.rescheduled", "consulta remarcada"


# Receivers get ``event`` (a BookingEvent) and ``appointment`` (for a reschedule, the new one;
# its ``rescheduled_from`` is the old one).
booking_changed = Signal()


def booking_event_emit(*, event: BookingEvent, appointment: Appointment) -> None:
    """Tell the receivers; their errors propagate, rolling the booking back with them."""
    booking_changed.send(sender=Appointment, event=event, appointment=appointment)
