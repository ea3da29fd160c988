"""The data subject: one phone number and every way it is stored."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from clinicbot.conversations.models import ConversationSession
from clinicbot.core.keys import PUBLISHED_KEYS, key_id
from clinicbot.core.phones import InvalidPhone, normalize_phone


class PrivacyError(Exception):
    """A request about personal data that cannot be served (bad phone, nothing to do…)."""


def phone_hash(digits: str) -> str:
    """Keyed hash (HMAC-SHA256 with ``AUDIT_HASH_KEY``) of normalised digits.

    Audit entries keep this instead of the number: whoever holds the key can check
    "was this phone's data erased?", nobody can read the phone back from the table.
    The key is not SECRET_KEY (see clinicbot/core/keys.py), so the signing key can be
    rotated and a published development key never protected these hashes.
    """
    return hmac.new(settings.AUDIT_HASH_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


def hash_key_id() -> str:
    """The id of the key :func:`phone_hash` uses now (stored beside every hash)."""
    return key_id(settings.AUDIT_HASH_KEY)


def legacy_phone_hashes(digits: str) -> frozenset[str]:
    """What audit rows written before ``AUDIT_HASH_KEY`` hold for ``digits``.

    Those rows were keyed with SECRET_KEY itself: the configured one, or the published
    development key when none was set. The phones are not stored, so the rows cannot
    be re-hashed; they stay findable by phone (marked ``legacy``) through this.
    """
    keys = {settings.SECRET_KEY, *PUBLISHED_KEYS}
    return frozenset(hmac.new(k.encode(), digits.encode(), hashlib.sha256).hexdigest() for k in keys)


def phone_variants(digits: str) -> frozenset[str]:
    """Every spelling of one phone we may have stored.

    WhatsApp ids of older Brazilian mobiles lack the ninth digit ("55 11 9999-0000" vs
    "55 11 9 9999-0000"), and some gateways report the number with a "+".
    """
    forms = {digits}
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        forms.add(digits[:4] + digits[5:])
    elif digits.startswith("55") and len(digits) == 12 and digits[4] in "6789":
        forms.add(digits[:4] + "9" + digits[4:])
    return frozenset(forms | {"+" + f for f in forms})


@dataclass(frozen=True)
class Subject:
    """A phone, its stored spellings and the conversations that belong to it."""

    phone: str
    variants: frozenset[str]
    session_ids: tuple[int, ...]
    session_keys: tuple[str, ...]

    @property
    def hash(self) -> str:
        return phone_hash(self.phone)


def subject_for(*, phone: str, lock: bool = False) -> Subject:
    """Normalise ``phone`` ("+55 (11) 9…", digits…) and find its conversations.

    With ``lock`` the session rows are locked for the transaction, so a worker answering
    this phone right now finishes (or waits) instead of writing into erased data.
    """
    try:
        digits = normalize_phone(phone)
    except InvalidPhone as exc:
        raise PrivacyError(f"telefone inválido: {exc}") from None
    variants = phone_variants(digits)
    sessions = ConversationSession.objects.filter(phone__in=variants) | ConversationSession.objects.filter(
        contact_phone__in=variants
    )
    if lock:
        sessions = ConversationSession.objects.select_for_update().filter(
            id__in=list(sessions.values_list("id", flat=True))
        )
    rows = list(sessions.order_by("id").values_list("id", "phone"))
    return Subject(
        phone=digits,
        variants=variants,
        session_ids=tuple(r[0] for r in rows),
        session_keys=tuple(r[1] for r in rows),
    )
