"""A local HTTP server playing a gateway's send API (Meta Graph, Evolution, Z-API) in tests.

It records every request and answers like the real API, so tests exercise real HTTP
without reaching the internet.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeGatewayServer:
    """``with FakeGatewayServer() as api: api.url`` — records POSTs in ``api.requests``."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        status: int = 200,
        on_request: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self.status = status
        # Called with each recorded request (benchmarks time replies by it).
        self.on_request = on_request
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the real APIs allow: a sender's pooled connection is reused
            # instead of a new TCP connection (and server thread) per message.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    n = next(server._ids)
                    failing = n <= server.fail_first
                    record = {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": body,
                        "at": time.monotonic(),
                    }
                    if not failing:
                        server.requests.append(record)
                if not failing and server.on_request is not None:
                    server.on_request(record)
                if failing:
                    self._answer(503, {"error": {"message": "temporarily unavailable", "code": 131000}})
                    return
                mid = f"wamid.FAKE{n:06d}"
                self._answer(
                    server.status,
                    {
                        "messaging_product": "whatsapp",
                        "messages": [{"id": mid}],
                        "key": {"id": mid},
                        "messageId": mid,
                        "zaapId": mid,
                    },
                )

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeGatewayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def texts_to(self, phone: str) -> list[str]:
        """Bodies of the messages sent to a phone, in arrival order."""
        return sent_texts(list(self.requests), phone)

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.05)
        return False


def sent_texts(requests: list[dict[str, Any]], phone: str) -> list[str]:
    """The texts of recorded send-API requests (any gateway's body shape) to ``phone``."""
    out = []
    for r in requests:
        body = r["json"]
        if str(body.get("to") or body.get("number") or body.get("phone")) != phone:
            continue
        if body.get("type") == "interactive":
            out.append(body["interactive"]["body"]["text"])
        elif "text" in body and isinstance(body["text"], dict):
            out.append(body["text"].get("body", ""))
        else:
            out.append(str(body.get("text") or body.get("message") or ""))
    return out


def meta_text_webhook(
    *, phone: str, text: str, message_id: str, timestamp: int, name: str = "Paciente"
) -> dict[str, Any]:
    """A Meta Cloud API webhook body carrying one text message."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA-1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "551130000000", "phone_number_id": "PNID-1"},
                            "contacts": [{"profile": {"name": name}, "wa_id": phone}],
                            "messages": [
                                {
                                    "from": phone,
                                    "id": message_id,
                                    "timestamp": str(timestamp),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def meta_signature(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value Meta sends for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@contextmanager
def meta_cloud_api(
    *, secret: str = "test-app-secret", status: int = 200, fail_first: int = 0, **settings: Any
) -> Iterator[FakeGatewayServer]:
    """A local server playing Meta's Graph API, with the Meta gateway configured to use it.

    ``secret`` is the app secret webhooks are signed with; ``settings`` overrides more
    Django settings for the same block (e.g. ``CELERY_TASK_ALWAYS_EAGER=True``).
    """
    from django.test import override_settings

    with (
        FakeGatewayServer(status=status, fail_first=fail_first) as server,
        override_settings(
            WHATSAPP_GATEWAY="meta",
            META_APP_SECRET=secret,
            META_VERIFY_TOKEN="verify-me",
            META_ACCESS_TOKEN="token",
            META_PHONE_NUMBER_ID="PNID-1",
            META_GRAPH_URL=server.url,
            **settings,
        ),
    ):
        yield server
