"""Celery tasks of the clinic-system push: thin wrappers over the services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinicbot.core.tasks import enqueue
from clinicbot.scheduling.models import Appointment

from .models import SyncEvent, SyncStatus
from .services import Delivery, sync_event_deliver, sync_event_give_up, sync_event_record, sync_event_reopen

# A scheduled retry this late means its task was lost (broker flushed, worker gone).
SWEEP_GRACE = dt.timedelta(minutes=2)


def backoff_seconds(retries: int) -> float:
    """Exponential: base, 2×base, 4×base … capped at an hour."""
    return float(min(settings.CLINIC_SYSTEM_WEBHOOK_BACKOFF_SECONDS * 2**retries, 3600))


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_sync_event(self, event_id: int) -> str:  # type: ignore[no-untyped-def]
    """Push one event; 5xx/429/timeouts retry with exponential backoff, 4xx fail at once."""
    outcome = sync_event_deliver(event_id=event_id)
    if outcome is not Delivery.RETRY:
        return str(outcome.value)  # a str already; mypy types a narrowed member's value as Any
    if self.request.retries + 1 >= settings.CLINIC_SYSTEM_WEBHOOK_MAX_ATTEMPTS:
        sync_event_give_up(event_id=event_id)
        return Delivery.FAILED.value
    countdown = backoff_seconds(self.request.retries)
    SyncEvent.objects.filter(id=event_id).update(
        next_attempt_at=timezone.now() + dt.timedelta(seconds=countdown)
    )
    raise self.retry(countdown=countdown)


@shared_task
def sweep_sync_events() -> int:
    """Re-enqueue pending events whose task was lost (never started, or retry long overdue)."""
    cutoff = timezone.now() - SWEEP_GRACE
    ids = list(
        SyncEvent.objects.filter(status=SyncStatus.PENDING)
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at=None, created_at__lt=cutoff))
        .values_list("id", flat=True)[:200]
    )
    for event_id in ids:
        enqueue(deliver_sync_event, event_id)
    return len(ids)


def sync_event_send(*, event: str, appointment: Appointment) -> SyncEvent:
    """Store the event with the booking (same transaction) and deliver it once that commits."""
    row = sync_event_record(event=event, appointment=appointment)
    transaction.on_commit(lambda: enqueue(deliver_sync_event, row.id))
    return row


def sync_event_resend(*, event_id: int) -> None:
    """Staff resend a failed event from admin: pending again, delivered once that commits."""
    if sync_event_reopen(event_id=event_id):
        transaction.on_commit(lambda: enqueue(deliver_sync_event, event_id))
