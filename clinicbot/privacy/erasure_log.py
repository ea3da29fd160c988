"""The erasure log: every erase, kept outside the database, so a restored backup forgets again.

A backup taken before a patient's erasure still holds their data; restoring it would undo
the erasure (LGPD art. 18, VI). Each erase appends one JSON line to ``ERASURE_LOG``
(default ``BACKUP_DIR/erasures.jsonl``, mode 0600, copied off the machine with the
backups) before its transaction commits:

    {"at": "<audit entry time>", "audit_id": 12, "phone_hash": "…", "hash_key_id": "…"}

Only the keyed hash is written, as in the audit trail. After a restore,
:func:`~.erasure_replay.erasure_log_reapply` erases again every phone of the restored database whose hash
is listed, unless the restored audit trail already holds that erasure or a later one of
the same phone (the backup was taken after it: data found for the phone is newer, from
the patient writing again). A re-applied erasure is audited and logged like any other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .models import PrivacyAuditEntry


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
