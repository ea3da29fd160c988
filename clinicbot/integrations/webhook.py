"""The push implementation: each booking event becomes a signed JSON POST (see signing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinicbot.scheduling.events import BookingEvent

from .tasks import sync_event_send

if TYPE_CHECKING:
    from clinicbot.scheduling.models import Appointment


class WebhookSync:
    """Stores an event per booking change; a Celery task delivers it with retries."""

    name = "webhook"

    def booking_created(self, appointment: Appointment) -> None:
        """``booking.created``."""
        sync_event_send(event=BookingEvent.CREATED, appointment=appointment)

    def booking_confirmed(self, appointment: Appointment) -> None:
        """``booking.confirmed``: the patient confirmed they will come."""
        sync_event_send(event=BookingEvent.CONFIRMED, appointment=appointment)

    def booking_cancelled(self, appointment: Appointment) -> None:
        """``booking.cancelled``."""
        sync_event_send(event=BookingEvent.CANCELLED, appointment=appointment)

    def booking_rescheduled(self, appointment: Appointment) -> None:
        """``booking.rescheduled`` (``rescheduled_from`` names the old code)."""
        sync_event_send(event=BookingEvent.RESCHEDULED, appointment=appointment)
