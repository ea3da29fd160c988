"""Booking and cancelling on behalf of an integration, through the scheduling services.

Every slot rule (a real slot of the doctor's schedule, not a holiday, not in the past,
within the horizon, the insurance accepted, not held by the waiting list for someone
else, not taken) is the booking service's (``scheduling.services.slot_book``), the same
the assistant books through; this module turns the ids of the request into names and a
refusal's reason into the API's error codes and Portuguese messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from clinicbot.conversations.models import ConversationSession
from clinicbot.engine.ports import BookingRequest
from clinicbot.engine.slots import nearest_free
from clinicbot.engine.types import Catalog, DoctorInfo
from clinicbot.scheduling import services
from clinicbot.scheduling.agenda import DatabaseAvailability
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.scheduling.slot_rules import Refusal, SlotRefused

from .errors import ApiError
from .selectors import clinic_tz, doctor_by_id, phone_normalized, slot_out


def _alternatives(
    catalog: Catalog, doctor: DoctorInfo, local: dt.datetime, now: dt.datetime, phone: str
) -> list[dict[str, Any]]:
    """The doctor's free slots nearest to the asked one (what the assistant would offer).

    Slots the waiting list holds for other patients are left out, as the assistant does.
    """
    # Fresh: the race that refused the booking may have changed the agenda.
    availability = DatabaseAvailability(catalog.clinic.timezone, now=now, phone=phone)
    local_now = now.astimezone(clinic_tz(catalog)).replace(tzinfo=None)
    slots = nearest_free(
        catalog, [doctor], local.date(), local.time(), availability.taken_starts, local_now, limit=3
    )
    return [slot_out(catalog, doctor, s.date, s.time) for s in slots]


def _named(catalog: Catalog, kind: str, item_id: int | None, allowed: tuple[str, ...]) -> tuple[int, str]:
    """The (id, name) of the request's specialty or insurance; an unknown id is refused here.

    Whether the doctor sees the specialty or takes the insurance is the booking service's rule.
    """
    items = catalog.specialties if kind == "specialty" else catalog.insurances
    if item_id is None:
        if kind == "specialty" and len(allowed) == 1:
            return next(((s.id, s.name) for s in items if s.name == allowed[0]), (0, allowed[0]))
        raise ApiError(
            422, "specialty_required", "O médico atende mais de uma especialidade: informe specialty_id."
        )
    name = next((i.name for i in items if i.id == item_id), None)
    if name is None:
        raise _not_offered(kind, item_id, allowed)
    return item_id, name


def _not_offered(kind: str, item_id: int, allowed: tuple[str, ...]) -> ApiError:
    code, what = (
        ("specialty_not_offered", "O médico não atende esta especialidade.")
        if kind == "specialty"
        else ("insurance_not_accepted", "O médico não atende este convênio.")
    )
    return ApiError(422, code, what, {f"{kind}_id": item_id, "accepted": list(allowed)})


def _api_error(
    refused: SlotRefused,
    catalog: Catalog,
    doctor: DoctorInfo,
    ids: tuple[int, int],
    alternatives: Callable[[], list[dict[str, Any]]],
) -> ApiError:
    """The API's answer to a refusal of the booking service: its stable code and a pt-BR message."""
    reason = refused.reason
    if reason is Refusal.SPECIALTY_NOT_OFFERED:
        return _not_offered("specialty", ids[0], doctor.specialties)
    if reason is Refusal.INSURANCE_NOT_ACCEPTED:
        return _not_offered("insurance", ids[1], doctor.insurances)
    if reason is Refusal.PAST:
        return ApiError(422, "in_the_past", "O horário já passou.")
    if reason is Refusal.BEYOND_HORIZON:
        return ApiError(
            422,
            "beyond_horizon",
            f"A clínica agenda no máximo {catalog.clinic.booking_horizon_days} dias à frente.",
        )
    if reason is Refusal.HOLIDAY:
        return ApiError(422, "holiday", "A clínica não atende neste dia (feriado).")
    if reason is Refusal.OFF_SCHEDULE:
        return ApiError(
            422,
            "not_a_slot",
            "Não é um horário de atendimento do médico.",
            {"alternatives": alternatives()},
        )
    if reason is Refusal.HELD:
        # 409 like a taken slot: the request is valid, the agenda's state refuses it (for now).
        return ApiError(
            409,
            "slot_held",
            "Este horário está reservado para um paciente da lista de espera.",
            {"alternatives": alternatives()},
        )
    if reason is Refusal.TAKEN:
        return ApiError(409, "slot_taken", "Este horário já está ocupado.", {"alternatives": alternatives()})
    if reason is Refusal.UNKNOWN_DOCTOR:
        return ApiError(422, "unknown_doctor", "Médico inexistente ou inativo.", {"doctor_id": doctor.id})
    return ApiError(422, "validation_error", "Parâmetros inválidos.")


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
    """Book a slot for a patient through the booking service.

    422 for an invalid request or a slot the doctor cannot be booked in; 409 (with the
    nearest free alternatives) for a slot taken or held by the waiting list for another patient.
    """
    tz = clinic_tz(catalog)
    doctor = doctor_by_id(catalog, doctor_id)
    specialty = _named(catalog, "specialty", specialty_id, doctor.specialties)
    insurance = _named(catalog, "insurance", insurance_id, doctor.insurances)
    digits = phone_normalized(phone)
    local = start.astimezone(tz) if start.tzinfo else start.replace(tzinfo=tz)
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
        appt = services.slot_book(request=request, now=now, session_id=session_id, catalog=catalog)
    except SlotRefused as refused:
        raise _api_error(
            refused,
            catalog,
            doctor,
            (specialty[0], insurance[0]),
            lambda: _alternatives(catalog, doctor, local, now, digits),
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
