"""A local HTTP server playing a gateway's send API (Meta Graph, Evolution, Z-API) in tests.

It records every request and answers like the real API, so tests exercise real HTTP
without reaching the internet. It also holds media, as each gateway hands it over
(see :meth:`FakeGatewayServer.add_media`): Meta's ``GET /{version}/{media-id}`` and the
download URL it answers (both checked for the bearer token), Evolution's
``POST /chat/getBase64FromMediaMessage/{instance}``, Z-API's plain file URLs; and Meta's
media upload (``POST /{version}/{phone-number-id}/media``, multipart).
"""

from __future__ import annotations

import base64
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
        # Media: id -> (bytes, content type); downloads and uploads are recorded apart from sends.
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_status = 200  # e.g. 404: the media expired
        self.downloads: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the real APIs allow: a sender's pooled connection is reused
            # instead of a new TCP connection (and server thread) per message.
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._serve_media(self)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if server._media_post(self, raw):
                    return
                body = json.loads(raw or b"{}")
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

    # ------------------------------------------------------------------ media
    def add_media(self, media_id: str, data: bytes, mime: str = "audio/ogg; codecs=opus") -> str:
        """Hold a file under ``media_id``; returns its plain URL (what Z-API puts in a webhook)."""
        self.media[media_id] = (data, mime)
        return f"{self.url}/files/{media_id}"

    def _serve_media(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        record: dict[str, Any] = {"path": path, "headers": {k.lower(): v for k, v in handler.headers.items()}}
        with self._lock:
            self.downloads.append(record)
        answer = _Answer(handler)
        if self.media_status != 200:
            answer.json(self.media_status, {"error": {"message": "media unavailable", "code": 131052}})
            return
        if len(parts) == 2 and parts[0] == "files" and parts[1] in self.media:  # Z-API storage
            data, mime = self.media[parts[1]]
            answer.raw(200, data, mime)
            return
        if record["headers"].get("authorization") != "Bearer token":  # Meta: the bearer token, both calls
            answer.json(401, {"error": {"message": "invalid token", "code": 190}})
            return
        if len(parts) == 2 and parts[0] == "media-download" and parts[1] in self.media:
            data, mime = self.media[parts[1]]
            answer.raw(200, data, mime)
        elif len(parts) == 2 and parts[1] in self.media:  # GET /{version}/{media-id}
            data, mime = self.media[parts[1]]
            url = f"{self.url}/media-download/{parts[1]}"
            answer.json(200, {"url": url, "mime_type": mime, "file_size": len(data), "id": parts[1]})
        else:
            answer.json(404, {"error": {"message": "unknown media", "code": 100}})

    def _media_post(self, handler: BaseHTTPRequestHandler, raw: bytes) -> bool:
        """Meta's media upload and Evolution's getBase64FromMediaMessage; False for any other POST."""
        path = handler.path.split("?", 1)[0]
        answer = _Answer(handler)
        if "/chat/getBase64FromMediaMessage/" in path:
            body = json.loads(raw or b"{}")
            with self._lock:
                self.downloads.append({"path": path, "json": body})
            key_id = str(((body.get("message") or {}).get("key") or {}).get("id", ""))
            if self.media_status != 200 or key_id not in self.media:
                answer.json(self.media_status if self.media_status != 200 else 400, {"error": "not found"})
                return True
            data, mime = self.media[key_id]
            answer.json(200, {"base64": base64.b64encode(data).decode(), "mimetype": mime})
            return True
        content_type = handler.headers.get("Content-Type", "")
        if path.endswith("/media") and content_type.startswith("multipart/form-data"):
            from .fake_speech import parse_multipart

            fields = parse_multipart(content_type, raw)
            with self._lock:
                self.uploads.append({"path": path, "fields": fields})
                media_id = f"upload-{len(self.uploads)}"
            answer.json(200, {"id": media_id})
            return True
        return False

    def audio_sends(self) -> list[dict[str, Any]]:
        """The recorded sends that carried a voice note (any gateway's body shape)."""
        return [r for r in self.requests if _is_audio(r["json"])]

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


class _Answer:
    """Writes one HTTP answer on a handler (a client that left meanwhile is ignored)."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler

    def json(self, status: int, payload: dict[str, Any]) -> None:
        self.raw(status, json.dumps(payload).encode(), "application/json")

    def raw(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.handler.send_response(status)
            self.handler.send_header("Content-Type", content_type)
            self.handler.send_header("Content-Length", str(len(data)))
            self.handler.end_headers()
            self.handler.wfile.write(data)
        except OSError:
            self.handler.close_connection = True


def _is_audio(body: dict[str, Any]) -> bool:
    return body.get("type") == "audio" or "audio" in body


def sent_texts(requests: list[dict[str, Any]], phone: str) -> list[str]:
    """The texts of recorded send-API requests (any gateway's body shape) to ``phone``; voice notes apart."""
    out = []
    for r in requests:
        body = r["json"]
        if str(body.get("to") or body.get("number") or body.get("phone")) != phone or _is_audio(body):
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
