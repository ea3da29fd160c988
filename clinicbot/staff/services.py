"""Staff writes on conversations: reply to a patient (the assistant stays quiet meanwhile)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clinicbot.conversations.handoffs import handoff_record
from clinicbot.conversations.inbox import MAX_CONTENT
from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction, HandoffSource
from clinicbot.conversations.store import session_load_locked, session_save
from clinicbot.core.tasks import enqueue
from clinicbot.engine.dialogue import entry as dialogue


class StaffDeskError(Exception):
    """A staff action that cannot be done; the message is shown to staff as is (pt-BR)."""


def staff_reply(
    *, session_id: int, author: AbstractBaseUser, text: str, now: dt.datetime | None = None
) -> ConversationMessage:
    """Store a staff message for the patient and send it through the outbox after commit.

    A reply means a person is handling the conversation: if it was not handed off yet it
    is now, so the assistant does not talk over the staff member.
    """
    text = text.strip()
    if not text:
        raise StaffDeskError("Escreva a mensagem antes de enviar.")
    if len(text) > MAX_CONTENT:
        raise StaffDeskError(f"A mensagem passa do limite do WhatsApp ({MAX_CONTENT} caracteres).")
    now = now or timezone.now()
    with transaction.atomic():
        stored = session_load_locked(session_id=session_id)
        if stored is None:
            raise StaffDeskError("Conversa não encontrada.")
        if not stored.state.handed_off:  # staff take over a conversation the assistant had
            handoff_record(at=now, source=HandoffSource.STAFF)
        dialogue.hand_to_staff(stored.state, now=now)
        message = ConversationMessage.objects.create(
            session_id=session_id,
            direction=Direction.STAFF,
            content=text,
            payload={"author": author.get_username(), "author_id": author.pk, "author_name": _name(author)},
            delivery_status=DeliveryStatus.PENDING,
            timestamp=now,
        )
        session_save(stored=stored, now=now)
        transaction.on_commit(lambda: _send(session_id))
    return message


def _name(user: AbstractBaseUser) -> str:
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or user.get_username())


def _send(session_id: int) -> None:
    from clinicbot.whatsapp.tasks import send_outbox  # the same path as the assistant's replies

    enqueue(send_outbox, session_id)
