"""Faults aimed at the send window: the gateway has the reply, the "sent" mark is not committed yet.

The Graph API double holds every send unanswered until the test releases it, so the fault
lands exactly in the window where a duplicate is born (random timing hits it rarely):

* ``send_window``: the Celery worker is SIGKILLed while four replies wait at the gateway,
  which then accepts them all. Two of them get Meta's status webhook (carrying our outbox id
  in ``biz_opaque_callback_data``), two do not. A new worker must send none of the first two
  again, and the other two exactly once more each — after the grace period, counted and
  noted for staff;
* ``send_window_db``: the worker loses PostgreSQL while two replies wait at the gateway; the
  database comes back 3 s later and the periodic sweeper runs. Nothing may be sent twice.
"""

from __future__ import annotations

import time

import pytest
from django.db import close_old_connections, connection

from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.testing import load_clinic
from clinicbot.whatsapp.outbox import RESENT
from clinicbot.whatsapp.tasks import sweep_unprocessed

from .checks import reference_run, wait_settled
from .conftest import SECRET, database_url, needs_services
from .load import Delivery, LoadReport, MetaSender
from .processes import TcpProxy

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

QUESTION = "tem estacionamento?"
GRACE = 4


def _deliver(web_url: str, phones: list[str]) -> None:
    sender = MetaSender(web_url, SECRET, LoadReport())
    for phone in phones:
        assert sender.deliver(Delivery(phone, QUESTION, f"wamid.{phone}.0"))


def _replies(phone: str) -> list[ConversationMessage]:
    close_old_connections()
    return list(
        ConversationMessage.objects.filter(session__phone=phone, direction=Direction.BOT).order_by("id")
    )


def test_a_worker_killed_in_the_send_window_resends_only_replies_no_status_webhook_confirmed(stack, figure):
    load_clinic()
    per_message, _ = reference_run("5519990000000", [QUESTION])
    expected = per_message[0]
    env = {**stack.env, "OUTBOX_UNCERTAIN_GRACE_SECONDS": str(GRACE)}
    confirmed = [f"55199977{i:05d}" for i in range(2)]
    unconfirmed = [f"55199978{i:05d}" for i in range(2)]
    stack.api.statuses_for = lambda body: body.get("to") in confirmed
    web = stack.start_web(env=env)
    first = stack.start_worker(env=env, concurrency=4)
    stack.api.hold()
    _deliver(web.url, confirmed + unconfirmed)
    assert stack.api.wait_held(4, timeout=60), first.log_tail()

    first.kill9()  # each of the four replies is at the gateway; no "sent" was committed
    killed = time.monotonic()
    stack.api.release()  # ... and the gateway accepted every one of them
    stack.start_worker(env=env)
    settled = wait_settled(stack.api, timeout=60)
    copies = {phone: len(stack.api.texts_to(phone)) for phone in confirmed + unconfirmed}
    resend_at = [
        r["at"] - killed
        for r in stack.api.requests
        if r["json"].get("to") in unconfirmed and r["at"] > killed + 0.5
    ]
    rows = {phone: _replies(phone) for phone in confirmed + unconfirmed}
    marked = {phone: sum(r.uncertain_resends for r in rows[phone]) for phone in rows}
    figure(
        "send_window",
        f"4 replies at the gateway when the worker was killed: confirmed by status webhook "
        f"{sum(copies[p] - expected for p in confirmed)} resent; unconfirmed "
        f"{sum(copies[p] - expected for p in unconfirmed)} resent (each once), "
        f"{sum(marked.values())} marked for staff, resent {min(resend_at, default=0):.1f}–"
        f"{max(resend_at, default=0):.1f} s after the kill (grace {GRACE} s)",
    )
    assert settled, stack.workers[-1].log_tail()
    assert stack.api.statuses_delivered >= len(confirmed)
    for phone in confirmed:  # the status webhook proved them sent: never again
        assert copies[phone] == expected, (phone, copies)
        assert marked[phone] == 0
    for phone in unconfirmed:  # nothing proves them sent: once more, and staff can see it
        assert copies[phone] == expected + 1, (phone, copies)
        assert marked[phone] == 1
        assert [r.error for r in rows[phone] if r.uncertain_resends] == [RESENT]
    assert resend_at and min(resend_at) >= GRACE - 1.5, resend_at


def test_a_worker_that_loses_the_database_in_the_send_window_records_the_send_and_never_repeats_it(
    stack, figure
):
    load_clinic()
    per_message, _ = reference_run("5519990000000", [QUESTION])
    expected = per_message[0]
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    env = {**stack.env, "OUTBOX_UNCERTAIN_GRACE_SECONDS": "20"}
    phones = [f"55199979{i:05d}" for i in range(2)]
    stack.api.statuses_for = lambda body: False  # only the sender knows the reply went out
    try:
        web = stack.start_web(env=env)
        worker = stack.start_worker(env={**env, "DATABASE_URL": database_url(port=proxy.port)})
        stack.api.hold()
        _deliver(web.url, phones)
        assert stack.api.wait_held(2, timeout=60), worker.log_tail()
        proxy.cut()  # the worker's connections die (and its conversation locks with them)
        stack.api.release()  # the gateway accepts both replies
        time.sleep(3)
        proxy.restore()
        # What the periodic sweeper does every minute: resend whatever looks unsent.
        sweep_unprocessed.apply_async(kwargs={"older_than_seconds": 0}, queue=stack.env["CELERY_QUEUE"])
        settled = wait_settled(stack.api, timeout=60)
        time.sleep(2)
    finally:
        proxy.close()
    copies = {phone: len(stack.api.texts_to(phone)) for phone in phones}
    rows = [r for phone in phones for r in _replies(phone)]
    figure(
        "send_window_db",
        f"2 replies at the gateway when the worker lost PostgreSQL for 3 s: "
        f"{sum(copies.values()) - expected * len(phones)} sent twice, "
        f"{sum(r.uncertain_resends for r in rows)} resent; statuses {sorted({r.delivery_status for r in rows})}",
    )
    assert settled, worker.log_tail()
    assert copies == dict.fromkeys(phones, expected), (copies, worker.log_tail())
    assert all(r.uncertain_resends == 0 for r in rows)
