"""Request and response shapes of the API (they generate the OpenAPI schema)."""

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator

from clinicbot.scheduling.models import AppointmentStatus

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_text(pattern: re.Pattern[str] | None) -> Any:
    """Only ISO 8601 text: pydantic would otherwise read a number as seconds since 1970."""

    def check(value: Any) -> Any:
        if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
            raise ValueError("use ISO 8601 (AAAA-MM-DD, AAAA-MM-DDTHH:MM:SS-03:00)")
        return value

    return BeforeValidator(check)


IsoDate = Annotated[dt.date, _iso_text(_ISO_DATE)]
IsoDateTime = Annotated[dt.datetime, _iso_text(None)]
# Digits with the usual separators; the number itself is checked when normalised.
PHONE_PATTERN = r"^\+?[0-9 ().-]{8,32}$"


class ErrorBody(Schema):
    code: str = Field(description="código estável do erro, ex.: slot_taken")
    message: str = Field(description="descrição em português")
    details: Any = Field(None, description="detalhes do erro (campos inválidos, horários alternativos…)")


class ErrorOut(Schema):
    error: ErrorBody


class NamedRef(Schema):
    id: int
    name: str


class DoctorOut(Schema):
    id: int
    name: str
    crm: str
    slot_minutes: int = Field(description="duração de cada consulta (min)")
    specialties: list[NamedRef]
    insurances: list[NamedRef]


class SlotOut(Schema):
    doctor_id: int
    doctor: str
    start: dt.datetime = Field(description="início, ISO 8601 com o fuso da clínica")
    end: dt.datetime


class AppointmentOut(Schema):
    id: int
    code: str = Field(description="código de confirmação (o que o paciente recebe)")
    status: AppointmentStatus
    patient_name: str
    phone: str = Field(description="telefone E.164 só com dígitos")
    doctor_id: int
    doctor: str
    specialty_id: int
    specialty: str
    insurance_id: int
    insurance: str
    start: dt.datetime
    end: dt.datetime
    created_at: dt.datetime


# The largest id a database can hold (a 64-bit integer): a larger number is a 422, not a
# driver error (SQLite raises OverflowError on it).
MAX_ID = 2**63 - 1


class AppointmentIn(Schema):
    patient_name: str = Field(min_length=2, max_length=150, pattern=r"\S")
    phone: str = Field(
        min_length=8, max_length=32, pattern=PHONE_PATTERN, description="sem DDI é lido como do Brasil"
    )
    doctor_id: int = Field(ge=1, le=MAX_ID)
    specialty_id: int | None = Field(
        None, ge=1, description="opcional quando o médico tem uma só especialidade"
    )
    insurance_id: int = Field(ge=1, le=MAX_ID, description="convênio (ou 'Particular') aceito pelo médico")
    start: IsoDateTime = Field(description="início de um horário livre; sem fuso = horário da clínica")


class AppointmentFilters(Schema):
    doctor_id: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: IsoDate | None = Field(None, description="a partir deste dia (inclusive)")
    date_to: IsoDate | None = Field(None, description="até este dia (inclusive)")
    status: AppointmentStatus | None = None
    phone: str | None = Field(None, min_length=8, max_length=32, pattern=PHONE_PATTERN)


class SlotFilters(Schema):
    doctor_id: int | None = Field(None, ge=1, le=MAX_ID, description="informe o médico ou a especialidade")
    specialty_id: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: IsoDate | None = Field(None, description="padrão: hoje")
    date_to: IsoDate | None = Field(
        None, description="padrão: date_from + 6 dias; no máximo o horizonte de agendamento"
    )


class MessageOut(Schema):
    id: int
    direction: str = Field(description="user | bot | staff | system")
    text: str
    timestamp: dt.datetime
    delivery_status: str


class MessagePage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[MessageOut]


class ConversationOut(Schema):
    phone: str
    contact_name: str
    patient_name: str
    state: str
    handed_off: bool
    specialty: str
    doctor: str
    insurance: str
    preferred_date: dt.date | None
    preferred_time: dt.time | None
    last_activity: dt.datetime
    messages: MessagePage = Field(description="mensagens, da mais recente para a mais antiga")
