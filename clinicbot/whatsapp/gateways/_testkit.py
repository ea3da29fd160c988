"""Test helpers for the gateway adapters: payload fixtures, odd bodies, a local HTTP server."""

from __future__ import annotations

import copy
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .base import WebhookRequest

FIXTURES = Path(__file__).parent / "fixtures"

# Bodies no gateway sends: every adapter must answer them with WebhookPayloadError only.
ODD_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b"5",
    b'"x"',
    b"not json",
    b"\xff\xfe\x00garbage",
    b'{"entry": 5}',
    b'{"entry": [5]}',
    b'{"entry": [{"changes": {"a": 1}}]}',
    b'{"entry": [{"changes": [{"value": []}]}]}',
    b'{"event": "messages.upsert", "instance": "x", "data": 5}',
    b'{"event": "messages.upsert", "data": [null]}',
    b'{"type": "ReceivedCallback", "momment": "soon"}',
    b'{"type": "MessageStatusCallback", "status": "READ", "ids": [{}]}',
    b'{"type": "ReceivedCallback", "messageId": "m", "phone": "1", "momment": 1' + b"0" * 400 + b"}",
    b'{"entry": [{"changes": [{"value": {"messages": [{"id": "m", "from": "1", "timestamp": NaN}]}}]}]}',
    b'{"event": "messages.upsert", "data": {"key": {"remoteJid": "1@s.whatsapp.net", "id": "m"},'
    b' "messageTimestamp": Infinity}}',
    json.dumps("a" * 1_000_000).encode(),  # a 1 MB string
    b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to exhaust the JSON parser's stack
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
]


def load_fixture(name: str) -> dict[str, Any]:
    """A fresh copy of ``fixtures/<name>.json`` (tests may mutate it)."""
    fixture: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return fixture


def fixture_bytes(name: str) -> bytes:
    """The raw bytes of a fixture, exactly as stored (what a gateway would sign)."""
    return (FIXTURES / f"{name}.json").read_bytes()


def make_request(
    body: bytes | dict[str, Any] | list[Any],
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: dict[str, str] | None = None,
    path_secret: str = "",
) -> WebhookRequest:
    """A WebhookRequest as the Django view builds it (lower-cased header names)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(
        method=method,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        body=raw,
        query=query or {},
        path_secret=path_secret,
    )


_ODD_VALUES: list[Any] = [None, 0, -1, 1e308, True, "", "x", [], {}, [None], {"a": None}, "9" * 40]


def mutations(payload: dict[str, Any], count: int, seed: int) -> Iterator[dict[str, Any]]:
    """Deterministic fuzzing: copies of ``payload`` with one nested value replaced by an odd one.

    (hypothesis is not a project dependency; a seeded walk over the real fixtures hits
    the same "right shape, wrong type" cases that break naive parsers.)
    """
    rng = random.Random(seed)
    paths: list[list[Any]] = []

    def walk(node: Any, path: list[Any]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, key])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, [*path, index])

    walk(payload, [])
    for _ in range(count):
        path = rng.choice(paths[1:])
        mutated = copy.deepcopy(payload)
        node = mutated
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = copy.deepcopy(rng.choice(_ODD_VALUES))
        yield mutated


class RecordingServer:
    """A local HTTP server playing a gateway API: records requests, answers ``reply``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply_status = 200
        self.reply_body: dict[str, Any] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                recorder.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body or b"null"),
                    }
                )
                data = json.dumps(recorder.reply_body).encode()
                self.send_response(recorder.reply_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # keep pytest output clean

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def gateway_server() -> Iterator[RecordingServer]:
    """A running :class:`RecordingServer` on 127.0.0.1 (nothing reaches the internet)."""
    server = RecordingServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)
