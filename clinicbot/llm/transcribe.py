"""A voice note's transcription under the same rules as the LLM's calls: budget, breaker, accounting.

``audio_transcribe`` is the one entry point. It refuses without calling anyone when the
day's seconds budget would be exceeded or the transcription breaker is open; otherwise it
calls the provider once (the SDK retries 429/5xx/timeouts itself), records the seconds and
returns the text — or a failure reason, counted, for the polite "please write" reply. It
never raises: a voice note must never cost the patient an answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from clinicbot.core.metrics import VOICE_NOTES
from clinicbot.engine.types import Catalog

from .audio_usage import audio_budget_allows, transcription_failure_record, transcription_record
from .breaker import TRANSCRIBE, breaker_allows, breaker_record_failure, breaker_record_success
from .transcription import AudioFile, TranscriptionError, get_transcriber
from .usage import usage_day
from .vocabulary import transcription_prompt

logger = logging.getLogger(__name__)

OK = "ok"
# What Whisper-style models are known to write over silence or noise (subtitle credits from
# their training data, "[música]"): not something the patient said. A bare "obrigado" is kept:
# patients say it too.
_NOT_SPEECH = re.compile(
    r"^(legendas? (pela|por) .*|.*amara\.org.*|.*por assistir|\.+|…|\[.*\]|\(.*\))$", re.IGNORECASE
)


@dataclass(frozen=True)
class TranscriptOutcome:
    """The transcript (``reason`` "ok"), or why there is none (``text`` "")."""

    text: str
    reason: str
    provider: str = ""

    @property
    def ok(self) -> bool:
        return self.reason == OK


def clean_transcript(text: str) -> str:
    """The transcript on one line, or "" when it is no speech (silence, a model's stock phrase)."""
    text = re.sub(r"\s+", " ", text).strip()
    words = text.strip(" !.…")
    return "" if not words or _NOT_SPEECH.fullmatch(words) else text


def audio_transcribe(
    *, audio: AudioFile, seconds: float, catalog: Catalog, session_id: int | None, now: dt.datetime
) -> TranscriptOutcome:
    """Transcribe one voice note (see the module docstring); never raises."""
    try:
        transcriber = get_transcriber()
    except Exception:
        logger.exception("transcription provider unavailable")
        return _failed("", "unavailable", now=now, catalog=catalog)
    if transcriber is None:
        return TranscriptOutcome("", "off")
    name = transcriber.name
    day = usage_day(now=now, timezone=catalog.clinic.timezone)
    if not audio_budget_allows(day=day, seconds=seconds):
        return _failed(name, "budget", now=now, catalog=catalog)
    if not breaker_allows(now=now, name=TRANSCRIBE):
        return _failed(name, "circuit_open", now=now, catalog=catalog)
    try:
        raw = transcriber.transcribe(audio, prompt=transcription_prompt(catalog))
    except TranscriptionError as exc:
        breaker_record_failure(now=now, name=TRANSCRIBE)
        logger.warning("transcription failed (%s); the patient is asked to write", exc.reason)
        return _failed(name, exc.reason, now=now, catalog=catalog)
    except Exception:
        breaker_record_failure(now=now, name=TRANSCRIBE)
        logger.exception("transcription failed unexpectedly; the patient is asked to write")
        return _failed(name, "error", now=now, catalog=catalog)
    breaker_record_success(name=TRANSCRIBE)
    # The provider was paid for the audio whatever it heard.
    transcription_record(provider=name, day=day, session_id=session_id, seconds=seconds)
    text = clean_transcript(raw)
    if not text:
        return _failed(name, "empty", now=now, catalog=catalog)
    VOICE_NOTES.labels(outcome="transcribed", reason=OK).inc()
    return TranscriptOutcome(text, OK, name)


def _failed(provider: str, reason: str, *, now: dt.datetime, catalog: Catalog) -> TranscriptOutcome:
    VOICE_NOTES.labels(outcome="failed", reason=reason).inc()
    if provider:
        transcription_failure_record(
            provider=provider, day=usage_day(now=now, timezone=catalog.clinic.timezone)
        )
    return TranscriptOutcome("", reason, provider)


def voice_note_refused(*, reason: str, provider: str, now: dt.datetime, catalog: Catalog) -> None:
    """Count a voice note refused before any provider call (too big, too long, not audio, download)."""
    _failed(provider, reason, now=now, catalog=catalog)
