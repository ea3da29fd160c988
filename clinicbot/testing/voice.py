"""Real voice notes for tests: pt-BR speech from espeak-ng, encoded as WhatsApp sends it (Ogg/Opus).

``speak("quero marcar cardiologia")`` returns the bytes of an Ogg/Opus file (mono, 16 kbit/s
speech mode, as WhatsApp's voice notes are), made by Debian's ``espeak-ng`` (voice ``pt-br``)
and ``opusenc`` (opus-tools); ``pad_seconds`` adds silence with ``sox`` (a note longer than the
limit). Files are cached per text for the test run. ``scripts/ensure_audio_tools.sh``
installs the three packages; :func:`audio_tools_missing` names what is missing so a test can
skip with that reason.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

TOOLS = {"espeak-ng": "espeak-ng", "opusenc": "opus-tools", "sox": "sox"}
_DIR = Path(tempfile.gettempdir()) / "clinicbot-test-voice"


def audio_tools_missing() -> str | None:
    """None when the tools are there, else a sentence naming the Debian packages to install."""
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if not missing:
        return None
    return (
        f"needs Debian's {', '.join(sorted(set(missing)))} to make real voice notes "
        "(bash scripts/ensure_audio_tools.sh installs them)"
    )


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


@functools.cache
def speak(text: str, *, pad_seconds: float = 0.0, bitrate_kbps: int = 16) -> bytes:
    """Ogg/Opus bytes of ``text`` spoken in Brazilian Portuguese (plus ``pad_seconds`` of silence)."""
    _DIR.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(f"{text}|{pad_seconds}|{bitrate_kbps}".encode()).hexdigest()[:16]
    wav, padded, ogg = _DIR / f"{name}.wav", _DIR / f"{name}-pad.wav", _DIR / f"{name}.ogg"
    if not ogg.exists():
        _run("espeak-ng", "-v", "pt-br", "-s", "160", "-w", str(wav), text)
        source = wav
        if pad_seconds > 0:
            _run("sox", str(wav), str(padded), "pad", "0", f"{pad_seconds:.2f}")
            source = padded
        _run("opusenc", "--quiet", "--speech", "--bitrate", str(bitrate_kbps), str(source), str(ogg))
    return ogg.read_bytes()
