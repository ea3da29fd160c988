"""``/health/detailed`` sees a dead worker, a backlog and a failing gateway, with live processes.

gunicorn and a Celery worker with its embedded beat (as ``make worker`` runs it) serve
patients through the Graph API double; thresholds are shortened by environment variables
so each fault shows within seconds:

1. the worker is SIGKILLed: health must turn ``unhealthy`` (no heartbeat) and report the
   message that waits meanwhile; once a worker is back it may say ``healthy`` only after
   that message is answered;
2. every send gets HTTP 500: health must turn ``degraded`` (recent sends failing, reply
   unsent) and the worker must log a WARNING once the failures have lasted long enough;
   when the gateway answers again, health recovers.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from clinicbot.testing import load_clinic

from .conftest import SECRET, needs_services
from .load import Delivery, LoadReport, MetaSender
from .processes import wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

HEALTH_TOKEN = "reliability-health"
THRESHOLDS = {
    "WORKER_HEARTBEAT_SECONDS": "1",
    "HEALTH_WORKER_MAX_AGE_SECONDS": "4",
    "HEALTH_BACKLOG_DEGRADED_SECONDS": "3",
    "HEALTH_BACKLOG_UNHEALTHY_SECONDS": "30",
    "HEALTH_GATEWAY_WINDOW_SECONDS": "10",
    "GATEWAY_OUTAGE_WARNING_SECONDS": "5",
}


def test_health_turns_on_a_dead_worker_a_backlog_and_a_failing_gateway_and_back(stack, figure):
    load_clinic()
    env = {**stack.env, **THRESHOLDS, "HEALTH_TOKEN": HEALTH_TOKEN}
    web = stack.start_web(env=env)
    sender = MetaSender(web.url, SECRET, LoadReport())
    samples: list[dict[str, Any]] = []

    def health() -> dict[str, Any]:
        body = httpx.get(
            f"{web.url}/health/detailed", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}, timeout=15
        ).json()
        samples.append(body)
        return body

    def wait_status(status: str, timeout: float) -> float:
        started = time.monotonic()
        assert wait_until(lambda: health()["status"] == status, timeout=timeout, interval=0.25), samples[-1]
        return time.monotonic() - started

    worker = stack.start_worker(env=env, beat=True)
    wait_status("healthy", 60)

    worker.kill9()
    noticed_dead = wait_status("unhealthy", 15)
    dead = samples[-1]
    assert sender.deliver(Delivery("5519998700001", "tem estacionamento?", "wamid.H1"))
    assert wait_until(lambda: (health()["oldest_unanswered_seconds"] or 0) >= 4, timeout=15)
    waiting = samples[-1]

    stack.start_worker(env=env, beat=True)
    first = len(samples)
    recovered = wait_status("healthy", 60)
    after_restart = samples[first:]
    assert wait_until(lambda: stack.api.texts_to("5519998700001"), timeout=15)  # may still be in flight

    stack.api.status = 500  # every send fails from now on
    outage = time.monotonic()
    assert sender.deliver(Delivery("5519998700002", "tem estacionamento?", "wamid.H2"))
    noticed_gateway = wait_status("degraded", 30)
    failing = samples[-1]
    assert wait_until(lambda: "every send has failed" in stack.workers[-1].log_tail(50_000), timeout=30)
    warned = time.monotonic() - outage

    stack.api.status = 200
    back = wait_status("healthy", 60)
    assert wait_until(lambda: stack.api.texts_to("5519998700002"), timeout=15)
    assert wait_until(lambda: "answers again" in stack.workers[-1].log_tail(50_000), timeout=10)

    figure(
        "health",
        f"worker killed → unhealthy in {noticed_dead:.1f} s ({'; '.join(dead['reasons'])}); a message waiting "
        f"{waiting['oldest_unanswered_seconds']} s reported; worker back → healthy in {recovered:.1f} s, "
        f"{sum(s['status'] == 'healthy' and s['oldest_unanswered_seconds'] is not None for s in after_restart)} "
        f"'healthy' answers with a backlog; every send 500 → degraded in {noticed_gateway:.1f} s "
        f"({'; '.join(failing['reasons'])}), WARNING after {warned:.1f} s; gateway back → healthy in {back:.1f} s",
    )
    assert dead["worker"]["status"] == "stale" and dead["reasons"][0].startswith("no worker heartbeat")
    assert waiting["status"] == "unhealthy"
    assert not [
        s for s in after_restart if s["status"] == "healthy" and s["oldest_unanswered_seconds"] is not None
    ]
    assert any("recent sends failed" in reason for reason in failing["reasons"]), failing
    assert warned >= 5
