"""Protocols the engine needs from the outside world; implemented by the Django apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from .types import AppointmentInfo, Catalog


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


@dataclass(frozen=True)
class WaitlistRequest:
    """A patient's wish to be called when a slot frees up (a doctor, or any doctor of a specialty)."""

    phone: str
    patient_name: str
    specialty: str
    insurance: str
    date_from: dt.date  # the wished days, inclusive, in the clinic's timezone
    date_to: dt.date
    period: str = ""  # "", "morning", "afternoon" or "evening"
    doctor: str = ""  # empty: any doctor of the specialty who takes the insurance
    doctor_id: int = 0
    specialty_id: int = 0
    insurance_id: int = 0


@dataclass(frozen=True)
class WaitlistReceipt:
    """What joining the waiting list gave back: the entry and how long an offered slot is held."""

    entry_id: int
    hold_minutes: int


class Waitlist(Protocol):
    """The clinic's waiting list: joined from a conversation, offers answered in one."""

    def join(self, request: WaitlistRequest) -> WaitlistReceipt:
        """Put the patient on the list (joining twice for the same wish keeps one entry)."""
        ...

    def decline(self, entry_id: int) -> None:
        """The patient refused the offered slot: the entry leaves the list and the slot passes on."""
        ...

    def booked(self, entry_id: int, appointment_id: int) -> None:
        """The offered slot was booked for the patient: the entry is done."""
        ...

    def requeue(self, entry_id: int) -> None:
        """The offered slot was lost in the meantime: the patient waits again, keeping the place."""
        ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current aware datetime."""
        ...


@dataclass(frozen=True)
class LlmReading:
    """An LLM's structured reading of a message the offline NLU was unsure about.

    Untrusted until :func:`~clinicbot.engine.llm.understanding.validated` checked it against
    the contract's intents and the clinic's own names.
    """

    intent: str
    entities: dict[str, str]


class Interpreter(Protocol):
    """A second opinion on a message the offline NLU is unsure about (an LLM, when configured)."""

    def interpret(self, text: str, *, situation: str, catalog: Catalog, today: dt.date) -> LlmReading | None:
        """The reading of ``text`` in ``situation`` (idle / awaiting_*), or None (budget, failure…)."""
        ...
