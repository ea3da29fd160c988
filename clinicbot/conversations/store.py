"""The session store: read-through cache in front of the database, written through.

Reads try the cache first and fall back to the database (cache-aside); every change is
written to the database in the turn's transaction and to the cache after commit
(write-through), so a restart or a flushed cache loses nothing and a rolled-back turn
never leaves a cache entry the database does not have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from clinicbot.core.cache import safe_delete, safe_get, safe_set
from clinicbot.core.prepared import PreparedQuery
from clinicbot.engine.state import Bookkeeping, Context, SessionState, parse_state

from .models import ConversationSession

_KEY = "session:v1:{phone}"


@dataclass
class StoredSession:
    """A session's state plus the bookkeeping the store needs."""

    id: int
    state: SessionState
    last_activity: dt.datetime | None


def _key(phone: str) -> str:
    return _KEY.format(phone=phone)


def _to_state(row: ConversationSession) -> SessionState:
    return SessionState(
        phone=row.phone,
        state=parse_state(row.current_state),
        previous_state=row.previous_state,
        patient_name=row.patient_name,
        specialty=row.selected_specialty,
        doctor=row.selected_doctor,
        insurance=row.selected_insurance,
        date=row.preferred_date.isoformat() if row.preferred_date else "",
        time=f"{row.preferred_time:%H:%M}" if row.preferred_time else "",
        period=row.preferred_period,
        context=Context.from_dict(row.context or {}),
        handed_off=row.handed_off,
        bookkeeping=Bookkeeping.from_dict(row.context or {}),
    )


def _columns(state: SessionState) -> dict[str, Any]:
    return {
        "patient_name": state.patient_name[:150],
        "current_state": str(state.state),
        "previous_state": state.previous_state,
        "selected_specialty": state.specialty,
        "selected_doctor": state.doctor,
        "selected_insurance": state.insurance,
        "preferred_date": dt.date.fromisoformat(state.date) if state.date else None,
        "preferred_time": dt.time.fromisoformat(state.time) if state.time else None,
        "preferred_period": state.period,
        "context": state.stored_context(),
        "handed_off": state.handed_off,
    }


def _cache_payload(stored: StoredSession) -> dict[str, Any]:
    return {"id": stored.id, "state": stored.state.to_dict(), "last_activity": stored.last_activity}


def session_load(*, phone: str, now: dt.datetime) -> StoredSession:
    """The session of ``phone`` from the cache, else the database (created if new)."""
    cached = safe_get(_key(phone))
    if cached is not None:
        return StoredSession(
            cached["id"], SessionState.from_dict(cached["state"]), cached.get("last_activity")
        )
    row = ConversationSession.objects.filter(phone=phone).first()
    if row is not None:
        return StoredSession(row.id, _to_state(row), row.last_activity)
    # An upsert, not get_or_create: one statement, no savepoint, and safe if another
    # process created the row a moment ago (then that row's id comes back).
    (row,) = ConversationSession.objects.bulk_create(
        [ConversationSession(phone=phone, last_activity=now)],
        update_conflicts=True,
        unique_fields=["phone"],
        update_fields=["last_activity"],
    )
    return StoredSession(row.id, _to_state(row), None)


def session_load_locked(*, session_id: int) -> StoredSession | None:
    """Lock the session row for this transaction and read its state from it (worker path)."""
    rows = _LOCKED_SESSION(session_id=session_id)
    if not rows:
        return None
    return StoredSession(rows[0].id, _to_state(rows[0]), rows[0].last_activity)


def session_load_locked_by_phone(*, phone: str) -> StoredSession | None:
    """:func:`session_load_locked` by the conversation key (synchronous channels know the phone)."""
    rows = _LOCKED_SESSION_BY_PHONE(phone=phone)
    if not rows:
        return None
    return StoredSession(rows[0].id, _to_state(rows[0]), rows[0].last_activity)


# Every message's turn starts here: compiled once (see core.prepared). FOR NO KEY UPDATE
# (PostgreSQL) still serialises the workers of one conversation, but unlike FOR UPDATE it
# does not block the KEY SHARE lock each new message's foreign key takes: a webhook storing
# the patient's next message never waits for the turn in progress (an LLM call included).
_LOCKED_SESSION = PreparedQuery(
    lambda session_id: ConversationSession.objects.select_for_update(no_key=True).filter(id=session_id),
    session_id=-7_310_001,
)


def session_save(*, stored: StoredSession, now: dt.datetime) -> None:
    """Write the state to the database now and to the cache once the transaction commits."""
    stored.last_activity = now
    ConversationSession.objects.filter(id=stored.id).update(
        last_activity=now, updated_at=now, **_columns(stored.state)
    )
    payload = _cache_payload(stored)
    transaction.on_commit(lambda: safe_set(_key(stored.state.phone), payload, settings.SESSION_CACHE_TTL))


def session_forget_cache(*, phone: str) -> None:
    """Drop the cached copy (staff edits in admin, hand-back)."""
    safe_delete(_key(phone))


_LOCKED_SESSION_BY_PHONE = PreparedQuery(
    lambda phone: ConversationSession.objects.select_for_update(no_key=True).filter(phone=phone),
    phone="sample-7310003",
)
