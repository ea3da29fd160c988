"""One webhook delivered five times at once (Meta retries overlap) is one message and one reply."""

from __future__ import annotations

import threading
import time

import pytest

from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.testing import load_clinic

from .checks import wait_settled
from .conftest import SECRET, needs_services
from .load import Delivery, LoadReport, MetaSender

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

COPIES = 5
ROUNDS = 3  # several messages, each delivered five times concurrently


def test_the_same_webhook_delivered_five_times_concurrently_gets_one_reply(stack, figure):
    load_clinic()
    web = stack.start_web()
    stack.start_worker()
    phone = "5519993300001"
    report = LoadReport()
    sender = MetaSender(web.url, SECRET, report)
    started = time.monotonic()
    for n, text in enumerate(["onde fica a clinica?", "tem estacionamento?", "quais convenios vcs aceitam?"]):
        delivery = Delivery(phone, text, f"wamid.{phone}.{n}")
        barrier = threading.Barrier(COPIES)

        def deliver(d: Delivery = delivery, b: threading.Barrier = barrier) -> None:
            b.wait(timeout=10)  # all copies leave together
            sender.deliver(d)

        threads = [threading.Thread(target=deliver) for _ in range(COPIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # The next message once this one is answered, so replies are counted per message.
        assert wait_settled(stack.api, timeout=30), stack.workers[0].log_tail()
        stored = ConversationMessage.objects.filter(direction=Direction.USER).count()
        assert stored == n + 1, f"{stored} messages stored after {n + 1} distinct webhooks"
        assert len(stack.api.texts_to(phone)) == n + 1, stack.api.texts_to(phone)
    elapsed = time.monotonic() - started
    figure(
        "duplicates",
        f"{ROUNDS} messages x {COPIES} concurrent deliveries: {report.accepted_count} acknowledged, "
        f"{ConversationMessage.objects.filter(direction=Direction.USER).count()} stored, "
        f"{len(stack.api.texts_to(phone))} replies, {elapsed:.1f} s",
    )
    assert report.accepted_count == ROUNDS * COPIES  # every copy gets a 200: a redelivery is a no-op
    assert len(stack.api.requests) == ROUNDS
