"""What an audio file really is: its container and its duration, read from its own bytes.

A gateway says what it sends (Meta's ``mime_type``, Evolution's ``mimetype``, Z-API's
``mimeType``, the download's ``Content-Type``), but what we hand a transcription provider
must be audio we can measure: an HTML error page, an image or a truncated download is
refused before anyone pays for it, and a note longer than the clinic's limit is refused
whatever the payload declared. mutagen reads the headers (Ogg/Opus as WhatsApp records
voice notes, Ogg/Vorbis, MP3, MP4/M4A, AAC, WAV, FLAC) without decoding the audio.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import mutagen
from mutagen import MutagenError

# The container mutagen found -> the file name and type a transcription API expects.
_FORMATS: dict[str, tuple[str, str]] = {
    "OggOpus": ("audio/ogg", "ogg"),
    "OggVorbis": ("audio/ogg", "ogg"),
    "MP3": ("audio/mpeg", "mp3"),
    "MP4": ("audio/mp4", "m4a"),
    "AAC": ("audio/aac", "aac"),
    "WAVE": ("audio/wav", "wav"),
    "FLAC": ("audio/flac", "flac"),
}


class AudioRejected(Exception):
    """The bytes are not audio we can measure (``reason``: a short code for logs and metrics)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AudioInfo:
    """An audio file's real type and length."""

    mime: str  # e.g. "audio/ogg"
    extension: str  # e.g. "ogg": the file name a transcription API reads the type from
    seconds: float


def declared_audio(mime: str) -> bool:
    """Whether a gateway's declared type is audio at all ("audio/ogg; codecs=opus" is)."""
    main = mime.split(";", 1)[0].strip().lower()
    return main.startswith("audio/") or main in ("application/ogg", "video/ogg")


def inspect_audio(data: bytes) -> AudioInfo:
    """Read the container and duration of ``data``; raise :class:`AudioRejected` if it is not audio."""
    if not data:
        raise AudioRejected("empty")
    try:
        found = mutagen.File(io.BytesIO(data))
    except (MutagenError, ValueError, EOFError, OSError, IndexError, KeyError):
        raise AudioRejected("unreadable") from None
    if found is None:
        raise AudioRejected("not_audio")
    kind = type(found).__name__
    if kind not in _FORMATS:
        raise AudioRejected("unsupported_format")
    seconds = float(getattr(found.info, "length", 0.0) or 0.0)
    if seconds <= 0:
        raise AudioRejected("no_duration")
    mime, extension = _FORMATS[kind]
    return AudioInfo(mime=mime, extension=extension, seconds=seconds)
