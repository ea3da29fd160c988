"""The WhatsApp flow on a real Celery worker (PostgreSQL + Redis only).

A worker process is started against the test database and a private Redis database;
signed Meta webhooks arrive through Django's test client, replies go over real HTTP to
a local server playing the Graph API. Several patients write several messages at once:
every message must be answered exactly once and in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.testing_support import load_clinic
from clinicbot.testing_support.fake_gateway import FakeGatewayServer, meta_signature, meta_text_webhook

SECRET = "worker-app-secret"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL and Redis shared with a worker process",
    ),
]


@pytest.fixture
def worker_env(tmp_path):
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
            "MESSAGE_DEBOUNCE_MS": "0",
            "META_GRAPH_URL": api.url,
            "CLINICBOT_VAR_DIR": str(tmp_path),
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinicbot",
                "worker",
                "-Q",
                env["CELERY_QUEUE"],
                "-c",
                "2",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            with override_settings(
                WHATSAPP_GATEWAY="meta",
                META_APP_SECRET=SECRET,
                META_ACCESS_TOKEN="token",
                META_PHONE_NUMBER_ID="PNID-1",
                META_VERIFY_TOKEN="v",
                META_GRAPH_URL=api.url,
                CELERY_TASK_ALWAYS_EAGER=False,
            ):
                yield api, worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def send(client: Client, phone: str, text: str, mid: str) -> int:
    body = json.dumps(
        meta_text_webhook(phone=phone, text=text, message_id=mid, timestamp=int(time.time()))
    ).encode()
    return client.post(
        "/webhooks/meta/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
    ).status_code


def test_bursts_from_many_patients_are_answered_exactly_once_in_order(worker_env):
    api, worker = worker_env
    load_clinic()
    client = Client()
    patients = [f"55199922{i:05d}" for i in range(8)]
    script = ["oi", "quais convenios vcs aceitam?", "onde fica a clinica?"]
    for n, text in enumerate(script):
        for phone in patients:
            assert send(client, phone, text, f"wamid.{phone}.{n}") == 200
    # A redelivery of everything: no new replies.
    for phone in patients:
        assert send(client, phone, script[0], f"wamid.{phone}.0") == 200

    expected = len(patients) * len(script)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = ConversationMessage.objects.filter(
            direction=Direction.BOT, delivery_status=DeliveryStatus.SENT
        ).count()
        if done >= expected and len(api.requests) >= expected:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # anything extra (a duplicate) would arrive now
    assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
    assert len(api.requests) == expected, f"{len(api.requests)} replies for {expected} messages"
    for phone in patients:
        texts = api.texts_to(phone)
        assert len(texts) == 3
        assert "Olá" in texts[0] and "Cassi" in texts[1] and "Souza Campos" in texts[2]
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()
