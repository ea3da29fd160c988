"""Shared fixtures of the reliability suite: live processes, the figures each scenario reports.

The process scenarios run the real thing — gunicorn, Celery workers, PostgreSQL, Redis and
a local HTTP server playing Meta's Graph API — against pytest-django's test database, so
they need PostgreSQL + Redis (``DATABASE_URL`` / ``REDIS_URL``) and are skipped on the
SQLite pass. Every scenario prints one ``reliability <name>: …`` line; the lines are also
recorded as junit properties and repeated in a summary section at the end of the run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from clinicbot.testing.fake_gateway import FakeGatewayServer

from .processes import WebServer, Worker

SECRET = "reliability-app-secret"
META_SETTINGS = {
    "WHATSAPP_GATEWAY": "meta",
    "META_APP_SECRET": SECRET,
    "META_ACCESS_TOKEN": "token",
    "META_PHONE_NUMBER_ID": "PNID-1",
    "META_VERIFY_TOKEN": "verify",
}

SERVICES_UP = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(os.environ.get("REDIS_URL"))
needs_services = pytest.mark.skipif(
    not SERVICES_UP,
    reason="process scenario: needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) shared with gunicorn/Celery",
)

_FIGURES = pytest.StashKey[list[str]]()

Figure = Callable[[str, str], None]


@pytest.fixture
def figure(request: pytest.FixtureRequest, record_property: Callable[[str, object], None]) -> Figure:
    """``figure("kill9", "40 accepted, …")``: print the scenario's figure and keep it for the summary."""

    def report(name: str, line: str) -> None:
        text = f"reliability {name}: {line}"
        print(text)
        record_property(f"reliability_{name}", line)
        request.config.stash.setdefault(_FIGURES, []).append(text)

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Repeat every scenario's figure at the end of the run (visible without ``-s``)."""
    figures = config.stash.get(_FIGURES, [])
    if figures:
        terminalreporter.section("reliability figures")
        for line in figures:
            terminalreporter.write_line(line)


def database_url(*, port: int | None = None) -> str:
    """A URL for the test database as this test process uses it (optionally through another port)."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Stack:
    """The live service: a Graph API double, gunicorn and Celery workers sharing the test database."""

    api: FakeGatewayServer
    env: dict[str, str]
    log_dir: Path
    web: WebServer | None = None
    workers: list[Worker] = field(default_factory=list)

    def start_web(self, *, port: int | None = None, env: dict[str, str] | None = None) -> WebServer:
        """Start gunicorn (on ``port`` to play a restart at the same address) and wait for it."""
        self.web = WebServer(
            env=env or self.env, cwd=Path(settings.BASE_DIR), log_dir=self.log_dir, port=port
        )
        # Like Meta, the Graph API double reports each accepted send by a status webhook.
        self.api.status_target = (f"{self.web.url}/webhooks/meta/", SECRET)
        return self.web.start_and_wait()

    def start_worker(
        self, *, env: dict[str, str] | None = None, concurrency: int = 2, beat: bool = False
    ) -> Worker:
        worker = Worker(
            env=env or self.env,
            cwd=Path(settings.BASE_DIR),
            log_dir=self.log_dir,
            concurrency=concurrency,
            beat=beat,
        )
        self.workers.append(worker.start())
        return worker

    def stop(self) -> None:
        # Teardown only: nothing is left to finish, so no graceful shutdown to wait for.
        for process in [self.web, *self.workers]:
            if process is not None:
                process.kill9()


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    """Processes are not started yet: each scenario decides what runs where, and when."""
    from clinicbot.celery import app

    queue = f"h_rel_{uuid.uuid4().hex[:8]}"  # our own queue: no other run's tasks, none left behind
    with FakeGatewayServer() as api:
        env = {
            **os.environ,
            **META_SETTINGS,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": str(app.conf.broker_url),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_QUEUE": queue,
            "META_GRAPH_URL": api.url,
            "MESSAGE_DEBOUNCE_MS": "0",
            "RATE_LIMIT_MESSAGES_PER_MINUTE": "1000",
            "CLINICBOT_VAR_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("TEST_DATABASE_NAME", None)
        live = Stack(api=api, env=env, log_dir=tmp_path)
        try:
            with override_settings(
                **META_SETTINGS, META_GRAPH_URL=api.url, RATE_LIMIT_MESSAGES_PER_MINUTE=1000
            ):
                yield live
        finally:
            live.stop()
            # Whatever is still queued belongs to processes that are gone.
            with contextlib.suppress(Exception), app.connection_for_write() as conn:
                conn.default_channel.client.delete(queue)
