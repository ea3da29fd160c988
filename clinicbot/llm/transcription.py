"""Speech-to-text providers behind one small interface: ``transcribe(audio) -> text``.

* ``openai`` — the official ``openai`` SDK posting to ``{TRANSCRIBE_BASE_URL}/audio/transcriptions``
  (multipart: the file, ``model``, ``language``, ``prompt``). OpenAI's Whisper and
  gpt-4o-transcribe answer there, and so do self-hosted OpenAI-compatible servers
  (faster-whisper based servers, whisper.cpp's server, vLLM with a Whisper model): that is
  how a clinic transcribes on its own hardware, the audio never leaving it.
* ``gemini`` — the official ``google-genai`` SDK: the audio goes inline (Gemini takes up
  to 20 MB per request) with an instruction to transcribe it verbatim.
* ``off`` — no provider: voice notes get the polite request to write, as before.

Language pt-BR (``pt`` for Whisper, which takes ISO-639-1 codes) and a prompt naming the
clinic's doctors, specialties and convênios, so proper nouns come out spelled as the NLU
knows them. Both SDKs retry 429/5xx/timeouts themselves (``TRANSCRIBE_MAX_RETRIES``);
whatever survives becomes one :class:`TranscriptionError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from django.conf import settings

from .models import ProviderName
from .providers import gemini_client

logger = logging.getLogger(__name__)

OFF = "off"
PROVIDERS = (OFF, ProviderName.OPENAI.value, ProviderName.GEMINI.value)
WHISPER_LANGUAGE = "pt"
DEFAULT_OPENAI_MODEL = "whisper-1"
GEMINI_INSTRUCTION = (
    "Transcreva literalmente, em português do Brasil, o que a pessoa diz neste áudio enviado por "
    "WhatsApp a uma clínica médica. Responda só com a transcrição, sem comentários, aspas ou "
    "marcações de tempo. Se não houver fala compreensível, responda com nada."
)


class TranscriptionError(Exception):
    """A transcription failed; ``reason`` is a short code (timeout, rate_limited, server_error…)."""

    def __init__(self, reason: str, detail: str = "", *, status: int = 0) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class AudioFile:
    """The audio handed to a provider: its bytes, real type and a file name with the right extension."""

    data: bytes
    mime: str
    filename: str


class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: AudioFile, *, prompt: str) -> str:
        """The text spoken in ``audio`` (may be ""); raise :class:`TranscriptionError` on failure."""
        ...


class OpenAITranscriber:
    """``audio.transcriptions.create`` on an OpenAI-compatible server."""

    name = ProviderName.OPENAI.value

    def __init__(
        self, *, base_url: str, api_key: str, model: str, timeout_s: float, max_retries: int
    ) -> None:
        import openai

        self._openai = openai
        self.model = model or DEFAULT_OPENAI_MODEL
        # Self-hosted servers accept any key, but the SDK insists on one.
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=max_retries
        )

    def transcribe(self, audio: AudioFile, *, prompt: str) -> str:
        oa = self._openai
        try:
            result = self.client.audio.transcriptions.create(
                model=self.model,
                file=(audio.filename, audio.data, audio.mime),
                language=WHISPER_LANGUAGE,
                prompt=prompt,
                response_format="json",
                temperature=0.0,
            )
        except oa.APITimeoutError as exc:
            raise TranscriptionError("timeout") from exc
        except oa.RateLimitError as exc:
            raise TranscriptionError("rate_limited", status=429) from exc
        except oa.APIStatusError as exc:
            code = exc.status_code
            reason = "server_error" if code >= 500 else "http_error"
            raise TranscriptionError(reason, str(code), status=code) from exc
        except oa.APIConnectionError as exc:
            raise TranscriptionError("connection") from exc
        except oa.OpenAIError as exc:
            raise TranscriptionError("error", type(exc).__name__) from exc
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise TranscriptionError("bad_response", "no text")
        return text


class GeminiTranscriber:
    """``generate_content`` with the audio as an inline part."""

    name = ProviderName.GEMINI.value

    def __init__(
        self, *, api_key: str, model: str, timeout_s: float, max_retries: int, base_url: str = ""
    ) -> None:
        from google.genai import errors, types

        self._types, self._errors = types, errors
        self.model = model
        self.client = gemini_client(
            api_key=api_key, timeout_s=timeout_s, max_retries=max_retries, base_url=base_url
        )

    def transcribe(self, audio: AudioFile, *, prompt: str) -> str:
        types, errors = self._types, self._errors
        try:
            response = self.client.models.generate_content(
                model=self.model,
                contents=[types.Part.from_bytes(data=audio.data, mime_type=audio.mime), prompt],
                config=types.GenerateContentConfig(system_instruction=GEMINI_INSTRUCTION, temperature=0.0),
            )
        except httpx.TimeoutException as exc:
            raise TranscriptionError("timeout") from exc
        except httpx.HTTPError as exc:
            raise TranscriptionError("connection") from exc
        except errors.APIError as exc:
            code = int(exc.code or 0)
            reason = "rate_limited" if code == 429 else "server_error" if code >= 500 else "http_error"
            raise TranscriptionError(reason, str(code), status=code) from exc
        except Exception as exc:  # the SDK raises pydantic/value errors on odd bodies
            raise TranscriptionError("error", type(exc).__name__) from exc
        return response.text or ""


_memo: tuple[tuple[object, ...], Transcriber | None] | None = None


def transcription_enabled() -> bool:
    """Whether voice notes are transcribed at all (``TRANSCRIBE_PROVIDER`` is not ``off``)."""
    return settings.TRANSCRIBE_PROVIDER in PROVIDERS[1:]


def get_transcriber() -> Transcriber | None:
    """The configured provider (one client per process, rebuilt when settings change); None = off."""
    global _memo
    name = settings.TRANSCRIBE_PROVIDER
    key: tuple[object, ...] = (
        name,
        settings.TRANSCRIBE_MODEL,
        settings.TRANSCRIBE_BASE_URL,
        settings.TRANSCRIBE_API_KEY,
        settings.TRANSCRIBE_TIMEOUT_S,
        settings.TRANSCRIBE_MAX_RETRIES,
        settings.GEMINI_API_KEY,
        settings.GEMINI_MODEL,
        settings.GEMINI_BASE_URL,
    )
    if _memo is not None and _memo[0] == key:
        return _memo[1]
    transcriber: Transcriber | None
    if name == ProviderName.OPENAI:
        transcriber = OpenAITranscriber(
            base_url=settings.TRANSCRIBE_BASE_URL,
            api_key=settings.TRANSCRIBE_API_KEY,
            model=settings.TRANSCRIBE_MODEL,
            timeout_s=settings.TRANSCRIBE_TIMEOUT_S,
            max_retries=settings.TRANSCRIBE_MAX_RETRIES,
        )
    elif name == ProviderName.GEMINI:
        transcriber = GeminiTranscriber(
            api_key=settings.GEMINI_API_KEY,
            model=settings.TRANSCRIBE_MODEL or settings.GEMINI_MODEL,
            timeout_s=settings.TRANSCRIBE_TIMEOUT_S,
            max_retries=settings.TRANSCRIBE_MAX_RETRIES,
            base_url=settings.GEMINI_BASE_URL,
        )
    else:
        if name != OFF:
            logger.warning("unknown TRANSCRIBE_PROVIDER %r: voice notes are not transcribed", name)
        transcriber = None
    _memo = (key, transcriber)
    return transcriber
