"""Clinic-system sync: record booking events (in the booking's transaction), deliver them."""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import time
import zoneinfo
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.core.models import GatewayCallLog
from clinicbot.scheduling.models import Appointment

from .base import SyncError
from .models import SyncEvent, SyncStatus
from .signing import DELIVERY_HEADER, EVENT_HEADER, TIMESTAMP_HEADER, post_signed

logger = logging.getLogger(__name__)
CALL_LOG_GATEWAY = "clinic_system"  # GatewayCallLog.gateway of every push


class Delivery(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # already delivered/failed, or the webhook was switched off


def appointment_body(appointment: Appointment) -> dict[str, Any]:
    """The appointment as the clinic system receives it (times in the clinic's zone, with offset)."""
    tz = zoneinfo.ZoneInfo(get_catalog().clinic.timezone)
    previous = appointment.rescheduled_from
    return {
        "code": appointment.confirmation_code,
        "status": appointment.status,
        "doctor": {
            "id": appointment.doctor_id,
            "name": appointment.doctor.name,
            "crm": appointment.doctor.crm,
        },
        "specialty": appointment.specialty.name,
        "insurance": appointment.insurance.name,
        "start": appointment.start.astimezone(tz).isoformat(),
        "end": appointment.end.astimezone(tz).isoformat(),
        "patient_name": appointment.patient_name,
        "phone": appointment.phone,
        "rescheduled_from": previous.confirmation_code if previous else None,
    }


def sync_event_record(*, event: str, appointment: Appointment) -> SyncEvent:
    """Store the event with the booking (same transaction); ``tasks.sync_event_send`` delivers it."""
    return SyncEvent.objects.create(
        event=event, appointment=appointment, body={"appointment": appointment_body(appointment)}
    )


def sync_event_deliver(*, event_id: int, now: dt.datetime | None = None) -> Delivery:
    """One delivery attempt of a pending event, logged in the gateway call log.

    The body is signed as sent; ``id`` (also ``X-Clinicbot-Delivery``) lets the receiver
    drop a duplicate: delivery is at-least-once.
    """
    url, secret = settings.CLINIC_SYSTEM_WEBHOOK_URL, settings.CLINIC_SYSTEM_WEBHOOK_SECRET
    row = SyncEvent.objects.filter(id=event_id, status=SyncStatus.PENDING).first()
    if row is None or not url:
        return Delivery.SKIPPED
    sent_at = int((now or timezone.now()).timestamp())
    body = json.dumps(
        {"id": row.id, "event": row.event, "sent_at": sent_at, **row.body}, ensure_ascii=False
    ).encode()
    headers = {EVENT_HEADER: row.event, DELIVERY_HEADER: str(row.id), TIMESTAMP_HEADER: str(sent_at)}
    started = time.perf_counter()
    try:
        code = post_signed(
            url=url, secret=secret, body=body, headers=headers, timeout=settings.CLINIC_SYSTEM_WEBHOOK_TIMEOUT
        )
    except SyncError as exc:
        _log(row.event, exc.status_code, False, started, str(exc)[:500])
        status = SyncStatus.FAILED if exc.permanent else SyncStatus.PENDING
        SyncEvent.objects.filter(id=row.id).update(
            status=status, attempts=F("attempts") + 1, last_status_code=exc.status_code, error=str(exc)[:500]
        )
        # The event and status code identify the call; the body (patient data) is never logged.
        logger.warning("clinic system push #%s failed: %s", row.id, exc.status_code or "no response")
        return Delivery.FAILED if exc.permanent else Delivery.RETRY
    _log(row.event, code, True, started, "")
    SyncEvent.objects.filter(id=row.id).update(
        status=SyncStatus.DELIVERED,
        attempts=F("attempts") + 1,
        last_status_code=code,
        error="",
        delivered_at=now or timezone.now(),
    )
    return Delivery.DELIVERED


def sync_event_give_up(*, event_id: int) -> None:
    """Out of retries: mark it failed for staff to see (and resend from admin)."""
    SyncEvent.objects.filter(id=event_id, status=SyncStatus.PENDING).update(status=SyncStatus.FAILED)


def sync_event_reopen(*, event_id: int) -> bool:
    """Put a delivered or failed event back to pending (staff resend it); False if it already was."""
    return bool(
        SyncEvent.objects.filter(id=event_id)
        .exclude(status=SyncStatus.PENDING)
        .update(status=SyncStatus.PENDING, error="")
    )


def _log(operation: str, status_code: int | None, ok: bool, started: float, error: str) -> None:
    GatewayCallLog.objects.create(
        gateway=CALL_LOG_GATEWAY,
        operation=operation,
        status_code=status_code,
        ok=ok,
        duration_ms=(time.perf_counter() - started) * 1000,
        error=error,
    )
