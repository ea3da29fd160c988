"""The signed HTTP POST to the clinic system: HMAC-SHA256 of the raw body, one attempt.

Receivers verify ``X-Clinicbot-Signature: sha256=<hex>`` by computing
``HMAC-SHA256(secret, raw_body)`` and comparing in constant time; ``sent_at`` inside the
signed body equals ``X-Clinicbot-Timestamp``, so a receiver can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

from .base import SyncError

SIGNATURE_HEADER = "X-Clinicbot-Signature"
TIMESTAMP_HEADER = "X-Clinicbot-Timestamp"
EVENT_HEADER = "X-Clinicbot-Event"
DELIVERY_HEADER = "X-Clinicbot-Delivery"


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of body>`` — the value of the signature header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_signed(*, url: str, secret: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` signed; return the 2xx status or raise :class:`SyncError`.

    Timeouts, connection errors, 429 and 5xx are transient (retried); any other
    status (4xx, an unexpected redirect) is permanent: retrying would fail the same way.
    """
    all_headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, secret), **headers}
    try:
        response = httpx.post(url, content=body, headers=all_headers, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise SyncError(f"timeout: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise SyncError(f"connection error: {type(exc).__name__}") from exc
    code = response.status_code
    if 200 <= code < 300:
        return code
    permanent = not (code == 429 or code >= 500)
    raise SyncError(f"HTTP {code}: {response.text[:200]}", status_code=code, permanent=permanent)
