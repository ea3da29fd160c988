"""Messages the clinic starts: reminders, waiting-list offers, cancellation notices.

WhatsApp delivers free text only within 24 hours of the patient's last message; outside
that service window only an approved template goes through. Every proactive message is
stored the same way, so the outbox sends the right kind.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.engine.replies.format import fmt_date, fmt_time
from clinicbot.engine.replies.templates import render
from clinicbot.scheduling.models import Appointment

SERVICE_WINDOW = dt.timedelta(hours=24)


def appointment_values(
    *, patient_name: str, specialty: str, doctor: str, local: dt.datetime
) -> dict[str, str]:
    """The parameters of a message about one appointment time, in the approved templates'
    order: first name, specialty, doctor, date, time (``local``: in the clinic's zone)."""
    return {
        "name": patient_name.split()[0] if patient_name else "",
        "specialty": specialty,
        "doctor": doctor,
        "date": fmt_date(local.date()),
        "time": fmt_time(local.time()),
    }


def appointment_message(template_key: str, appt: Appointment) -> tuple[str, list[str]]:
    """The clinic's text ``template_key`` about ``appt`` and its Meta template parameters."""
    catalog = get_catalog()
    values = appointment_values(
        patient_name=appt.patient_name,
        specialty=appt.specialty.name,
        doctor=appt.doctor.name,
        local=appt.start.astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone)),
    )
    return render(template_key, catalog.templates, **values), list(values.values())


def session_for_phone(*, phone: str, now: dt.datetime) -> int:
    """The conversation of a phone, created if the clinic writes first."""
    session, _ = ConversationSession.objects.get_or_create(phone=phone, defaults={"last_activity": now})
    return session.id


def outside_service_window(*, session_id: int, now: dt.datetime) -> bool:
    """True when the patient's last message is older than 24 hours (or there is none)."""
    last_inbound = (
        ConversationMessage.objects.filter(session_id=session_id, direction=Direction.USER)
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    return last_inbound is None or now - last_inbound > SERVICE_WINDOW


def proactive_message_store(
    *,
    session_id: int,
    text: str,
    now: dt.datetime,
    template_name: str,
    params: list[str],
    language: str,
    payload: dict[str, Any] | None = None,
) -> ConversationMessage:
    """Store a pending bot message: plain ``text`` inside the service window, else the template."""
    payload = dict(payload or {})
    if outside_service_window(session_id=session_id, now=now):
        payload["template"] = {"name": template_name, "language": language, "params": params}
    return ConversationMessage.objects.create(
        session_id=session_id,
        direction=Direction.BOT,
        content=text,
        payload=payload,
        delivery_status=DeliveryStatus.PENDING,
        timestamp=now,
    )
