"""The integration point with the clinic's management system.

Every implementation hears the same four booking events. Two ship with clinicbot:

* :class:`~clinicbot.integrations.ics.IcsFeedSync` — *pull*: the per-doctor iCalendar
  feed (``/calendar/<doctor>.ics?token=…``) is read live from the agenda, so it has
  nothing to push;
* :class:`~clinicbot.integrations.webhook.WebhookSync` — *push*: a signed JSON POST to
  ``CLINIC_SYSTEM_WEBHOOK_URL`` per event, with retries.

A clinic with another system (an HL7 bridge, a vendor API) adds a class with these
methods and lists it in :func:`~clinicbot.integrations.registry.sync_backends`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from clinicbot.scheduling.models import Appointment


class ClinicSystemSync(Protocol):
    """Called inside the booking's transaction: do durable work there, I/O after commit."""

    name: str

    def booking_created(self, appointment: Appointment) -> None:
        """A new booking (the patient said yes in the chat, or staff or the API booked it)."""

    def booking_confirmed(self, appointment: Appointment) -> None:
        """The patient confirmed they will come (a reminder's answer, or the front desk)."""

    def booking_cancelled(self, appointment: Appointment) -> None:
        """A booking was cancelled (by the patient or by staff)."""

    def booking_rescheduled(self, appointment: Appointment) -> None:
        """A booking moved: ``appointment`` is the new one, ``rescheduled_from`` the old one."""


class SyncError(Exception):
    """A push to the clinic system failed; ``permanent`` ones are not retried."""

    def __init__(self, message: str, *, status_code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.permanent = permanent
