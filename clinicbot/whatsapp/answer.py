"""One round of work on a conversation: answer its unprocessed messages, then send the replies.

Shared by the Celery task and by the web process's fallback when the broker is down, so
both paths answer exactly alike (the row lock and the outbox's claims keep them apart).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from clinicbot.conversations.pipeline import Deferred, process_pending

from .gateways.registry import gateway_from_settings
from .outbox import OutboxResult, outbox_send
from .voice_notes import voice_notes_transcribe


@dataclass
class Answered:
    replies: list[int]  # ids of the replies stored this round
    outbox: OutboxResult | None  # None when there was nothing to send


def answer_conversation(session_id: int) -> Answered | Deferred:
    """Answer what is waiting (or :class:`Deferred` inside the debounce window) and send it.

    The replies are sent right here rather than by a second task: a broker round trip per
    turn was a large share of a worker's time under load. Voice notes are transcribed first,
    outside the turn's transaction, so the turn reads them as text in arrival order.
    """
    voice_notes_transcribe(session_id)
    outcome = process_pending(session_id)
    if isinstance(outcome, Deferred):
        return outcome
    if not outcome:
        return Answered(replies=[], outbox=None)
    return Answered(outcome, outbox_send(gateway=gateway_from_settings(settings), session_id=session_id))
