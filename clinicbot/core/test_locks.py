"""conversation_lock: two threads of one process never hold one conversation's lock together."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from clinicbot.core.locks import conversation_lock

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_threads_sending_one_conversations_replies_take_turns():
    """The embedded default sends from request threads and the scheduler's pool at once:
    without the lock two senders of one conversation could interleave its replies."""
    inside: list[str] = []
    overlaps: list[str] = []

    def sender(name: str) -> None:
        try:
            with conversation_lock(41, purpose=2):
                if inside:
                    overlaps.append(name)
                inside.append(name)
                time.sleep(0.2)
                inside.remove(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert overlaps == []
