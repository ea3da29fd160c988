"""The engine's Availability and Bookings ports, implemented on the database."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from clinicbot.engine.ports import BookingRequest
from clinicbot.engine.types import AppointmentInfo

from . import services
from .models import Appointment

# How far ahead one availability query reads a doctor's agenda (one query per doctor per turn).
_WINDOW_DAYS = 45


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

    def __init__(self, timezone: str) -> None:
        self.tz = zoneinfo.ZoneInfo(timezone)
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
            self._window = (start, end)
        return self._taken.get((doctor_id, day), set())


class DatabaseBookings:
    """Appointment writes and reads for one conversation."""

    def __init__(self, *, session_id: int | None, now: dt.datetime) -> None:
        self.session_id = session_id
        self.now = now

    def book(self, request: BookingRequest) -> AppointmentInfo:
        appt = services.appointment_book(request=request, session_id=self.session_id)
        return _info(appt, names=(request.doctor_name, request.specialty, request.insurance))

    def cancel(self, appointment_id: int) -> AppointmentInfo:
        return _info(services.appointment_cancel(appointment_id=appointment_id))

    def confirm(self, appointment_id: int) -> AppointmentInfo:
        return _info(services.appointment_confirm(appointment_id=appointment_id))

    def reschedule(self, appointment_id: int, request: BookingRequest) -> AppointmentInfo:
        return _info(
            services.appointment_reschedule(
                appointment_id=appointment_id, request=request, session_id=self.session_id
            )
        )

    def active_for(self, phone: str) -> list[AppointmentInfo]:
        rows = (
            Appointment.objects.active()
            .filter(phone=phone, start__gte=self.now)
            .select_related("doctor", "specialty", "insurance")
            .order_by("start")
        )
        return [_info(a) for a in rows]
