"""The engine's Availability and Bookings ports, implemented on the database."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from clinicbot.engine.ports import BookingError, BookingRequest, WaitlistReceipt, WaitlistRequest
from clinicbot.engine.types import AppointmentInfo

from . import services, waitlist
from .models import Appointment
from .slot_rules import Refusal, SlotRefused

# How far ahead one availability query reads a doctor's agenda (one query per doctor per turn).
_WINDOW_DAYS = 45


# The engine's own wording of a refusal (it only catches BookingError: every reason makes
# the dialogue say the slot was lost and offer the nearest free ones).
_ENGINE_REASONS: dict[Refusal, str] = {
    Refusal.HELD: "slot held for a waiting-list patient",
    Refusal.TAKEN: "slot already taken",
    Refusal.INACTIVE: "appointment is no longer active",
}


def _engine_error(refused: SlotRefused) -> BookingError:
    """The engine's port error for a refusal of the booking service."""
    return BookingError(_ENGINE_REASONS.get(refused.reason, f"not a slot of this doctor ({refused.reason})"))


def _info(appt: Appointment, *, names: tuple[str, str, str] | None = None) -> AppointmentInfo:
    """The engine's view of an appointment; ``names`` (doctor, specialty, insurance) saves the joins."""
    doctor, specialty, insurance = names or (appt.doctor.name, appt.specialty.name, appt.insurance.name)
    return AppointmentInfo(
        id=appt.id,
        patient_name=appt.patient_name,
        doctor=doctor,
        specialty=specialty,
        insurance=insurance,
        start=appt.start,
        status=appt.status,
        code=appt.confirmation_code,
    )


class DatabaseAvailability:
    """Taken slot starts read from active appointments.

    One query reads the whole clinic's agenda for a window of days, so a turn that
    weighs several doctors and days still costs a single query.
    """

    def __init__(self, timezone: str, *, now: dt.datetime | None = None, phone: str = "") -> None:
        self.tz = zoneinfo.ZoneInfo(timezone)
        # With ``now``, slots held for other patients by the waiting list count as taken.
        self.now = now
        self.phone = phone
        self._window: tuple[dt.date, dt.date] | None = None
        self._taken: dict[tuple[int, dt.date], set[dt.time]] = {}

    def taken_starts(self, doctor_id: int, day: dt.date) -> set[dt.time]:
        if self._window is None or not (self._window[0] <= day < self._window[1]):
            # The engine looks up to two weeks around the asked day for alternatives.
            start, end = day - dt.timedelta(days=14), day + dt.timedelta(days=_WINDOW_DAYS)
            self._taken = {}
            rows = Appointment.objects.active().filter(
                start__gte=dt.datetime.combine(start, dt.time.min, tzinfo=self.tz),
                start__lt=dt.datetime.combine(end, dt.time.min, tzinfo=self.tz),
            )
            for doctor, value in rows.values_list("doctor_id", "start"):
                local = value.astimezone(self.tz)
                self._taken.setdefault((doctor, local.date()), set()).add(local.time().replace(tzinfo=None))
            if self.now is not None:
                for doctor, value in waitlist.held_slots(now=self.now, exclude_phone=self.phone):
                    local = value.astimezone(self.tz)
                    self._taken.setdefault((doctor, local.date()), set()).add(
                        local.time().replace(tzinfo=None)
                    )
            self._window = (start, end)
        return self._taken.get((doctor_id, day), set())


class DatabaseBookings:
    """Appointment writes and reads for one conversation."""

    def __init__(self, *, session_id: int | None, now: dt.datetime) -> None:
        self.session_id = session_id
        self.now = now

    def book(self, request: BookingRequest) -> AppointmentInfo:
        """Book through the one booking service; a refusal becomes the engine's BookingError."""
        try:
            appt = services.slot_book(request=request, now=self.now, session_id=self.session_id)
        except SlotRefused as refused:
            raise _engine_error(refused) from refused
        return _info(appt, names=(request.doctor_name, request.specialty, request.insurance))

    def cancel(self, appointment_id: int) -> AppointmentInfo:
        return _info(services.appointment_cancel(appointment_id=appointment_id, now=self.now))

    def confirm(self, appointment_id: int) -> AppointmentInfo:
        return _info(services.appointment_confirm(appointment_id=appointment_id))

    def reschedule(self, appointment_id: int, request: BookingRequest) -> AppointmentInfo:
        """Move through the one booking service; a refusal becomes the engine's BookingError."""
        try:
            appt = services.slot_move(
                appointment_id=appointment_id, request=request, now=self.now, session_id=self.session_id
            )
        except SlotRefused as refused:
            raise _engine_error(refused) from refused
        return _info(appt)

    def active_for(self, phone: str) -> list[AppointmentInfo]:
        rows = (
            Appointment.objects.active()
            .filter(phone=phone, start__gte=self.now)
            .select_related("doctor", "specialty", "insurance")
            .order_by("start")
        )
        return [_info(a) for a in rows]


class DatabaseWaitlist:
    """The engine's Waitlist port for one conversation."""

    def __init__(self, *, session_id: int | None, now: dt.datetime) -> None:
        self.session_id = session_id
        self.now = now

    def join(self, request: WaitlistRequest) -> WaitlistReceipt:
        entry = waitlist.waitlist_join(request=request, session_id=self.session_id, now=self.now)
        return WaitlistReceipt(entry.id, int(waitlist.waitlist_hold().total_seconds() // 60))

    def decline(self, entry_id: int) -> None:
        waitlist.waitlist_decline(entry_id=entry_id, now=self.now)

    def booked(self, entry_id: int, appointment_id: int) -> None:
        waitlist.waitlist_mark_booked(entry_id=entry_id, appointment_id=appointment_id)

    def requeue(self, entry_id: int) -> None:
        waitlist.waitlist_requeue(entry_id=entry_id)
