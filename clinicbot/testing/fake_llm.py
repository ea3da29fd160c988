"""A local OpenAI-compatible server (``POST /v1/chat/completions``) for tests.

It plays OpenAI, Ollama or vLLM on 127.0.0.1: records every request and answers from a
script of behaviours — a text with usage fields, an HTTP error (429/500, with a short
``retry-after-ms`` so the SDK's backoff stays fast) or a slow answer (to trigger the
client's timeout). With no script left it answers ``default``; ``ECHO_DRAFT`` repeats the
RESPOSTA-BASE of the prompt (a model that always agrees with the offline engine).

Structured requests (a message's reading: ``response_format`` in the body) have their own
script, ``readings``, then ``default_reading`` — by default ``{}``, an answer that is no
reading, so the offline reading stands. ``reject_json_schema`` plays a server without
json_schema support (400, as llama.cpp and older vLLM answer); it still takes json_object.

``python clinicbot/testing/fake_llm.py --port 8999 --reading '{"intent": …}'`` runs
it on its own (for ``manage.py evaluate --provider openai`` with ``OPENAI_BASE_URL``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

READING_NONE = "{}"  # parses as JSON but carries no intent: not a reading

ECHO_DRAFT = "\x00echo"
_DRAFT = re.compile(r"^RESPOSTA-BASE: (.*?)\n<mensagem_do_paciente>", re.S | re.M)


@dataclass(frozen=True)
class Answer:
    """One scripted behaviour: ``status`` 200 answers ``text``; ``delay`` seconds first."""

    text: str = ECHO_DRAFT
    status: int = 200
    delay: float = 0.0
    prompt_tokens: int | None = None  # None: ~4 characters a token, like a real tokenizer
    completion_tokens: int | None = None


class FakeOpenAIServer:
    """``with FakeOpenAIServer() as llm: llm.base_url`` — ``llm.requests`` holds the JSON bodies."""

    def __init__(
        self,
        *script: Answer,
        default: Answer | None = None,
        readings: tuple[Answer, ...] = (),
        default_reading: Answer | None = None,
        reject_json_schema: bool = False,
        port: int = 0,
    ) -> None:
        self.script: deque[Answer] = deque(script)
        self.default = default or Answer()
        self.readings: deque[Answer] = deque(readings)
        self.default_reading = default_reading or Answer(READING_NONE)
        self.reject_json_schema = reject_json_schema
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "json": body,
                        }
                    )
                    answer = server._next(body)
                if answer.delay:
                    time.sleep(answer.delay)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                elif server.reject_json_schema and server.kind(body) == "json_schema":
                    self._send(400, {"error": {"message": "response_format json_schema is not supported"}})
                elif answer.status != 200:
                    self._send(
                        answer.status, {"error": {"message": "scripted error", "type": "server_error"}}
                    )
                else:
                    self._send(200, server._completion(body, answer))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("retry-after-ms", "20")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def kind(body: dict[str, Any]) -> str:
        """ "text" for a reply's wording, else the requested ``response_format`` type."""
        return str((body.get("response_format") or {}).get("type", "text"))

    def _next(self, body: dict[str, Any]) -> Answer:
        if self.kind(body) == "text":
            return self.script.popleft() if self.script else self.default
        if self.reject_json_schema and self.kind(body) == "json_schema":
            return Answer(READING_NONE)  # refused before any scripted reading is used
        return self.readings.popleft() if self.readings else self.default_reading

    def reading_requests(self) -> list[dict[str, Any]]:
        """The bodies of the structured (reading) requests, in order."""
        return [r["json"] for r in self.requests if self.kind(r["json"]) != "text"]

    def _completion(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        text = answer.text
        if text == ECHO_DRAFT:
            user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
            found = _DRAFT.search(user)
            text = found.group(1) if found else "Posso ajudar em algo mais?"
        prompt_chars = sum(len(m.get("content", "")) for m in body.get("messages", []))
        prompt_tokens = answer.prompt_tokens if answer.prompt_tokens is not None else prompt_chars // 4
        completion_tokens = (
            answer.completion_tokens if answer.completion_tokens is not None else len(text) // 4
        )
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def prompts(self) -> list[str]:
        """Each request's messages joined into one text (for "is X in the prompt" checks)."""
        return ["\n".join(m["content"] for m in r["json"].get("messages", [])) for r in self.requests]


def main() -> None:
    """Serve until interrupted: every reply echoes the engine's, every reading is ``--reading``."""
    parser = argparse.ArgumentParser(description="A local OpenAI-compatible server for measurements.")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--reading", default=READING_NONE, help="the JSON text every reading request gets")
    opts = parser.parse_args()
    server = FakeOpenAIServer(default_reading=Answer(opts.reading), port=opts.port)
    print(f"fake OpenAI-compatible server on {server.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.httpd.serve_forever()


if __name__ == "__main__":
    main()
