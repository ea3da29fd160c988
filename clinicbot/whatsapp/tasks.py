"""Celery tasks: thin wrappers that take ids and call the services."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.conversations.pipeline import process_pending

from .gateways.registry import gateway_from_settings
from .outbox import outbox_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None, default_retry_delay=2)
def process_conversation(self, session_id: int) -> int:  # type: ignore[no-untyped-def]
    """Answer a conversation's unprocessed messages, then send the replies."""
    reply_ids = process_pending(session_id)
    if reply_ids:
        send_outbox.delay(session_id)
    return len(reply_ids)


@shared_task(bind=True, acks_late=True, max_retries=8)
def send_outbox(self, session_id: int) -> int:  # type: ignore[no-untyped-def]
    """Send a conversation's pending replies; transient gateway errors retry with backoff."""
    from django.conf import settings

    result = outbox_send(gateway=gateway_from_settings(settings), session_id=session_id)
    if result.retry:
        raise self.retry(countdown=min(2**self.request.retries, 60))
    return result.sent


@shared_task
def sweep_unprocessed(older_than_seconds: int = 30) -> int:
    """Re-enqueue conversations with messages stored but not answered (lost enqueue, dead broker)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    session_ids = set(
        ConversationMessage.objects.filter(
            direction=Direction.USER, processed_at=None, timestamp__lt=cutoff
        ).values_list("session_id", flat=True)[:500]
    )
    for session_id in session_ids:
        process_conversation.delay(session_id)
    unsent = set(
        ConversationMessage.objects.filter(
            direction__in=[Direction.BOT, Direction.STAFF],
            delivery_status=DeliveryStatus.PENDING,
            timestamp__lt=cutoff,
        ).values_list("session_id", flat=True)[:500]
    )
    for session_id in unsent - session_ids:
        send_outbox.delay(session_id)
    return len(session_ids | unsent)
