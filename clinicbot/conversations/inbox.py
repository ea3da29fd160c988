"""Durable intake of gateway messages: stored before the webhook is acknowledged."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from .voice_notes import voice_notes_store, voice_payload

# Stored statuses only move forward (statuses arrive unordered and may skip steps).
_STATUS_RANK = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.FAILED: 5,
}
MAX_CONTENT = 4096  # what we keep of one message; WhatsApp's own limit


@dataclass(frozen=True)
class Incoming:
    """A gateway message as the inbox needs it (built by the webhook view)."""

    gateway: str
    gateway_id: str
    conversation_key: str
    phone: str
    text: str
    kind: str
    timestamp: dt.datetime
    contact_name: str = ""
    choice_id: str = ""
    # kind "audio": where the gateway keeps it (see whatsapp.gateways.base.MediaRef).
    media: Any = None


def conversation_key(raw: str) -> str:
    """Digits for phone-like ids (wa_id, JID user part), the raw id otherwise (``@lid``)."""
    local = raw.split("@", 1)[0]
    return local if re.fullmatch(r"\d{6,20}", local) and not raw.endswith("@lid") else raw[:64]


def session_ids(items: Sequence[Incoming], now: dt.datetime) -> dict[str, int]:
    """The conversation of each message's key, created on first contact (call inside a transaction)."""
    return _session_ids(items, now)


def _session_ids(items: Sequence[Incoming], now: dt.datetime) -> dict[str, int]:
    keys = {conversation_key(m.conversation_key) for m in items}
    found = dict(ConversationSession.objects.filter(phone__in=keys).values_list("phone", "id"))
    missing = [m for m in items if conversation_key(m.conversation_key) not in found]
    if missing:
        rows = {}
        for m in missing:
            key = conversation_key(m.conversation_key)
            rows[key] = ConversationSession(
                phone=key,
                contact_phone=m.phone,
                contact_name=m.contact_name[:150],
                gateway=m.gateway,
                last_activity=now,
            )
        # Upsert: another webhook may be creating the same conversation right now.
        created = ConversationSession.objects.bulk_create(
            rows.values(), update_conflicts=True, unique_fields=["phone"], update_fields=["gateway"]
        )
        found.update({row.phone: row.id for row in created if row.id is not None})
    return found


def inbox_store(*, items: Sequence[Incoming], now: dt.datetime) -> set[int]:
    """Store the messages (a redelivered id is a no-op); return sessions with new work."""
    if not items:
        return set()
    with transaction.atomic():
        sessions = _session_ids(items, now)
        rows = []
        for m in items:
            text = m.choice_id if m.choice_id.isdigit() else m.text
            rows.append(
                ConversationMessage(
                    session_id=sessions[conversation_key(m.conversation_key)],
                    direction=Direction.USER,
                    content=text[:MAX_CONTENT],
                    payload={
                        "kind": m.kind,
                        **({"choice_id": m.choice_id, "title": m.text} if m.choice_id else {}),
                        **voice_payload(kind=m.kind, media=m.media),
                    },
                    gateway_message_id=f"{m.gateway}:{m.gateway_id}",
                    delivery_status=DeliveryStatus.RECEIVED,
                    timestamp=m.timestamp,
                )
            )
        ConversationMessage.objects.bulk_create(rows, ignore_conflicts=True)
        voice_notes_store(items=items)
    return set(sessions.values())


def statuses_apply(*, gateway: str, updates: Iterable[tuple[str, str, str]]) -> int:
    """Move stored delivery statuses forward: ``(gateway_id, status, error)`` triples."""
    changed = 0
    for gateway_id, status, error in updates:
        if status not in _STATUS_RANK:
            continue
        rank = _STATUS_RANK[DeliveryStatus(status)]
        lower = [s for s, r in _STATUS_RANK.items() if r < rank]
        changed += ConversationMessage.objects.filter(
            gateway_message_id=f"{gateway}:{gateway_id}",
            direction__in=[Direction.BOT, Direction.STAFF],
            delivery_status__in=lower,
        ).update(delivery_status=status, error=error[:500])
    return changed
