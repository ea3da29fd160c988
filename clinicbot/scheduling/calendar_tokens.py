"""Issuing, checking and revoking the per-doctor calendar feed tokens.

A token reads ``cal_<32 random bytes, url-safe>``: 256 bits of entropy, so a plain
SHA-256 is enough to store it (a slow password hash protects low-entropy secrets), and
the row is found by that hash. A token opens only its own doctor's feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone

from .models import CalendarToken

TOKEN_PREFIX = "cal_"
# Written when a feed was read; refreshed at most this often (calendar apps poll often).
_LAST_USED_RESOLUTION = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class IssuedCalendarToken:
    """A new token: the row, and the secret to show exactly once."""

    token: CalendarToken
    secret: str


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def calendar_token_create(
    *, doctor_id: int, label: str = "", created_by_id: int | None = None
) -> IssuedCalendarToken:
    """Create a token for one doctor's feed; the returned secret is stored nowhere."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = CalendarToken.objects.create(
        doctor_id=doctor_id,
        label=label,
        hint=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash(raw),
        created_by_id=created_by_id,
    )
    return IssuedCalendarToken(token=token, secret=raw)


def calendar_token_verify(
    *, raw: str, doctor_id: int, now: dt.datetime | None = None
) -> CalendarToken | None:
    """The active token ``raw`` stands for if it belongs to this doctor, else None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = CalendarToken.objects.filter(token_hash=_hash(raw), doctor_id=doctor_id, revoked_at=None).first()
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
        CalendarToken.objects.filter(id=token.id).update(last_used_at=now)
    return token


def calendar_token_revoke(*, token_id: int, now: dt.datetime | None = None) -> None:
    """Revoke at once (idempotent: the first revocation time is kept)."""
    CalendarToken.objects.filter(id=token_id, revoked_at=None).update(revoked_at=now or timezone.now())
