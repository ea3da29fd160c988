"""Booking services: the only code that writes appointments.

``slot_book`` and ``slot_move`` are the way in for anyone booking on a patient's behalf
(the assistant, the REST API): they check every slot rule (``slot_rules``) and then
write. ``appointment_book`` and ``appointment_reschedule`` are the bare writes under them.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from clinicbot.clinics.models import Insurance, Specialty
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.core.metrics import BOOKINGS, record_booking
from clinicbot.engine.ports import BookingRequest
from clinicbot.engine.types import Catalog

from .events import BookingEvent, booking_event_emit
from .models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from .signals import announce_slot_freed
from .slot_rules import Refusal, SlotRefused, slot_check
from .waitlist import waitlist_booked_by_holder

# No 0/O/1/I/L: codes are read aloud over the phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_confirmation_code(length: int = 6) -> str:
    """A short, human-friendly, random confirmation code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def appointment_book(
    *, request: BookingRequest, session_id: int | None = None, rescheduled_from: Appointment | None = None
) -> Appointment:
    """Create an active appointment in a free slot.

    The bare write, without the slot rules (callers on a patient's behalf use
    :func:`slot_book`). The partial unique index is the final judge: two patients racing
    for one slot get one booking and one :class:`SlotRefused` (``taken``), never two rows.
    """
    specialty_id = (
        request.specialty_id
        or Specialty.objects.filter(name=request.specialty).values_list("id", flat=True).first()
    )
    insurance_id = (
        request.insurance_id
        or Insurance.objects.filter(name=request.insurance).values_list("id", flat=True).first()
    )
    if not specialty_id or not insurance_id:
        BOOKINGS.labels(outcome="invalid").inc()
        raise SlotRefused(
            Refusal.UNKNOWN_NAME,
            f"unknown specialty {request.specialty!r} or insurance {request.insurance!r}",
        )
    appt = Appointment(
        patient_name=request.patient_name,
        phone=request.phone,
        session_id=session_id,
        doctor_id=request.doctor_id,
        specialty_id=specialty_id,
        insurance_id=insurance_id,
        start=request.start,
        end=request.start + dt.timedelta(minutes=request.minutes),
        status=AppointmentStatus.BOOKED,
        confirmation_code=new_confirmation_code(),
        rescheduled_from=rescheduled_from,
    )
    # INSERT … ON CONFLICT DO NOTHING: a lost race (or, astronomically rarely, a repeated
    # code) inserts nothing instead of aborting the surrounding transaction, so no
    # savepoint is needed; reading the row back by its code tells which happened.
    Appointment.objects.bulk_create([appt], ignore_conflicts=True)
    appt.pk = (
        Appointment.objects.filter(
            confirmation_code=appt.confirmation_code, doctor_id=request.doctor_id, start=request.start
        )
        .values_list("id", flat=True)
        .first()
    )
    if appt.pk is None:
        BOOKINGS.labels(outcome="slot_taken").inc()
        raise SlotRefused(Refusal.TAKEN, "slot already taken")
    appt._state.adding = False
    if rescheduled_from is None:  # a move is announced once, by appointment_reschedule
        booking_event_emit(event=BookingEvent.CREATED, appointment=appt)
    record_booking("rescheduled" if rescheduled_from is not None else "booked")
    return appt


def appointment_cancel(*, appointment_id: int, now: dt.datetime | None = None) -> Appointment:
    """Cancel an active appointment (idempotent for an already cancelled one).

    The freed slot is announced after the commit, so the waiting list can be offered it.
    """
    appt = Appointment.objects.select_related("doctor", "specialty", "insurance").get(id=appointment_id)
    if appt.status in ACTIVE_STATUSES:
        appt.status = AppointmentStatus.CANCELLED
        appt.save(update_fields=["status", "updated_at"])
        record_booking("cancelled")
        booking_event_emit(event=BookingEvent.CANCELLED, appointment=appt)
        announce_slot_freed(
            doctor_id=appt.doctor_id, start=appt.start, freed_at=now or timezone.now(), appointment_id=appt.id
        )
    return appt


def appointment_confirm(*, appointment_id: int) -> Appointment:
    """The patient confirmed they will come (a reminder's "1", or told the front desk: admin)."""
    appt = Appointment.objects.select_related("doctor", "specialty", "insurance").get(id=appointment_id)
    if appt.status == AppointmentStatus.BOOKED:
        appt.status = AppointmentStatus.CONFIRMED
        appt.save(update_fields=["status", "updated_at"])
        record_booking("confirmed")
        booking_event_emit(event=BookingEvent.CONFIRMED, appointment=appt)
    return appt


def appointment_reschedule(
    *,
    appointment_id: int,
    request: BookingRequest,
    session_id: int | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a booking atomically: the old one is cancelled only if the new one is made.

    The old slot is announced as freed (for the waiting list) once the move commits.
    """
    with transaction.atomic():
        old = Appointment.objects.select_for_update().get(id=appointment_id)
        if old.status not in ACTIVE_STATUSES:
            raise SlotRefused(Refusal.INACTIVE, "appointment is no longer active")
        old.status = AppointmentStatus.CANCELLED
        old.save(update_fields=["status", "updated_at"])
        new = appointment_book(request=request, session_id=session_id or old.session_id, rescheduled_from=old)
        booking_event_emit(event=BookingEvent.RESCHEDULED, appointment=new)
        if (new.doctor_id, new.start) != (old.doctor_id, old.start):
            announce_slot_freed(
                doctor_id=old.doctor_id,
                start=old.start,
                freed_at=now or timezone.now(),
                appointment_id=old.id,
            )
        return new


def appointment_set_outcome(*, appointment_id: int, status: str) -> Appointment:
    """Staff record what happened: completed or no-show (only for an active appointment)."""
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ValueError(f"not an outcome: {status}")
    appt = Appointment.objects.get(id=appointment_id)
    if appt.status in ACTIVE_STATUSES:
        appt.status = status
        appt.save(update_fields=["status", "updated_at"])
        record_booking(str(status))
    return appt


def slot_book(
    *,
    request: BookingRequest,
    now: dt.datetime,
    session_id: int | None = None,
    catalog: Catalog | None = None,
) -> Appointment:
    """Book a slot on a patient's behalf: every slot rule, then the write.

    Raises :class:`SlotRefused` with the reason (see ``slot_rules.Refusal``); ``taken``
    comes from the unique index, so a race between two bookers is settled there.
    """
    slot_check(catalog=catalog or get_catalog(), request=request, now=now)
    appointment = appointment_book(request=request, session_id=session_id)
    # The slot may be the one held for this very patient (offered in WhatsApp, booked by the
    # clinic's system): their waiting-list entry is then fulfilled, not left to expire.
    waitlist_booked_by_holder(
        doctor_id=request.doctor_id, start=request.start, phone=request.phone, appointment_id=appointment.id
    )
    return appointment


def slot_move(
    *,
    appointment_id: int,
    request: BookingRequest,
    now: dt.datetime,
    session_id: int | None = None,
    catalog: Catalog | None = None,
) -> Appointment:
    """Move an appointment to a new slot on a patient's behalf: every slot rule, then the atomic move."""
    slot_check(catalog=catalog or get_catalog(), request=request, now=now)
    return appointment_reschedule(
        appointment_id=appointment_id, request=request, session_id=session_id, now=now
    )
