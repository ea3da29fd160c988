"""The REST API: ``/api/v1/…`` endpoints, ``/api/schema/`` (OpenAPI) and ``/api/docs/`` (Swagger UI).

Views only parse input, call a selector or service and shape the answer; every error
leaves in one JSON shape (see ``errors.py``).
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import NinjaAPI, Path, Query, Router, Status
from ninja.pagination import paginate

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.core.clock import SystemClock

from . import auth, booking, selectors
from .errors import install_error_handlers
from .pagination import LinkedLimitOffset, Mapped, PageParams, page_of
from .schemas import (
    PHONE_PATTERN,
    AppointmentFilters,
    AppointmentIn,
    AppointmentOut,
    ConversationOut,
    DoctorOut,
    ErrorOut,
    SlotFilters,
    SlotOut,
)
from .throttling import ApiKeyRateThrottle

DESCRIPTION = """
API da clínica para os sistemas da própria clínica (prontuário, site, ERP).

Autenticação: `Authorization: Bearer cbk_…` ou `X-API-Key: cbk_…` (chaves criadas no
admin, em *API para integrações › Chaves de API*). Cada chave tem só as permissões marcadas
ao criá-la: `slots:read` (horários livres), `appointments:read` (consultas),
`appointments:write` (marcar e cancelar), `conversations:read` (conversas com pacientes).
A lista de médicos vale para qualquer chave. Sem a permissão: 403 `insufficient_scope`.

Todo erro tem o formato `{"error": {"code": "...", "message": "...", "details": ...}}`.
Listas são paginadas com `limit`/`offset` e trazem `next`/`previous`. Horários em ISO 8601
com o fuso da clínica.
"""

# Documented for every authenticated operation (schema checks compare answers with these).
_COMMON_ERRORS: dict[int, Any] = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}

api = NinjaAPI(
    title="clinicbot API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    auth=auth.ANY_KEY,
    throttle=[ApiKeyRateThrottle()],
)
install_error_handlers(api)

v1 = Router(tags=["v1"])


def _now() -> dt.datetime:
    return SystemClock().now()


@v1.get("/doctors", response={200: list[DoctorOut], **_COMMON_ERRORS}, summary="Médicos ativos")
@paginate(LinkedLimitOffset)  # a list like every other: limit/offset in, {count, next, previous, results} out
def list_doctors(request: HttpRequest) -> list[dict[str, Any]]:
    """Doctors with their specialties and accepted insurances (the ids the other endpoints take)."""
    catalog = get_catalog()
    specialties = {s.name: s.id for s in catalog.specialties}
    insurances = {i.name: i.id for i in catalog.insurances}
    return [
        {
            "id": d.id,
            "name": d.name,
            "crm": d.crm,
            "slot_minutes": d.slot_minutes,
            "specialties": [{"id": specialties.get(n, 0), "name": n} for n in d.specialties],
            "insurances": [{"id": insurances.get(n, 0), "name": n} for n in d.insurances],
        }
        for d in catalog.doctors
    ]


@v1.get(
    "/slots",
    auth=auth.SLOTS_READ,
    response={200: list[SlotOut], 403: ErrorOut, **_COMMON_ERRORS},
    summary="Horários livres",
)
@paginate(LinkedLimitOffset)
def list_slots(request: HttpRequest, filters: Query[SlotFilters]) -> list[dict[str, Any]]:
    """Free slots of a doctor or specialty between two days (at most the booking horizon ahead)."""
    return selectors.slots_free(catalog=get_catalog(), now=_now(), **filters.dict())


@v1.get(
    "/appointments",
    auth=auth.APPOINTMENTS_READ,
    response={200: list[AppointmentOut], 403: ErrorOut, **_COMMON_ERRORS},
    summary="Consultas",
)
@paginate(LinkedLimitOffset)
def list_appointments(request: HttpRequest, filters: Query[AppointmentFilters]) -> Mapped:
    """Appointments by doctor, days, status and phone, in start order."""
    catalog = get_catalog()
    tz = selectors.clinic_tz(catalog)
    rows = selectors.appointments_filter(catalog=catalog, **filters.dict())
    return Mapped(rows, lambda appt: selectors.appointment_out(appt, tz))


@v1.post(
    "/appointments",
    auth=auth.APPOINTMENTS_WRITE,
    response={201: AppointmentOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, **_COMMON_ERRORS},
    summary="Marcar consulta",
)
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[dict[str, Any]]:
    """Book a free slot; 409 with the nearest free alternatives when it was taken."""
    catalog = get_catalog()
    appt = booking.api_appointment_book(catalog=catalog, now=_now(), **payload.dict())
    return Status(201, selectors.appointment_out(appt, selectors.clinic_tz(catalog)))


@v1.post(
    "/appointments/{ref}/cancel",
    auth=auth.APPOINTMENTS_WRITE,
    response={200: AppointmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **_COMMON_ERRORS},
    summary="Cancelar consulta",
)
def cancel_appointment(request: HttpRequest, ref: str) -> dict[str, Any]:
    """Cancel by id or confirmation code (cancelling a cancelled appointment is not an error)."""
    appt = booking.api_appointment_cancel(ref=ref)
    return selectors.appointment_out(appt, selectors.clinic_tz(get_catalog()))


@v1.get(
    "/conversations/{phone}",
    auth=auth.CONVERSATIONS_READ,
    response={200: ConversationOut, 403: ErrorOut, 404: ErrorOut, **_COMMON_ERRORS},
    summary="Conversa de um telefone",
)
def get_conversation(
    request: HttpRequest, phone: Annotated[str, Path(..., pattern=PHONE_PATTERN)], page: Query[PageParams]
) -> dict[str, Any]:
    """The conversation's state and its messages (newest first, paginated)."""
    session = selectors.conversation_get(phone=phone)
    tz = selectors.clinic_tz(get_catalog())
    messages = Mapped(
        selectors.conversation_messages(session=session),
        lambda m: {
            "id": m.id,
            "direction": m.direction,
            "text": m.content,
            "timestamp": m.timestamp.astimezone(tz),
            "delivery_status": m.delivery_status,
        },
    )
    return {
        "phone": session.phone,
        "contact_name": session.contact_name,
        "patient_name": session.patient_name,
        "state": session.current_state,
        "handed_off": session.handed_off,
        "specialty": session.selected_specialty,
        "doctor": session.selected_doctor,
        "insurance": session.selected_insurance,
        "preferred_date": session.preferred_date,
        "preferred_time": session.preferred_time,
        "last_activity": session.last_activity.astimezone(tz),
        "messages": page_of(request, messages, limit=page.limit, offset=page.offset),
    }


api.add_router("/v1", v1)
