"""Booking and cancelling on behalf of an integration, through the scheduling services.

The checks a patient gets from the assistant (a real slot of the doctor's schedule, not
in the past, within the horizon, the insurance accepted) are made here before the
booking service runs; the partial unique index stays the final judge of a race.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from clinicbot.conversations.models import ConversationSession
from clinicbot.engine.ports import BookingError, BookingRequest
from clinicbot.engine.slots import beyond_horizon, nearest_free, schedule_starts
from clinicbot.engine.types import Catalog, DoctorInfo
from clinicbot.scheduling import services
from clinicbot.scheduling.agenda import DatabaseAvailability
from clinicbot.scheduling.models import Appointment, AppointmentStatus

from .errors import ApiError
from .selectors import clinic_tz, doctor_by_id, phone_normalized, slot_out


def _alternatives(
    catalog: Catalog, doctor: DoctorInfo, local: dt.datetime, local_now: dt.datetime
) -> list[dict[str, Any]]:
    """The doctor's free slots nearest to the asked one (what the assistant would offer)."""
    availability = DatabaseAvailability(catalog.clinic.timezone)  # fresh: the race may have changed it
    slots = nearest_free(
        catalog, [doctor], local.date(), local.time(), availability.taken_starts, local_now, limit=3
    )
    return [slot_out(catalog, doctor, s.date, s.time) for s in slots]


def _named(catalog: Catalog, kind: str, item_id: int | None, allowed: tuple[str, ...]) -> tuple[int, str]:
    items = catalog.specialties if kind == "specialty" else catalog.insurances
    if item_id is None:
        if kind == "specialty" and len(allowed) == 1:
            return next(((s.id, s.name) for s in items if s.name == allowed[0]), (0, allowed[0]))
        raise ApiError(
            422, "specialty_required", "O médico atende mais de uma especialidade: informe specialty_id."
        )
    name = next((i.name for i in items if i.id == item_id), None)
    if name is None or name not in allowed:
        code, what = (
            ("specialty_not_offered", "O médico não atende esta especialidade.")
            if kind == "specialty"
            else ("insurance_not_accepted", "O médico não atende este convênio.")
        )
        raise ApiError(422, code, what, {f"{kind}_id": item_id, "accepted": list(allowed)})
    return item_id, name


def api_appointment_book(
    *,
    catalog: Catalog,
    now: dt.datetime,
    doctor_id: int,
    insurance_id: int,
    start: dt.datetime,
    patient_name: str,
    phone: str,
    specialty_id: int | None = None,
) -> Appointment:
    """Book a free slot for a patient; 422 for an invalid request, 409 (with alternatives) for a taken slot."""
    tz = clinic_tz(catalog)
    doctor = doctor_by_id(catalog, doctor_id)
    specialty = _named(catalog, "specialty", specialty_id, doctor.specialties)
    insurance = _named(catalog, "insurance", insurance_id, doctor.insurances)
    digits = phone_normalized(phone)
    local = start.astimezone(tz) if start.tzinfo else start.replace(tzinfo=tz)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    naive = local.replace(tzinfo=None)
    if naive <= local_now:
        raise ApiError(422, "in_the_past", "O horário já passou.")
    if beyond_horizon(catalog, naive.date(), local_now):
        raise ApiError(
            422,
            "beyond_horizon",
            f"A clínica agenda no máximo {catalog.clinic.booking_horizon_days} dias à frente.",
        )
    if naive.date() in catalog.holidays:
        raise ApiError(422, "holiday", "A clínica não atende neste dia (feriado).")
    if naive.time() not in schedule_starts(doctor, naive.date()):
        raise ApiError(
            422,
            "not_a_slot",
            "Não é um horário de atendimento do médico.",
            {"alternatives": _alternatives(catalog, doctor, local, local_now)},
        )
    request = BookingRequest(
        phone=digits,
        patient_name=patient_name.strip(),
        doctor_id=doctor.id,
        specialty=specialty[1],
        insurance=insurance[1],
        start=local,
        minutes=doctor.slot_minutes,
        doctor_name=doctor.name,
        specialty_id=specialty[0],
        insurance_id=insurance[0],
    )
    # Linked to the phone's conversation, so the patient can manage it on WhatsApp too.
    session_id = ConversationSession.objects.filter(phone=digits).values_list("id", flat=True).first()
    try:
        appt = services.appointment_book(request=request, session_id=session_id)
    except BookingError:
        raise ApiError(
            409,
            "slot_taken",
            "Este horário já está ocupado.",
            {"alternatives": _alternatives(catalog, doctor, local, local_now)},
        ) from None
    return Appointment.objects.select_related("doctor", "specialty", "insurance").get(id=appt.id)


def api_appointment_cancel(*, ref: str) -> Appointment:
    """Cancel by id or confirmation code; cancelling twice is not an error, a finished one is a 409."""
    rows = Appointment.objects.select_related("doctor", "specialty", "insurance")
    appt = rows.filter(id=int(ref)).first() if ref.isdigit() and len(ref) < 19 else None
    appt = appt or rows.filter(confirmation_code=ref.strip().upper()).first()
    if appt is None:
        raise ApiError(404, "appointment_not_found", "Consulta não encontrada.")
    if appt.status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ApiError(409, "appointment_finished", "A consulta já foi realizada ou teve falta registrada.")
    return services.appointment_cancel(appointment_id=appt.id)
