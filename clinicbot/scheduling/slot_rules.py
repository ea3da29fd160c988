"""The rules a slot must pass to be booked, in one place, with one error type.

Every booking on behalf of someone (the assistant's dialogue, the REST API) goes through
:func:`clinicbot.scheduling.services.slot_book` or ``slot_move``, which check these rules
and then write. Each caller only translates :attr:`SlotRefused.reason` into its own
language (the API's error codes, the engine's :class:`BookingError`). Whether the slot is
still free is *not* checked here: the partial unique index decides that at the write, the
only place where it can be decided without a race (``Refusal.TAKEN``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from enum import StrEnum

from clinicbot.engine.ports import BookingError, BookingRequest
from clinicbot.engine.slots import beyond_horizon, schedule_starts
from clinicbot.engine.types import Catalog, DoctorInfo

from .waitlist import slot_held_for_another


class Refusal(StrEnum):
    """Why a slot cannot be booked (machine-readable; callers word it for their audience)."""

    UNKNOWN_DOCTOR = "unknown_doctor"  # not an active doctor of the clinic
    UNKNOWN_NAME = "unknown_name"  # a specialty or insurance the clinic does not have
    SPECIALTY_NOT_OFFERED = "specialty_not_offered"
    INSURANCE_NOT_ACCEPTED = "insurance_not_accepted"
    PAST = "past"
    BEYOND_HORIZON = "beyond_horizon"
    HOLIDAY = "holiday"
    OFF_SCHEDULE = "off_schedule"  # not a slot start of the doctor's weekly schedule
    HELD = "held"  # offered by the waiting list to another patient, whose hold still runs
    TAKEN = "taken"  # another active appointment has it (the unique index said so)
    INACTIVE = "inactive"  # the appointment to move is no longer active


class SlotRefused(BookingError):
    """A slot the booking service refused, with the reason.

    A :class:`BookingError`, so code that only knows the engine's port type still
    catches it; the port adapter and the API read :attr:`reason`.
    """

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason


def doctor_of(catalog: Catalog, doctor_id: int) -> DoctorInfo | None:
    """The active doctor with that id in the clinic's snapshot, if any."""
    return next((d for d in catalog.doctors if d.id == doctor_id), None)


def slot_check(*, catalog: Catalog, request: BookingRequest, now: dt.datetime) -> DoctorInfo:
    """Raise :class:`SlotRefused` unless the request's slot may be booked now; returns its doctor.

    The checks run in the order a person would explain a refusal: who, what, when. The
    waiting-list hold comes last as it is the only one that reads the database.
    """
    doctor = doctor_of(catalog, request.doctor_id)
    if doctor is None:
        raise SlotRefused(Refusal.UNKNOWN_DOCTOR)
    if request.specialty not in doctor.specialties:
        raise SlotRefused(Refusal.SPECIALTY_NOT_OFFERED, f"{doctor.name} does not see {request.specialty!r}")
    if request.insurance not in doctor.insurances:
        raise SlotRefused(
            Refusal.INSURANCE_NOT_ACCEPTED, f"{doctor.name} does not take {request.insurance!r}"
        )
    tz = zoneinfo.ZoneInfo(catalog.clinic.timezone)
    # The schedule, holidays and horizon are local wall-clock notions: compare naive local times.
    local = request.start.astimezone(tz).replace(tzinfo=None)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    if local <= local_now:
        raise SlotRefused(Refusal.PAST)
    if beyond_horizon(catalog, local.date(), local_now):
        raise SlotRefused(Refusal.BEYOND_HORIZON)
    if local.date() in catalog.holidays:
        raise SlotRefused(Refusal.HOLIDAY)
    if local.time() not in schedule_starts(doctor, local.date()):
        raise SlotRefused(Refusal.OFF_SCHEDULE)
    if slot_held_for_another(doctor_id=doctor.id, start=request.start, phone=request.phone, now=now):
        raise SlotRefused(Refusal.HELD)
    return doctor
