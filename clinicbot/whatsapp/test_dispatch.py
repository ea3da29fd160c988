"""With the task broker down, the webhook's own process answers; the first publish that works drains.

The broker's refusal is injected where Celery publishes (``apply_async`` raising kombu's
connection error); the replies go over real HTTP to a local Graph API double.
tests/reliability/test_broker_outage.py plays the same with a real Redis killed and restarted.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from kombu.exceptions import OperationalError

from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.core.metrics import BROKER_FALLBACKS
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api, meta_signature, meta_text_webhook
from clinicbot.whatsapp import dispatch
from clinicbot.whatsapp.tasks import process_conversation, sweep_unprocessed

SECRET = "dispatch-app-secret"
pytestmark = pytest.mark.django_db(transaction=True)


class Broker:
    """Stands in for Celery's publish: refuses while ``down``, records what it accepts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = True
        self.attempts = 0
        self.queued: list[str] = []
        for task in (process_conversation, sweep_unprocessed):
            monkeypatch.setattr(task, "apply_async", self._publisher(task.name))

    def _publisher(self, name: str):  # type: ignore[no-untyped-def]
        def apply_async(*args: object, **kwargs: object) -> None:
            self.attempts += 1
            if self.down:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.queued.append(name.rsplit(".", 1)[-1])

        return apply_async


@pytest.fixture
def api(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MESSAGE_DEBOUNCE_MS = 0
    with meta_cloud_api(secret=SECRET) as server:
        load_clinic()
        yield server
    # Let the background threads finish before the test database is flushed.
    if dispatch._pool is not None:
        dispatch._pool[1].shutdown(wait=True)
    dispatch._pool, dispatch._broker_down_until = None, 0.0
    dispatch._queued.clear()


def post(phone: str, text: str, mid: str) -> int:
    body = json.dumps(meta_text_webhook(phone=phone, text=text, message_id=mid, timestamp=int(time.time())))
    return (
        Client()
        .post(
            "/webhooks/meta/",
            data=body.encode(),
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body.encode(), SECRET),
        )
        .status_code
    )


def wait_for(check, timeout: float = 15) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_with_the_broker_down_the_webhook_process_answers_in_the_background(api, monkeypatch):
    broker = Broker(monkeypatch)
    phone = "5519991240001"
    started = time.monotonic()
    assert post(phone, "tem estacionamento?", "wamid.D1") == 200
    acknowledged = time.monotonic() - started
    assert wait_for(lambda: api.texts_to(phone)), "nobody answered while the broker was down"
    assert "manobrista" in api.texts_to(phone)[0]
    assert acknowledged < 2, "the webhook must not wait for the answer"
    assert broker.attempts == 1


def test_after_a_refused_publish_the_broker_is_spared_then_its_return_drains_the_backlog(api, monkeypatch):
    broker = Broker(monkeypatch)
    before = BROKER_FALLBACKS._value.get()
    assert post("5519991240002", "oi", "wamid.D2") == 200
    assert wait_for(lambda: len(api.requests) >= 1)  # (SQLite's in-memory test database takes one writer)
    assert post("5519991240003", "oi", "wamid.D3") == 200
    assert broker.attempts == 1, "a second try within seconds only slows the webhook down"
    assert BROKER_FALLBACKS._value.get() == before + 2
    assert wait_for(lambda: len(api.requests) >= 2)

    broker.down = False
    dispatch._broker_down_until = time.monotonic()  # the back-off has passed
    assert post("5519991240004", "oi", "wamid.D4") == 200
    # The task for this message, then one sweep for whatever the outage left unanswered.
    assert broker.queued == ["process_conversation", "sweep_unprocessed"]
    assert post("5519991240005", "oi", "wamid.D5") == 200
    assert broker.queued[-1] == "process_conversation"  # no more sweeps once it is back


def test_messages_of_one_phone_inside_the_window_are_one_background_turn(api, monkeypatch, settings):
    settings.MESSAGE_DEBOUNCE_MS = 800
    Broker(monkeypatch)
    before = BROKER_FALLBACKS._value.get()
    phone = "5519991240006"
    for n, text in enumerate(["oi", "quero saber", "tem estacionamento?"]):
        assert post(phone, text, f"wamid.W{n}") == 200
    assert wait_for(
        lambda: not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()
    )
    assert BROKER_FALLBACKS._value.get() == before + 1
    assert wait_for(lambda: api.texts_to(phone))
    time.sleep(0.5)
    turns = set(
        ConversationMessage.objects.filter(direction=Direction.USER).values_list("processed_at", flat=True)
    )
    assert len(turns) == 1, turns


def test_with_the_fallback_off_a_message_stored_during_the_outage_waits_for_the_worker(
    api, monkeypatch, settings
):
    settings.BROKER_FALLBACK_THREADS = 0
    Broker(monkeypatch)
    assert post("5519991240007", "tem estacionamento?", "wamid.D7") == 200
    time.sleep(0.5)
    assert api.requests == []
    assert ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).count() == 1
