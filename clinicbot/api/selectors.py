"""The API's reads: free slots (the bot's own slot code), appointments, a phone's conversation."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Q, QuerySet

from clinicbot.conversations.models import ConversationMessage, ConversationSession
from clinicbot.core.phones import InvalidPhone, normalize_phone
from clinicbot.engine.slots import free_starts
from clinicbot.engine.types import Catalog, DoctorInfo
from clinicbot.scheduling.agenda import DatabaseAvailability
from clinicbot.scheduling.models import Appointment

from .errors import ApiError

DEFAULT_SLOT_DAYS = 7


def clinic_tz(catalog: Catalog) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(catalog.clinic.timezone)


def phone_normalized(raw: str) -> str:
    """The stored form of a phone number, or a 422."""
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        raise ApiError(422, "invalid_phone", "Telefone inválido.") from None


def doctor_by_id(catalog: Catalog, doctor_id: int) -> DoctorInfo:
    """An active doctor of the clinic, or a 422 (the id came from the client's input)."""
    doctor = next((d for d in catalog.doctors if d.id == doctor_id), None)
    if doctor is None:
        raise ApiError(422, "unknown_doctor", "Médico inexistente ou inativo.", {"doctor_id": doctor_id})
    return doctor


def slot_out(catalog: Catalog, doctor: DoctorInfo, day: dt.date, start: dt.time) -> dict[str, Any]:
    begin = dt.datetime.combine(day, start, tzinfo=clinic_tz(catalog))
    return {
        "doctor_id": doctor.id,
        "doctor": doctor.name,
        "start": begin,
        "end": begin + dt.timedelta(minutes=doctor.slot_minutes),
    }


def slots_free(
    *,
    catalog: Catalog,
    now: dt.datetime,
    doctor_id: int | None = None,
    specialty_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Free slots of a doctor (or of every doctor of a specialty), day by day, soonest first.

    Computed exactly as the assistant computes what it offers (``engine.slots.free_starts``
    over ``DatabaseAvailability``): schedule, holidays, taken and held slots, the past and
    the horizon.
    """
    if doctor_id is None and specialty_id is None:
        raise ApiError(422, "doctor_or_specialty_required", "Informe doctor_id ou specialty_id.")
    local_now = now.astimezone(clinic_tz(catalog)).replace(tzinfo=None)
    today = local_now.date()
    last_day = today + dt.timedelta(days=catalog.clinic.booking_horizon_days)
    if date_from and date_to and date_to < date_from:
        raise ApiError(422, "invalid_date_range", "date_to é anterior a date_from.")
    first = max(date_from or today, today)  # past days have no free slots
    if first > last_day or (date_to and date_to > last_day):
        raise ApiError(
            422,
            "beyond_horizon",
            f"A clínica agenda no máximo {catalog.clinic.booking_horizon_days} dias à frente.",
            {"last_bookable_date": last_day.isoformat()},
        )
    last = date_to or min(first + dt.timedelta(days=DEFAULT_SLOT_DAYS - 1), last_day)
    if doctor_id is not None:
        doctors = [doctor_by_id(catalog, doctor_id)]
        if specialty_id is not None and specialty_id not in _specialty_ids(catalog, doctors[0]):
            doctors = []
    else:
        name = next((s.name for s in catalog.specialties if s.id == specialty_id), None)
        if name is None:
            raise ApiError(
                422, "unknown_specialty", "Especialidade inexistente.", {"specialty_id": specialty_id}
            )
        doctors = catalog.doctors_of(name)
    # With ``now``: a slot the waiting list holds for a patient is not free for anyone else
    # (booking it would be refused ``slot_held``), so it is not listed.
    availability = DatabaseAvailability(catalog.clinic.timezone, now=now)
    slots = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        for doctor in doctors:
            slots += [
                slot_out(catalog, doctor, day, t)
                for t in free_starts(catalog, doctor, day, availability.taken_starts, local_now)
            ]
    slots.sort(key=lambda s: (s["start"], s["doctor"]))
    return slots


def _specialty_ids(catalog: Catalog, doctor: DoctorInfo) -> set[int]:
    return {s.id for s in catalog.specialties if s.name in doctor.specialties}


def appointments_filter(
    *,
    catalog: Catalog,
    doctor_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = None,
    phone: str | None = None,
) -> QuerySet[Appointment]:
    """Appointments matching the filters (days in the clinic's timezone), by start then id."""
    tz = clinic_tz(catalog)
    rows = Appointment.objects.select_related("doctor", "specialty", "insurance").order_by("start", "id")
    if doctor_id is not None:
        rows = rows.filter(doctor_id=doctor_id)
    if date_from is not None:
        rows = rows.filter(start__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to is not None and date_to < dt.date.max:
        rows = rows.filter(
            start__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    if status:
        rows = rows.filter(status=status)
    if phone is not None:
        rows = rows.filter(phone=phone_normalized(phone))
    return rows


def appointment_out(appt: Appointment, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """An appointment as the API shows it (times in the clinic's timezone)."""
    return {
        "id": appt.id,
        "code": appt.confirmation_code,
        "status": appt.status,
        "patient_name": appt.patient_name,
        "phone": appt.phone,
        "doctor_id": appt.doctor_id,
        "doctor": appt.doctor.name,
        "specialty_id": appt.specialty_id,
        "specialty": appt.specialty.name,
        "insurance_id": appt.insurance_id,
        "insurance": appt.insurance.name,
        "start": appt.start.astimezone(tz),
        "end": appt.end.astimezone(tz),
        "created_at": appt.created_at.astimezone(tz),
    }


def conversation_get(*, phone: str) -> ConversationSession:
    """The conversation of a phone (its WhatsApp id or the phone the patient gave), or a 404."""
    digits = phone_normalized(phone)
    session = (
        ConversationSession.objects.filter(Q(phone=digits) | Q(contact_phone=digits))
        .order_by("-last_activity")
        .first()
    )
    if session is None:
        raise ApiError(404, "conversation_not_found", "Nenhuma conversa com este telefone.")
    return session


def conversation_messages(*, session: ConversationSession) -> QuerySet[ConversationMessage]:
    """The conversation's messages, newest first."""
    return ConversationMessage.objects.filter(session=session).order_by("-timestamp", "-id")
