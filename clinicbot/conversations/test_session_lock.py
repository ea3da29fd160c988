"""The worker's lock on a conversation (PostgreSQL): one turn at a time, without holding up intake."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from clinicbot.conversations.inbox import Incoming, inbox_store
from clinicbot.conversations.models import ConversationMessage, ConversationSession
from clinicbot.conversations.store import session_load_locked

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]
PHONE = "5511987650001"


def _in_thread(work, timeout: float) -> tuple[bool, object]:  # type: ignore[no-untyped-def]
    """Run ``work`` on its own database connection; (finished within ``timeout``, its result)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive(), outcome.get("value")


def _store_message(n: int) -> set[int]:
    item = Incoming(
        gateway="meta",
        gateway_id=f"wamid.LOCK{n}",
        conversation_key=PHONE,
        phone=PHONE,
        text="quero marcar",
        kind="text",
        timestamp=timezone.now(),
    )
    return inbox_store(items=[item], now=timezone.now())


def test_a_webhook_stores_the_next_message_while_a_turn_holds_the_conversation():
    session = ConversationSession.objects.create(phone=PHONE, last_activity=timezone.now())
    turn_done = threading.Event()

    def turn() -> str:
        with transaction.atomic():
            stored = session_load_locked(session_id=session.id)
            assert stored is not None
            turn_done.wait(10)  # e.g. an LLM call in progress
        return "done"

    turn_thread = threading.Thread(target=lambda: _in_thread(turn, 15), daemon=True)
    turn_thread.start()
    try:
        finished, sessions = _in_thread(lambda: _store_message(1), timeout=3)
        assert finished, "storing a message waited for the turn's lock"
        assert sessions == {session.id}
    finally:
        turn_done.set()
        turn_thread.join(15)
    assert ConversationMessage.objects.filter(session=session).count() == 1


def test_a_second_worker_waits_for_the_turn_in_progress():
    session = ConversationSession.objects.create(phone=PHONE, last_activity=timezone.now())
    release = threading.Event()
    locked = threading.Event()

    def first() -> None:
        with transaction.atomic():
            session_load_locked(session_id=session.id)
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=lambda: _in_thread(first, 15), daemon=True)
    holder.start()
    assert locked.wait(5)

    def second() -> dt.datetime:
        with transaction.atomic():
            session_load_locked(session_id=session.id)
        return timezone.now()

    finished, _ = _in_thread(second, timeout=1)
    assert not finished  # blocked while the first turn holds the conversation
    release.set()
    holder.join(15)
