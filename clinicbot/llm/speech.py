"""Text-to-speech for voice replies (``VOICE_REPLIES=mirror``): an OpenAI-compatible ``/audio/speech``.

The official ``openai`` SDK posts ``{model, voice, input, response_format: "opus"}`` to
``{TTS_BASE_URL}/audio/speech`` and gets Ogg/Opus back — the format WhatsApp plays as a
voice note. OpenAI answers there, and so do self-hosted OpenAI-compatible speech servers.
What is spoken is the reply's text without WhatsApp's formatting marks, emoji or links
(a voice reading "asterisco" or a URL helps nobody; the text went out too).
"""

from __future__ import annotations

import re

from django.conf import settings

MAX_INPUT = 4096  # OpenAI's limit for one request
_LINK = re.compile(r"https?://\S+")
_MARKS = re.compile(r"[*_~`]")
# Emoji and pictographs (and the joiners/variation selectors that glue them).
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]")


class SpeechError(Exception):
    """Synthesis failed (``reason``: a short code); the text reply already went out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def speech_text(text: str) -> str:
    """The reply as it should be read aloud."""
    text = _LINK.sub("o link da mensagem", text)
    text = _EMOJI.sub("", _MARKS.sub("", text))
    return re.sub(r"[ \t]+", " ", text).strip()[:MAX_INPUT]


def speech_synthesize(text: str) -> bytes:
    """Ogg/Opus audio of ``text``; raise :class:`SpeechError`."""
    import openai

    spoken = speech_text(text)
    if not spoken:
        raise SpeechError("empty")
    client = openai.OpenAI(
        base_url=settings.TTS_BASE_URL,
        api_key=settings.TTS_API_KEY or "not-needed",
        timeout=settings.TTS_TIMEOUT_S,
        max_retries=1,
    )
    try:
        response = client.audio.speech.create(
            model=settings.TTS_MODEL, voice=settings.TTS_VOICE, input=spoken, response_format="opus"
        )
        audio = response.read()
    except openai.APITimeoutError as exc:
        raise SpeechError("timeout") from exc
    except openai.APIStatusError as exc:
        raise SpeechError(f"http_{exc.status_code}") from exc
    except openai.OpenAIError as exc:
        raise SpeechError(type(exc).__name__) from exc
    if not audio:
        raise SpeechError("empty_audio")
    return audio
