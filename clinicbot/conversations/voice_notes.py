"""Voice notes as stored data: created with their message, claimed once, finished once.

The worker (``whatsapp.voice_notes``) fetches and transcribes; these services are the
database side, each one short transaction:

1. :func:`voice_notes_store` — in the webhook's transaction, a :class:`VoiceNote` per audio
   message (a redelivery is a no-op, like its message). Only while transcription is on:
   otherwise an audio is answered with the polite "please write", as it always was.
2. :func:`voice_note_claim` — a conditional update (``claimed_at`` unset, or stale: its
   worker died) so two workers never pay for the same transcription.
3. :func:`voice_note_finish` — the outcome, in one transaction: the transcript becomes the
   message's text (``payload.transcript`` = ``ok``), or the failure is recorded
   (``failed``); the audio is dropped unless ``VOICE_KEEP_AUDIO``. Only the claimer's
   finish counts (compare-and-set on its claim).

While a message's ``payload.transcript`` is ``pending`` the turn waits for it (see
``voice_turns``), so the transcript is read in arrival order with what came around it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from clinicbot.llm.transcription import transcription_enabled

from .models import ConversationMessage, Direction, VoiceNote, VoiceStatus

PENDING, OK, FAILED = "pending", "ok", "failed"
MAX_DECLARED_SECONDS = 7 * 24 * 3600  # anything above is refused as too long all the same


def voice_payload(*, kind: str, media: Any) -> dict[str, Any]:
    """The payload keys an inbound audio gets at the webhook (none while transcription is off)."""
    if kind != "audio" or media is None or not transcription_enabled():
        return {}
    return {"transcript": PENDING, "voice": bool(media.voice)}


def voice_notes_store(*, items: Sequence[Any]) -> int:
    """Create the voice notes of just-stored audio messages (inside the webhook's transaction)."""
    items = [m for m in items if voice_payload(kind=m.kind, media=m.media)]
    if not items:
        return 0
    ids = dict(
        ConversationMessage.objects.filter(
            gateway_message_id__in=[f"{m.gateway}:{m.gateway_id}" for m in items]
        ).values_list("gateway_message_id", "id")
    )
    notes = [
        VoiceNote(
            message_id=ids[f"{m.gateway}:{m.gateway_id}"],
            gateway=m.gateway,
            source=m.media.source,
            declared_mime=m.media.mime[:100],
            declared_seconds=_declared_seconds(m.media.seconds),
            voice=bool(m.media.voice),
            # Evolution may put the bytes in the webhook: kept until the worker is done with them.
            audio=m.media.inline,
        )
        for m in items
        if f"{m.gateway}:{m.gateway_id}" in ids
    ]
    return len(VoiceNote.objects.bulk_create(notes, ignore_conflicts=True))


def _declared_seconds(seconds: int | None) -> int | None:
    """A gateway's declared duration, bounded (a forged 10**12 must not fail the whole webhook's insert)."""
    return min(seconds, MAX_DECLARED_SECONDS) if seconds and seconds > 0 else None


def voice_messages_pending(*, session_id: int) -> list[ConversationMessage]:
    """The conversation's unanswered audio messages still waiting for their transcript, oldest first."""
    return list(
        ConversationMessage.objects.filter(
            session_id=session_id,
            direction=Direction.USER,
            processed_at=None,
            payload__transcript=PENDING,
        )
        .select_related("voice_note")
        .order_by("timestamp", "id")
    )


def claim_stale_after() -> dt.timedelta:
    """How long a claim may last before its worker is taken for dead (downloads and provider retries)."""
    attempts = settings.TRANSCRIBE_MAX_RETRIES + 1
    return dt.timedelta(seconds=max(120.0, 2 * settings.TRANSCRIBE_TIMEOUT_S * attempts + 60))


def voice_note_claim(*, note: VoiceNote, now: dt.datetime) -> bool:
    """Take the note for transcription; False when another worker holds a live claim or it is done."""
    stale = now - claim_stale_after()
    taken = VoiceNote.objects.filter(
        Q(claimed_at=None) | Q(claimed_at__lt=stale), message_id=note.message_id, status=VoiceStatus.PENDING
    ).update(claimed_at=now)
    if taken:
        note.claimed_at = now
    return bool(taken)


def voice_note_finish(
    *,
    note: VoiceNote,
    message: ConversationMessage,
    transcript: str,
    failure: str,
    provider: str,
    seconds: float | None,
    data: bytes | None,
    now: dt.datetime,
) -> bool:
    """Record the outcome (see the module docstring); False if the claim was lost meanwhile."""
    keep = settings.VOICE_KEEP_AUDIO and data is not None
    fields: dict[str, Any] = {
        "status": VoiceStatus.TRANSCRIBED if transcript else VoiceStatus.FAILED,
        "failure": failure[:40],
        "provider": provider[:16],
        "seconds": seconds,
        "size_bytes": len(data) if data is not None else None,
        "audio": data if keep else None,
        "transcribed_at": now if transcript else None,
    }
    payload = {**(message.payload or {}), "transcript": OK if transcript else FAILED}
    if failure:
        payload["failure"] = failure[:40]
    with transaction.atomic():
        if not VoiceNote.objects.filter(message_id=note.message_id, claimed_at=note.claimed_at).update(
            **fields
        ):
            return False
        changes: dict[str, Any] = {"payload": payload}
        if transcript:
            changes["content"] = transcript[:4096]
        ConversationMessage.objects.filter(id=message.id).update(**changes)
    message.payload = payload
    if transcript:
        message.content = transcript[:4096]
    return True


def voice_message_orphaned(*, message: ConversationMessage) -> None:
    """A message marked pending without a voice note (e.g. deleted by staff): answered as failed."""
    payload = {**(message.payload or {}), "transcript": FAILED, "failure": "missing"}
    ConversationMessage.objects.filter(id=message.id, processed_at=None).update(payload=payload)
