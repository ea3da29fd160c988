"""Celery tasks: thin wrappers that take ids and call the services."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.conversations.pipeline import Deferred
from clinicbot.core.tasks import enqueue

from .answer import answer_conversation
from .gateways.registry import gateway_from_settings
from .outbox import outbox_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None, default_retry_delay=2)
def process_conversation(self, session_id: int) -> int:  # type: ignore[no-untyped-def]
    """Answer a conversation's unprocessed messages, then send the replies.

    Only a reply the outbox could not send now is handed to ``send_outbox``, which
    retries with backoff (or when an interrupted send's grace period ends).
    """
    from django.conf import settings

    outcome = answer_conversation(session_id)
    if isinstance(outcome, Deferred):  # more messages may still be coming: wait for the window
        enqueue(process_conversation, session_id, countdown=outcome.seconds)
        return 0
    result = outcome.outbox
    if result is not None and result.retry and not (result.wait and settings.CELERY_TASK_ALWAYS_EAGER):
        enqueue(send_outbox, session_id, countdown=result.wait or 1)
    return len(outcome.replies)


@shared_task(bind=True, acks_late=True, max_retries=8)
def send_outbox(self, session_id: int) -> int:  # type: ignore[no-untyped-def]
    """Send a conversation's pending replies; transient gateway errors retry with backoff.

    A reply left in flight by an interrupted send holds the conversation until its grace
    period ends (see outbox.py): the retry is scheduled for then. In-process (eager) there
    is no later, so it is left to the next message or the sweeper.
    """
    from django.conf import settings

    result = outbox_send(gateway=gateway_from_settings(settings), session_id=session_id)
    if result.retry:
        if result.wait and self.request.is_eager:
            return result.sent
        raise self.retry(countdown=result.wait or min(2**self.request.retries, 60))
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
        enqueue(process_conversation, session_id)
    unsent = set(
        ConversationMessage.objects.filter(
            direction__in=[Direction.BOT, Direction.STAFF],
            # "sending" long after the reply was stored: its sender died mid-send.
            delivery_status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
            timestamp__lt=cutoff,
        ).values_list("session_id", flat=True)[:500]
    )
    for session_id in unsent - session_ids:
        enqueue(send_outbox, session_id)
    return len(session_ids | unsent)
