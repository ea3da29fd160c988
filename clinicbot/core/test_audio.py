"""Audio files are judged by their own bytes: container and duration, whatever was declared."""

from __future__ import annotations

import pytest

from clinicbot.core.audio import AudioRejected, declared_audio, inspect_audio
from clinicbot.testing.voice import audio_tools_missing, speak


@pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or "")
def test_a_whatsapp_style_voice_note_is_ogg_opus_with_its_spoken_length():
    short, padded = inspect_audio(speak("bom dia")), inspect_audio(speak("bom dia", pad_seconds=5.0))
    assert (short.mime, short.extension) == ("audio/ogg", "ogg")
    assert 0.3 < short.seconds < 3.0
    assert padded.seconds == pytest.approx(short.seconds + 5.0, abs=0.1)


@pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or "")
def test_a_truncated_download_is_unreadable():
    with pytest.raises(AudioRejected) as refused:
        inspect_audio(speak("bom dia")[:150])
    assert refused.value.reason == "unreadable"


@pytest.mark.parametrize(
    "data", [b"", b"<html><body>Erro 500</body></html>", b"\x89PNG\r\n\x1a\n" + b"0" * 200, b"%PDF-1.4 " * 30]
)
def test_what_is_not_audio_is_refused(data):
    with pytest.raises(AudioRejected):
        inspect_audio(data)


def test_declared_types():
    assert declared_audio("audio/ogg; codecs=opus") and declared_audio("audio/mpeg")
    assert not declared_audio("image/jpeg") and not declared_audio("text/html")
