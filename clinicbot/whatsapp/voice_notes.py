"""The worker's first step on a conversation: transcribe its waiting voice notes.

Runs before the turn (:func:`~clinicbot.whatsapp.answer.answer_conversation`), outside any
transaction — a download and a provider call take seconds, and no row lock is held for
them. For each voice note still waiting, in arrival order:

1. **Claim** it (a conditional update; a claim whose worker died is taken over later).
2. **Check what was declared**: a duration over ``VOICE_MAX_SECONDS`` is refused before
   downloading anything.
3. **Fetch** the bytes from the gateway that received it (Meta's Graph API, Evolution's
   base64, Z-API's URL), never more than ``VOICE_MAX_BYTES``.
4. **Check the bytes**: a real audio container (whatever the gateway declared), its
   measured duration within the limit.
5. **Transcribe** (``clinicbot.llm.transcribe``: budget, breaker, accounting).
6. **Finish**: the transcript becomes the message's text, or the failure is recorded for
   the polite reply; the audio is dropped (LGPD) unless the clinic keeps it.

Nothing here raises: a voice note that cannot be heard still gets an answer.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.models import ConversationMessage, VoiceNote
from clinicbot.conversations.voice_notes import (
    voice_message_orphaned,
    voice_messages_pending,
    voice_note_claim,
    voice_note_finish,
)
from clinicbot.core.audio import AudioRejected, declared_audio, inspect_audio
from clinicbot.engine.types import Catalog
from clinicbot.llm.transcribe import audio_transcribe, voice_note_refused
from clinicbot.llm.transcription import AudioFile, transcription_enabled

from .gateways.base import MediaError, MediaRef
from .gateways.registry import GatewayConfigError, gateway_named

logger = logging.getLogger(__name__)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def voice_notes_transcribe(session_id: int) -> int:
    """Transcribe the conversation's waiting voice notes; return how many this call finished."""
    if not transcription_enabled():
        return 0
    messages = voice_messages_pending(session_id=session_id)
    if not messages:
        return 0
    catalog = get_catalog()
    finished = 0
    for message in messages:
        note = getattr(message, "voice_note", None)
        if note is None:
            voice_message_orphaned(message=message)
            continue
        if not voice_note_claim(note=note, now=timezone.now()):
            continue  # another worker is on it (or finished it meanwhile)
        try:
            finished += _transcribe(note, message, catalog)
        except Exception:
            # Left claimed: a later run takes it over once the claim is stale.
            logger.exception("voice note %s could not be processed", message.id)
    return finished


def _transcribe(note: VoiceNote, message: ConversationMessage, catalog: Catalog) -> int:
    now = timezone.now()
    data: bytes | None = None
    seconds: float | None = None
    provider = str(settings.TRANSCRIBE_PROVIDER)
    try:
        data, mime = _fetch(note)
        seconds, audio = _checked(note, data, mime)
    except _Refused as refused:
        logger.info("voice note %s refused: %s", message.id, refused.reason)
        voice_note_refused(reason=refused.reason, provider=provider, now=now, catalog=catalog)
        transcript, failure = "", refused.reason
    else:
        outcome = audio_transcribe(
            audio=audio, seconds=seconds, catalog=catalog, session_id=message.session_id, now=now
        )
        transcript, failure, provider = outcome.text, "" if outcome.ok else outcome.reason, outcome.provider
    finished = voice_note_finish(
        note=note,
        message=message,
        transcript=transcript,
        failure=failure,
        provider=provider,
        seconds=seconds,
        data=data,
        now=timezone.now(),
    )
    return int(finished)


def _fetch(note: VoiceNote) -> tuple[bytes, str]:
    """Steps 2 and 3: the declared duration, then the bytes from the gateway."""
    if note.declared_seconds is not None and note.declared_seconds > settings.VOICE_MAX_SECONDS:
        raise _Refused("too_long")
    if note.declared_mime and not declared_audio(note.declared_mime):
        raise _Refused("not_audio")
    try:
        gateway = gateway_named(note.gateway, settings)
    except GatewayConfigError:
        raise _Refused("gateway") from None
    inline = bytes(note.audio) if note.audio is not None else None
    media = MediaRef(source=note.source, mime=note.declared_mime, voice=note.voice, inline=inline)
    try:
        fetched = gateway.fetch_media(media, max_bytes=settings.VOICE_MAX_BYTES)
    except MediaError as exc:
        raise _Refused(exc.reason) from None
    return fetched.data, fetched.mime


def _checked(note: VoiceNote, data: bytes, mime: str) -> tuple[float, AudioFile]:
    """Step 4: real audio, measured; the file name tells the provider its format."""
    if mime and not declared_audio(mime) and not note.declared_mime:
        raise _Refused("not_audio")
    try:
        info = inspect_audio(data)
    except AudioRejected as exc:
        raise _Refused("not_audio" if exc.reason != "unreadable" else "unreadable") from None
    if info.seconds > settings.VOICE_MAX_SECONDS:
        raise _Refused("too_long")
    return info.seconds, AudioFile(data=data, mime=info.mime, filename=f"mensagem-de-voz.{info.extension}")
