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
        # hold(): sends wait at this gate (``held`` is set when one does) until release().
        self._gate = threading.Event()
        self._gate.set()
        self.held = threading.Event()
        self.holding = 0  # sends waiting at the gate right now
        # Meta-like status webhooks after each accepted send: (callback URL, app secret).
        self.status_target: tuple[str, str] | None = None
        self.status_delay = 0.2
        self.statuses_for: Callable[[dict[str, Any]], bool] = lambda body: True
        self.statuses_delivered = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the real APIs allow: a sender's pooled connection is reused
            # instead of a new TCP connection (and server thread) per message.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not server._gate.is_set():  # a send "in flight" until the test releases it
                    with server._lock:
                        server.holding += 1
                    server.held.set()
                    server._gate.wait(timeout=120)
                    with server._lock:
                        server.holding -= 1
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
                accepted = 200 <= server.status < 300  # only a message the API took gets statuses
                if accepted and server.status_target is not None and server.statuses_for(body):
                    threading.Thread(target=server._post_status, args=(body, mid), daemon=True).start()
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
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sender gave up (timed out, or was killed) meanwhile
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def hold(self) -> None:
        """Make the next sends wait, unanswered, until :meth:`release` (a send "in flight")."""
        self.held.clear()
        self._gate.clear()

    def wait_held(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until ``count`` sends are held at the gate."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.holding >= count:
                return True
            time.sleep(0.02)
        return False

    def release(self) -> None:
        """Let held sends through: they are accepted (recorded) even if their sender is gone."""
        self._gate.set()

    def _post_status(self, body: dict[str, Any], mid: str) -> None:
        """Deliver a signed ``sent`` status webhook for one accepted send, retrying like Meta."""
        import httpx

        assert self.status_target is not None
        url, secret = self.status_target
        time.sleep(self.status_delay)
        payload = json.dumps(
            meta_status_webhook(
                message_id=mid,
                phone=str(body.get("to", "")),
                status="sent",
                ref=str(body.get("biz_opaque_callback_data", "")),
            )
        ).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(payload, secret)}
        for pause in (0.5, 1, 2, 4, 8):
            try:
                if httpx.post(url, content=payload, headers=headers, timeout=10).status_code == 200:
                    with self._lock:
                        self.statuses_delivered += 1
                    return
            except httpx.HTTPError:
                pass
            time.sleep(pause)

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


def meta_status_webhook(*, message_id: str, phone: str, status: str, ref: str = "") -> dict[str, Any]:
    """A Meta Cloud API status webhook for one message we sent (``ref``: our callback data)."""
    update: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": phone,
    }
    if ref:
        update["biz_opaque_callback_data"] = ref
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
                            "statuses": [update],
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
