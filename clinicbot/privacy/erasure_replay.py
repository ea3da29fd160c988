"""Erasing again, after a restore, every phone the erasure log names (``manage.py restore``).

A backup taken before an erasure still holds the patient; the erasure log (kept outside the
database, :mod:`.erasure_log`) says whom to erase again. Apart from the log itself because it
erases through :mod:`.services`, which appends to the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from clinicbot.conversations.models import ConversationSession
from clinicbot.core.phones import InvalidPhone, normalize_phone
from clinicbot.outreach.models import OutboundNotification
from clinicbot.scheduling.models import Appointment, WaitlistEntry

from .erasure_log import erasure_log_read
from .models import PrivacyAction, PrivacyAuditEntry
from .services import patient_data_erase
from .subject import hash_key_id, phone_hash, phone_variants


def _stored_phones() -> dict[str, str]:
    """hash -> normalised phone, for every spelling of every phone the database holds."""
    values: set[str] = set()
    for model, fields in (
        (ConversationSession, ("phone", "contact_phone")),
        (Appointment, ("phone",)),
        (OutboundNotification, ("phone",)),
        (WaitlistEntry, ("phone",)),
    ):
        for field in fields:
            values.update(model.objects.exclude(**{field: ""}).values_list(field, flat=True).distinct())
    hashes: dict[str, str] = {}
    for value in values:
        try:
            digits = normalize_phone(value)
        except InvalidPhone:
            continue  # "anonimizado", an unreadable id
        for spelling in phone_variants(digits):
            hashes.setdefault(phone_hash(spelling.lstrip("+")), digits)
    return hashes


@dataclass(frozen=True)
class ReapplyResult:
    """What a re-application did."""

    erased: int  # phones erased again
    already_in_backup: int  # erasures the restored audit trail already holds
    other_key: int  # entries hashed with another AUDIT_HASH_KEY: cannot be matched


def erasure_log_reapply(*, path: Path, now: dt.datetime) -> ReapplyResult:
    """Erase again, in the current database, every logged phone it still holds."""
    current_key = hash_key_id()
    stored = _stored_phones()
    erased = already = other = 0
    for line in erasure_log_read(path):
        if line.get("hash_key_id") != current_key:
            other += 1
            continue
        if PrivacyAuditEntry.objects.filter(
            action=PrivacyAction.ERASE,
            phone_hash=line["phone_hash"],
            created_at__gte=dt.datetime.fromisoformat(line["at"]),
        ).exists():
            already += 1
            continue
        phone = stored.pop(line["phone_hash"], None)
        if phone is not None:
            patient_data_erase(phone=phone, actor="restore", now=now)
            erased += 1
    return ReapplyResult(erased=erased, already_in_backup=already, other_key=other)
