"""A local server playing the speech APIs in tests: transcription and synthesis.

* ``POST /v1/audio/transcriptions`` — OpenAI's (and self-hosted Whisper servers') multipart
  upload, as the official SDK sends it. Each request is recorded with its form fields and
  the uploaded file (bytes, file name, type); the answer comes from a script of
  :class:`Heard` behaviours (a text, an HTTP error, a delay past the client's timeout),
  then ``default``.
* ``POST /v1beta/models/{model}:generateContent`` — Gemini, the audio as an inline part:
  answered from the same script.
* ``POST /v1/audio/speech`` — synthesis: records the JSON and answers ``speech_audio``
  (real Ogg/Opus bytes the test made), or ``speech_status``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Heard:
    """One scripted transcription: ``status`` 200 answers ``text``; ``delay`` seconds first."""

    text: str = ""
    status: int = 200
    delay: float = 0.0


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body as {field: str or {"filename", "content_type", "data"}}."""
    message: Message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[str(name)] = data.decode()
        else:
            fields[str(name)] = {"filename": filename, "content_type": part.get_content_type(), "data": data}
    return fields


class FakeSpeechServer:
    """``with FakeSpeechServer(Heard("quero marcar")) as speech: speech.base_url`` (…/v1)."""

    def __init__(
        self,
        *script: Heard,
        default: Heard | None = None,
        speech_audio: bytes = b"",
        speech_status: int = 200,
    ) -> None:
        self.script: deque[Heard] = deque(script)
        self.default = default or Heard("")
        self.speech_audio = speech_audio
        self.speech_status = speech_status
        self.transcriptions: list[dict[str, Any]] = []  # form fields, "file" included
        self.gemini: list[dict[str, Any]] = []  # JSON bodies
        self.speech: list[dict[str, Any]] = []  # JSON bodies
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?", 1)[0].rstrip("/")
                if path.endswith("/audio/transcriptions"):
                    fields = parse_multipart(self.headers.get("Content-Type", ""), body)
                    fields["authorization"] = self.headers.get("Authorization", "")
                    self._transcribe(server.transcriptions, fields, lambda text: {"text": text})
                elif path.endswith(":generateContent"):
                    self._transcribe(server.gemini, json.loads(body or b"{}"), _gemini_answer)
                elif path.endswith("/audio/speech"):
                    with server._lock:
                        server.speech.append(json.loads(body or b"{}"))
                    if server.speech_status != 200:
                        self._json(server.speech_status, {"error": {"message": "scripted error"}})
                    else:
                        self._send(200, server.speech_audio, "audio/ogg")
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def _transcribe(self, log: list[dict[str, Any]], record: dict[str, Any], shape: Any) -> None:
                with server._lock:
                    log.append(record)
                    heard = server.script.popleft() if server.script else server.default
                if heard.delay:
                    time.sleep(heard.delay)
                if heard.status != 200:
                    self._json(heard.status, {"error": {"message": "scripted error", "code": heard.status}})
                else:
                    self._json(200, shape(heard.text))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status: int, data: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("retry-after-ms", "20")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base_url = f"{self.url}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeSpeechServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def gemini_audio(self, index: int = -1) -> bytes:
        """The inline audio of a recorded Gemini request."""
        parts = self.gemini[index]["contents"][0]["parts"]
        data = next(p["inlineData"] for p in parts if "inlineData" in p)["data"]
        # The SDK sends URL-safe base64 without padding.
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _gemini_answer(text: str) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 12, "totalTokenCount": 132},
    }
