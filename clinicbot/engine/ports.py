"""Protocols the engine needs from the outside world; implemented by the Django apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from .types import AppointmentInfo


class Availability(Protocol):
    """Free slots of doctors (the scheduling app implements it against the database)."""

    def taken_starts(self, doctor_id: int, day: dt.date) -> set[dt.time]:
        """Local start times of the doctor's active appointments on that day."""
        ...


@dataclass(frozen=True)
class BookingRequest:
    phone: str
    patient_name: str
    doctor_id: int
    specialty: str
    insurance: str
    start: dt.datetime  # aware
    minutes: int
    doctor_name: str = ""
    specialty_id: int = 0  # from the catalog, so booking needs no lookups (0 = look up by name)
    insurance_id: int = 0


class BookingError(Exception):
    """A booking could not be made (the slot was taken in the meantime, or it is invalid)."""


class Bookings(Protocol):
    """Writes and reads of appointments; the only way the engine changes the agenda."""

    def book(self, request: BookingRequest) -> AppointmentInfo:
        """Create an active appointment; raise :class:`BookingError` if the slot is taken."""
        ...

    def cancel(self, appointment_id: int) -> AppointmentInfo:
        """Cancel an active appointment and free its slot."""
        ...

    def confirm(self, appointment_id: int) -> AppointmentInfo:
        """Mark an active appointment confirmed by the patient (a reminder's answer)."""
        ...

    def reschedule(self, appointment_id: int, request: BookingRequest) -> AppointmentInfo:
        """Move an appointment atomically; raise :class:`BookingError` if the new slot is taken."""
        ...

    def active_for(self, phone: str) -> list[AppointmentInfo]:
        """The phone's active (pending/confirmed) appointments from now on, soonest first."""
        ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current aware datetime."""
        ...
