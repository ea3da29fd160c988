"""The erasure log: every erase, kept outside the database, so a restored backup forgets again.

A backup taken before a patient's erasure still holds their data; restoring it would undo
the erasure (LGPD art. 18, VI). Each erase appends one JSON line to ``ERASURE_LOG``
(default ``BACKUP_DIR/erasures.jsonl``, mode 0600, copied off the machine with the
backups) before its transaction commits:

    {"at": "<audit entry time>", "audit_id": 12, "phone_hash": "…", "hash_key_id": "…"}

Only the keyed hash is written, as in the audit trail. After a restore,
:func:`erasure_log_reapply` erases again every phone of the restored database whose hash
is listed, unless the restored audit trail already holds that erasure or a later one of
the same phone (the backup was taken after it: data found for the phone is newer, from
the patient writing again). A re-applied erasure is audited and logged like any other.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinicbot.conversations.models import ConversationSession
from clinicbot.core.phones import InvalidPhone, normalize_phone
from clinicbot.outreach.models import OutboundNotification
from clinicbot.scheduling.models import Appointment, WaitlistEntry

from .models import PrivacyAction, PrivacyAuditEntry
from .subject import hash_key_id, phone_hash, phone_variants


def erasure_log_append(*, path: Path, entry: PrivacyAuditEntry) -> None:
    """Append ``entry`` (an erase) durably; raises OSError so the erase itself rolls back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "at": entry.created_at.isoformat(),
        "audit_id": entry.id,
        "phone_hash": entry.phone_hash,
        "hash_key_id": entry.hash_key_id,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (json.dumps(line) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def erasure_log_read(path: Path) -> list[dict[str, Any]]:
    """The log's entries, oldest first; a missing file is an empty log."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


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
    from .services import patient_data_erase  # services import this module

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
