"""Issuing, verifying and revoking API keys.

A key reads ``cbk_<prefix>_<secret>``: the prefix (shown in admin) finds the row, the
SHA-256 of the whole key is compared in constant time. The secret has 256 bits of
entropy, so a plain SHA-256 is enough (a slow password hash protects low-entropy
secrets, and would cost every request tens of milliseconds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from .models import ApiKey, ApiScope, default_scopes

KEY_PREFIX = "cbk"
# Written into the row when a key was used; refreshed at most this often (one UPDATE a minute, not per request).
_LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
_KEY_RE = re.compile(r"^cbk_([a-z0-9]{8})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key: the row, and the secret to show exactly once."""

    api_key: ApiKey
    secret: str


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(
    *, name: str, scopes: Iterable[str] | None = None, created_by_id: int | None = None
) -> IssuedApiKey:
    """Create a key for an integration; the returned secret is not stored anywhere.

    ``scopes`` defaults to :func:`default_scopes` (free slots only): least privilege.
    """
    chosen = sorted(set(default_scopes() if scopes is None else scopes))
    unknown = set(chosen) - set(ApiScope.values)
    if unknown or not chosen:
        raise ValueError(f"unknown or no scope: {sorted(unknown)!r}")
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    while True:  # the unique prefix almost never collides (36**8 values); retry if it does
        prefix = "".join(secrets.choice(alphabet) for _ in range(8))
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=_hash(raw), scopes=chosen, created_by_id=created_by_id
    )
    return IssuedApiKey(api_key=key, secret=raw)


def api_key_verify(*, raw: str, now: dt.datetime | None = None) -> ApiKey | None:
    """The active key ``raw`` stands for, or None (malformed, unknown, wrong secret or revoked)."""
    match = _KEY_RE.match(raw.strip())
    if match is None:
        return None
    key = ApiKey.objects.filter(prefix=match.group(1)).first()
    # Compare even when no row matched, so timing does not tell a known prefix from an unknown one.
    expected = key.key_hash if key is not None else "0" * 64
    if not hmac.compare_digest(expected, _hash(raw.strip())) or key is None or not key.is_active:
        return None
    now = now or timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(id=key.id).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_revoke(*, api_key_id: int, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key at once (idempotent: the first revocation time is kept)."""
    ApiKey.objects.filter(id=api_key_id, revoked_at=None).update(revoked_at=now or timezone.now())
    return ApiKey.objects.get(id=api_key_id)
