"""The WhatsApp flow on real Celery workers (PostgreSQL + Redis only).

Worker processes are started against the test database and the test Redis; signed Meta
webhooks arrive through Django's test client; replies go over real HTTP to a local
server playing the Graph API. Every message must be answered exactly once and in order,
through bursts, concurrent posts, two workers and a worker killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import FakeGatewayServer, meta_signature, meta_text_webhook

SECRET = "worker-app-secret"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL and Redis shared with worker processes",
    ),
]


class Workers:
    """Start and kill Celery worker processes that share this test's database and broker."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinicbot",
                "worker",
                "-Q",
                self.env["CELERY_QUEUE"],
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
                "-n",
                f"w{len(self.procs)}@%h",
            ],
            cwd=Path(settings.BASE_DIR),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # so a kill reaches the pool children too
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its pool processes: no chance to finish or ack anything."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def flow(tmp_path) -> Iterator[tuple[FakeGatewayServer, Workers]]:
    from clinicbot.celery import app

    app.control.purge()  # nothing left over from an earlier run
    with FakeGatewayServer() as api:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            # The broker this test process already uses (Celery caches its connection pool).
            "CELERY_BROKER_URL": app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_QUEUE": app.conf.task_default_queue,
            "WHATSAPP_GATEWAY": "meta",
            "META_APP_SECRET": SECRET,
            "META_ACCESS_TOKEN": "token",
            "META_PHONE_NUMBER_ID": "PNID-1",
            "META_VERIFY_TOKEN": "v",
            "META_GRAPH_URL": api.url,
            "MESSAGE_DEBOUNCE_MS": "0",
            "RATE_LIMIT_MESSAGES_PER_MINUTE": "1000",
            "CLINICBOT_VAR_DIR": str(tmp_path),
        }
        workers = Workers(env)
        try:
            with override_settings(
                WHATSAPP_GATEWAY="meta",
                META_APP_SECRET=SECRET,
                META_ACCESS_TOKEN="token",
                META_PHONE_NUMBER_ID="PNID-1",
                META_VERIFY_TOKEN="v",
                META_GRAPH_URL=api.url,
                CELERY_TASK_ALWAYS_EAGER=False,
                RATE_LIMIT_MESSAGES_PER_MINUTE=1000,
            ):
                load_clinic()
                yield api, workers
        finally:
            workers.stop_all()


def send(phone: str, text: str, mid: str) -> int:
    body = json.dumps(
        meta_text_webhook(phone=phone, text=text, message_id=mid, timestamp=int(time.time()))
    ).encode()
    return (
        Client()
        .post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
        )
        .status_code
    )


def wait_until_answered(api: FakeGatewayServer, expected: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = ConversationMessage.objects.filter(
            direction=Direction.BOT, delivery_status=DeliveryStatus.SENT
        ).count()
        if sent >= expected and len(api.requests) >= expected:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # a duplicate would arrive now


# Questions whose answers are recognisable, to check replies come back in order.
QUESTIONS = [
    ("quais convenios vcs aceitam?", "Cassi"),
    ("onde fica a clinica?", "Souza Campos"),
    ("tem estacionamento?", "manobrista"),
    ("quais especialidades vcs atendem?", "Urologia"),
]


def test_bursts_from_many_patients_are_answered_exactly_once_in_order(flow):
    api, workers = flow
    workers.start(concurrency=2)
    patients = [f"55199922{i:05d}" for i in range(8)]
    for n, (text, _) in enumerate(QUESTIONS[:3]):
        for phone in patients:
            assert send(phone, text, f"wamid.{phone}.{n}") == 200
    for phone in patients:  # a redelivery of everything: no new replies
        assert send(phone, QUESTIONS[0][0], f"wamid.{phone}.0") == 200

    expected = len(patients) * 3
    wait_until_answered(api, expected)
    assert len(api.requests) == expected, f"{len(api.requests)} replies for {expected} messages"
    for phone in patients:
        texts = api.texts_to(phone)
        assert [marker in t for (_, marker), t in zip(QUESTIONS[:3], texts, strict=True)] == [True] * 3
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()


def test_twenty_concurrent_messages_of_one_phone_are_answered_in_order_by_two_workers(flow):
    api, workers = flow
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    phone = "5519992300001"
    script = [QUESTIONS[i % len(QUESTIONS)] for i in range(20)]
    threads = [
        threading.Thread(target=send, args=(phone, text, f"wamid.C{i}")) for i, (text, _) in enumerate(script)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until_answered(api, 20)
    texts = api.texts_to(phone)
    assert len(texts) == 20
    # Replies follow the order the messages were stored in (arrival order).
    inbound = list(ConversationMessage.objects.filter(direction=Direction.USER).order_by("timestamp", "id"))
    markers = [dict(QUESTIONS)[m.content] for m in inbound]
    assert [marker in text for marker, text in zip(markers, texts, strict=True)] == [True] * 20


def test_a_worker_killed_mid_load_loses_nothing_and_repeats_nothing(flow):
    api, workers = flow
    first = workers.start(concurrency=2)
    patients = [f"55199924{i:05d}" for i in range(10)]
    for phone in patients:
        assert send(phone, QUESTIONS[0][0], f"wamid.K{phone}") == 200
    time.sleep(0.3)
    workers.kill(first)  # SIGKILL while messages are being processed and sent
    answered_before_restart = len(api.requests)
    workers.start(concurrency=2)  # on start it sweeps what was left unanswered
    wait_until_answered(api, len(patients))
    assert len(api.requests) == len(patients), (
        f"{answered_before_restart} before the kill, {len(api.requests)} in all"
    )
    for phone in patients:
        assert len(api.texts_to(phone)) == 1
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()
