"""The embedded default under concurrency: a real threaded server on a SQLite file, no broker.

``make run`` serves the Meta webhook with ``runserver`` (one thread per request) on a SQLite
file, tasks in-process and the default 1.5 s debounce. Twenty patients writing at the same
instant must all get 200s and every message must be answered, each reply sent once.

The scenario starts its own server and database (a throw-away ``CLINICBOT_VAR_DIR``), so
it runs once, on the SQLite pass; the PostgreSQL pass has the process scenarios of
``tests/reliability`` for the production topology.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from clinicbot.testing.fake_gateway import FakeGatewayServer, meta_signature, meta_text_webhook
from tests.reliability.processes import ManagedProcess, WebServer, free_port, wait_until

SECRET = "embedded-app-secret"
BASE = Path(settings.BASE_DIR)
PATIENTS = 20

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")),
        reason="embedded-default scenario (its own SQLite file and server): runs on the SQLite pass",
    ),
]


@dataclass
class Embedded:
    port: int
    env: dict[str, str]
    var_dir: Path
    graph: FakeGatewayServer
    server: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.var_dir / "clinicbot.sqlite3"

    def start(self) -> ManagedProcess:
        """``runserver`` as ``make run`` starts it (threaded), on the same port every time."""
        self.server = ManagedProcess(
            "runserver",
            [sys.executable, str(BASE / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            env=self.env,
            cwd=BASE,
            log_dir=self.var_dir,
        ).start()
        up = wait_until(lambda: httpx.get(f"{self.url}/health", timeout=1).status_code == 200, timeout=60)
        assert up, f"runserver did not come up:\n{self.server.log_tail()}"
        return self.server


def _env(var_dir: Path, graph_url: str) -> dict[str, str]:
    """The environment of ``make run`` with Meta configured: nothing but the gateway set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_TASK_ALWAYS_EAGER",
            "MESSAGE_DEBOUNCE_MS",
            "TEST_DATABASE_NAME",
            "PROMETHEUS_MULTIPROC_DIR",
        }
    }
    env.update(
        CLINICBOT_VAR_DIR=str(var_dir),
        WHATSAPP_GATEWAY="meta",
        META_APP_SECRET=SECRET,
        META_VERIFY_TOKEN="verify",
        META_ACCESS_TOKEN="token",
        META_PHONE_NUMBER_ID="PNID-1",
        META_GRAPH_URL=graph_url,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="clinicbot.settings",
    )
    return env


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    var_dir = tmp_path_factory.mktemp("embedded")
    with FakeGatewayServer() as graph:
        env = _env(var_dir, graph.url)
        for command in (["migrate", "--noinput"], ["import_clinic", "tests/eval/clinic_alt.yaml"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE, env=env, capture_output=True, timeout=300
            )
            assert done.returncode == 0, done.stderr.decode()[-3000:]
        embedded = Embedded(free_port(), env, var_dir, graph)
        embedded.start()
        try:
            yield embedded
        finally:
            assert embedded.server is not None
            embedded.server.stop()


def _post(client: httpx.Client, url: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    response = client.post(
        f"{url}/webhooks/meta/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, SECRET)},
        timeout=60,
    )
    return response.status_code


def server_log(embedded: Embedded, chars: int = 3000) -> str:
    return embedded.server.log_tail(chars) if embedded.server else ""


def _rows(database: Path, sql: str) -> list[tuple]:
    """Read the server's database the way a second process would (WAL: never blocks the writer)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def test_twenty_patients_writing_at_once_get_no_error_and_every_message_is_answered_once(embedded):
    phones = [f"551998{i:07d}" for i in range(PATIENTS)]
    # Each patient: a greeting, then (after the window) two messages in quick succession.
    script = [(0.0, "oi"), (3.0, "quais convenios vcs aceitam?"), (0.2, "e qual o endereço?")]
    start = threading.Barrier(PATIENTS)
    codes: list[int] = []

    def patient(index: int) -> None:
        phone = phones[index]
        with httpx.Client() as client:
            start.wait()  # all twenty hit the server at the same instant
            for step, (pause, text) in enumerate(script):
                time.sleep(pause)
                payload = meta_text_webhook(
                    phone=phone,
                    text=text,
                    message_id=f"wamid.EMB{index:02d}{step}",
                    timestamp=int(time.time()),
                )
                codes.append(_post(client, embedded.url, payload))

    started = time.monotonic()
    with ThreadPoolExecutor(PATIENTS) as pool:
        list(pool.map(patient, range(PATIENTS)))
    sent_at = time.monotonic()

    assert Counter(codes) == Counter({200: PATIENTS * len(script)}), (
        f"{Counter(codes)}\n{server_log(embedded)}"
    )

    def all_answered() -> bool:
        (left,) = _rows(
            embedded.database,
            "SELECT count(*) FROM conversations_conversationmessage WHERE direction = 'user' "
            "AND processed_at IS NULL",
        )[0]
        (unsent,) = _rows(
            embedded.database,
            "SELECT count(*) FROM conversations_conversationmessage WHERE direction = 'bot' "
            "AND delivery_status IN ('pending', 'sending')",
        )[0]
        return left == 0 and unsent == 0

    assert wait_until(all_answered, timeout=90, interval=0.5), server_log(embedded)
    answered_at = time.monotonic()

    users = _rows(
        embedded.database,
        "SELECT s.phone, m.processed_at FROM conversations_conversationmessage m "
        "JOIN conversations_conversationsession s ON s.id = m.session_id WHERE m.direction = 'user'",
    )
    bots = _rows(
        embedded.database,
        "SELECT s.phone, m.timestamp, m.content, m.delivery_status, m.gateway_message_id, m.attempts "
        "FROM conversations_conversationmessage m "
        "JOIN conversations_conversationsession s ON s.id = m.session_id WHERE m.direction = 'bot'",
    )
    assert len(users) == PATIENTS * len(script)  # every acknowledged message was stored
    turns: dict[str, set[str]] = defaultdict(set)
    for phone, processed_at in users:
        turns[phone].add(processed_at)
    replies: dict[str, list[tuple]] = defaultdict(list)
    for phone, timestamp, content, status, gateway_id, attempts in bots:
        replies[phone].append((timestamp, content))
        assert status == "sent" and attempts == 1 and gateway_id.startswith("meta:wamid.FAKE")
    for phone in phones:
        # Each turn (a processed_at) produced replies, and no reply belongs to an unknown turn:
        # a message answered twice would leave a second batch of replies.
        assert {t for t, _ in replies[phone]} == turns[phone], phone
        # Exactly the stored replies reached the patient, each once.
        assert len(embedded.graph.texts_to(phone)) == len(replies[phone]), phone
    log = server_log(embedded, 200_000)
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    print(
        f"embedded concurrency: {PATIENTS} patients, {len(users)} messages, {len(bots)} replies, "
        f"0 errors; sending took {sent_at - started:.1f} s, last reply {answered_at - sent_at:.1f} s after"
    )


def test_messages_waiting_for_their_window_when_the_server_is_killed_are_answered_after_a_restart(embedded):
    """kill -9 while the debounce timers are pending: they lived in memory only, but the
    messages were committed before the 200, and the restarted server's sweeper answers them."""
    phones = [f"551997{i:07d}" for i in range(5)]
    before = len(embedded.graph.requests)

    def write(index: int) -> int:
        payload = meta_text_webhook(
            phone=phones[index],
            text="quais convenios vcs aceitam?",
            message_id=f"wamid.KILL{index}",
            timestamp=int(time.time()),
        )
        with httpx.Client() as client:
            return _post(client, embedded.url, payload)

    with ThreadPoolExecutor(len(phones)) as pool:
        assert list(pool.map(write, range(len(phones)))) == [200] * len(phones)
    assert embedded.server is not None
    embedded.server.kill9()
    unanswered_at_kill = sum(1 for phone in phones if not embedded.graph.texts_to(phone))
    assert unanswered_at_kill > 0, "every timer fired before the kill: the scenario tested nothing"

    embedded.start()  # the sweeper runs at start, for everything left unanswered
    assert wait_until(lambda: all(embedded.graph.texts_to(p) for p in phones), timeout=60), server_log(
        embedded
    )
    time.sleep(1)  # a late duplicate would show up here
    for phone in phones:
        (stored,) = _rows(
            embedded.database,
            "SELECT count(*) FROM conversations_conversationmessage m JOIN conversations_conversationsession s "
            f"ON s.id = m.session_id WHERE m.direction = 'bot' AND s.phone = '{phone}'",
        )[0]
        assert len(embedded.graph.texts_to(phone)) == stored, phone
    print(
        f"embedded kill -9: {unanswered_at_kill} of {len(phones)} messages still waiting for their window "
        f"when the server died; all answered once after the restart ({len(embedded.graph.requests) - before} sends)"
    )


def test_under_gunicorn_on_the_embedded_default_every_worker_answers_after_the_window(embedded):
    """``make serve`` without services: gunicorn (2 workers, --preload) on the SQLite file.
    Each worker starts its own scheduler after the fork (gunicorn.conf.py post_worker_init)."""
    assert embedded.server is not None
    embedded.server.stop()  # the same database, served by gunicorn now
    gunicorn = WebServer(env=embedded.env, cwd=BASE, log_dir=embedded.var_dir).start_and_wait(timeout=60)
    try:
        phones = [f"551996{i:07d}" for i in range(6)]

        def write(index: int) -> tuple[int, float]:
            payload = meta_text_webhook(
                phone=phones[index], text="oi", message_id=f"wamid.GUN{index}", timestamp=int(time.time())
            )
            with httpx.Client() as client:
                start = time.monotonic()
                return _post(client, gunicorn.url, payload), time.monotonic() - start

        with ThreadPoolExecutor(len(phones)) as pool:
            results = list(pool.map(write, range(len(phones))))
        assert [code for code, _ in results] == [200] * len(phones)
        # Acknowledged at once: the worker's scheduler waits out the window, not the request
        # (without one, enqueue would wait the 1.5 s in the request thread).
        slowest = max(took for _, took in results)
        assert slowest < 1.4, f"a webhook took {slowest:.2f} s: no scheduler in the worker?"
        answered = wait_until(lambda: all(embedded.graph.texts_to(p) for p in phones), timeout=30)
        assert answered, gunicorn.log_tail()
        assert all(len(embedded.graph.texts_to(p)) == 1 for p in phones)
    finally:
        gunicorn.stop()
        embedded.start()
