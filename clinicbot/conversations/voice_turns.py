"""What a voice note changes in a turn (the pipeline calls these; nothing else does).

* A transcribed voice note is a text message: same NLU, dialogue, debounce and ordering.
* One still being transcribed holds the turn back (it and what came after it wait), so a
  voice note and a typed message sent together are one turn in arrival order.
* One that could not be transcribed gets the polite request to write (and a note of
  its own in front of the answer when it came with typed text).
* When the assistant acts on a transcript in a booking step, its answer starts with one
  short line quoting what it understood (``VOICE_QUOTE_TRANSCRIPT``), so a misheard name
  or date can be corrected.
* ``VOICE_REPLIES=mirror``: a patient who spoke also gets the answer as a voice note — one
  bot message of kind ``voice`` after the turn's texts, sent by the outbox — except booking
  summaries and codes, which go as text only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.conf import settings

from clinicbot.engine.state import FLOW_STATES, State
from clinicbot.engine.types import Reply, TurnResult
from clinicbot.llm.transcription import transcription_enabled

from .models import ConversationMessage, Direction
from .voice_notes import FAILED, OK, PENDING

VOICE_FAILED_REPLY = "Desculpe, não consegui entender o seu áudio. 🙏 Pode me escrever em texto, por favor?"
VOICE_TOO_LONG_REPLY = (
    "Seu áudio ficou longo demais para eu ouvir por aqui (até {limit}). 🙏 "
    "Pode mandar um áudio mais curto ou escrever, por favor?"
)
QUOTE = "🎤 Entendi: “{text}”"
QUOTE_MAX = 100
# Booking steps: the quote line shows what was understood while it can still be corrected.
_BOOKING_EVENTS = frozenset(
    {"booked", "rescheduled", "cancelled", "confirmed", "waitlist_booked", "waitlist_joined"}
)
# Never spoken: the summary to confirm and the outcomes that carry a booking code.
_TEXT_ONLY_STATES = frozenset({State.CONFIRMING, State.CONFIRMING_CANCEL, State.CONFIRMING_RESCHEDULE})
_TEXT_ONLY_EVENTS = frozenset({"booked", "rescheduled", "cancelled", "waitlist_booked", "confirmed"})
_TOO_LONG = frozenset({"too_long", "too_big"})


def _transcript(message: ConversationMessage) -> str:
    payload = message.payload or {}
    return str(payload.get("transcript", "")) if payload.get("kind") == "audio" else ""


def turn_kind(message: ConversationMessage) -> str:
    """The message's kind as the turn reads it: a transcribed voice note is ``text``."""
    kind = str((message.payload or {}).get("kind", "text"))
    return "text" if _transcript(message) == OK else kind


def ready(pending: list[ConversationMessage]) -> list[ConversationMessage]:
    """The messages that can be answered now: those before the first voice note still being transcribed.

    With transcription switched off meanwhile nothing waits (the note gets the polite reply).
    """
    if not transcription_enabled():
        return pending
    for index, message in enumerate(pending):
        if _transcript(message) == PENDING:
            return pending[:index]
    return pending


def _failure_reply(group: Sequence[ConversationMessage]) -> str | None:
    failures = [(m.payload or {}).get("failure", "") for m in group if _transcript(m) in (FAILED, PENDING)]
    if not failures:
        return None
    if any(f in _TOO_LONG for f in failures):
        return VOICE_TOO_LONG_REPLY.format(limit=_duration(settings.VOICE_MAX_SECONDS))
    return VOICE_FAILED_REPLY


def no_text_reply(group: Sequence[ConversationMessage], default: str) -> str:
    """The answer to a turn with nothing to read: a voice note that failed, else ``default``."""
    return _failure_reply(group) or default


def annotate(group: Sequence[ConversationMessage], result: TurnResult, *, before: State) -> TurnResult:
    """The engine's answer with the voice notes' lines: a failed one's request, the quote of a transcript."""
    replies = list(result.replies)
    transcripts = [m.content for m in group if _transcript(m) == OK]
    if transcripts and replies and settings.VOICE_QUOTE_TRANSCRIPT and _booking_step(result, before):
        first = replies[0]
        replies[0] = Reply(
            f"{QUOTE.format(text=_clip(' '.join(transcripts)))}\n\n{first.text}", first.choices
        )
    failed = _failure_reply(group)
    if failed is not None:
        replies.insert(0, Reply(failed))
    if replies == list(result.replies):
        return result
    return dataclasses.replace(result, replies=tuple(replies))


def voice_rows(
    group: Sequence[ConversationMessage],
    result: TurnResult,
    *,
    session_id: int,
    now: dt.datetime,
    status: str,
) -> list[ConversationMessage]:
    """The turn's answer as a voice note too (``VOICE_REPLIES=mirror``), when the patient spoke."""
    if settings.VOICE_REPLIES != "mirror" or not any(_transcript(m) == OK for m in group):
        return []
    if result.state.state in _TEXT_ONLY_STATES or _TEXT_ONLY_EVENTS & set(result.events):
        return []
    spoken = "\n\n".join(
        "\n".join(line for line in r.text.splitlines() if not line.startswith("🎤")).strip()
        for r in result.replies
    ).strip()
    if not spoken:
        return []
    return [
        ConversationMessage(
            session_id=session_id,
            direction=Direction.BOT,
            content=spoken,
            payload={"kind": "voice"},
            delivery_status=status,
            timestamp=now,
        )
    ]


def _booking_step(result: TurnResult, before: State) -> bool:
    return (
        result.state.state in FLOW_STATES
        or before in FLOW_STATES
        or bool(_BOOKING_EVENTS & set(result.events))
    )


def _clip(text: str) -> str:
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1].rstrip() + "…"


def _duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minuto" if minutes == 1 else f"{minutes} minutos"
    return f"{seconds} segundos"
