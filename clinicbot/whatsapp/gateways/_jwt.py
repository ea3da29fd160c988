"""Minimal HS256 JWT verification (stdlib only) for Evolution's ``Authorization: Bearer``.

Only what Evolution sends is accepted: header ``alg`` must be ``HS256`` (never ``none``
or an asymmetric alg an attacker could downgrade to), the signature is compared in
constant time, ``exp`` is required (Evolution's webhook tokens live 10 minutes: one
without an expiry, once leaked, would open the webhook forever), a lifetime longer than
``max_lifetime`` is refused, and ``nbf`` is enforced when present.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

# Clock skew tolerated between Evolution's host and ours.
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """The token is malformed, wrongly signed or expired."""


def _b64url_decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("bad base64") from exc


def _json_part(part: str) -> dict[str, Any]:
    try:
        data = json.loads(_b64url_decode(part))
    except (ValueError, RecursionError) as exc:
        raise InvalidToken("bad JSON") from exc
    if not isinstance(data, dict):
        raise InvalidToken("not a JSON object")
    return data


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"{name} is not a number")
    return float(value)


def verify_hs256(token: str, secret: str, now: float, max_lifetime: float | None = None) -> dict[str, Any]:
    """Return the claims of a valid HS256 token signed with ``secret``; else raise InvalidToken.

    ``max_lifetime`` (seconds) bounds both ``exp - iat`` and how far ahead ``exp`` may be.
    """
    if not secret:
        raise InvalidToken("no secret configured")
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidToken("not a JWS compact token")
    header_b64, payload_b64, signature_b64 = parts
    header = _json_part(header_b64)
    if header.get("alg") != "HS256":
        raise InvalidToken("unexpected alg")
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii", "replace")
    expected = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64url_decode(signature_b64)):
        raise InvalidToken("bad signature")
    claims = _json_part(payload_b64)
    exp = _number(claims, "exp")
    if exp is None:
        raise InvalidToken("no exp")
    if now > exp + LEEWAY_SECONDS:
        raise InvalidToken("expired")
    if max_lifetime is not None:
        iat = _number(claims, "iat")
        start = now if iat is None else min(iat, now)
        if exp - start > max_lifetime + LEEWAY_SECONDS:
            raise InvalidToken("lifetime too long")
    nbf = _number(claims, "nbf")
    if nbf is not None and now < nbf - LEEWAY_SECONDS:
        raise InvalidToken("not yet valid")
    return claims


def sign_hs256(claims: dict[str, Any], secret: str) -> str:
    """Build an HS256 token (used by tests and local tools to play Evolution)."""

    def enc(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = enc(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = enc(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{enc(signature)}"
