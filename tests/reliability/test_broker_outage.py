"""Redis as both cache and Celery broker (the documented set-up) dies, stays down, and returns empty.

gunicorn and the worker use a redis-server started by this test for both. Two groups of
patients:

* *before*: they write just before the crash, inside the debounce window, so their tasks
  are queued (webhook answered 200) and then lost with Redis — the worker held them, and
  the restarted Redis is empty. They must be answered as soon as Redis is back (the worker
  sweeps when it reconnects), not at the next periodic sweep a minute later;
* *during*: they write while Redis is down. No task can be queued, so the web process must
  answer them itself, during the outage.

``/health/detailed`` must say ``degraded`` meanwhile and ``healthy`` once everything is answered.
"""

from __future__ import annotations

import time

import httpx
import pytest

from clinicbot.testing import load_clinic

from .checks import reference_run, tally, wait_settled
from .conftest import SECRET, needs_services
from .load import Delivery, LoadReport, MetaSender, run_patients
from .processes import RedisServer, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

QUESTION = "tem estacionamento?"
PATIENTS = 4
OUTAGE_SECONDS = 21.0
DEBOUNCE_MS = 2000
HEALTH_TOKEN = "reliability-health"


def _health(url: str) -> str:
    response = httpx.get(
        f"{url}/health/detailed", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}, timeout=15
    )
    return str(response.json()["status"])


def _answered_at(api, phones: list[str], since: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Seconds after ``since`` at which each phone got its first reply (missing: not answered)."""
    first: dict[str, float] = {}
    for request in list(api.requests):
        to = request["json"].get("to")
        if to in phones and to not in first:
            first[to] = request["at"] - since
    return sorted(first.values())


def test_with_the_broker_down_the_web_process_answers_and_the_worker_drains_on_reconnect(
    stack, figure, tmp_path
):
    load_clinic()
    per_message, _ = reference_run("5519990000000", [QUESTION])
    redis_server = RedisServer(cwd=tmp_path, log_dir=tmp_path).start_and_wait()
    env = {
        **stack.env,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "HEALTH_TOKEN": HEALTH_TOKEN,
        "MESSAGE_DEBOUNCE_MS": str(DEBOUNCE_MS),
    }
    web = stack.start_web(env=env)
    worker = stack.start_worker(env=env)
    report = LoadReport()
    sender = MetaSender(web.url, SECRET, report)
    warm = ["5519998800000"]
    before = [f"55199988{i:05d}" for i in range(1, PATIENTS + 1)]
    during = [f"55199989{i:05d}" for i in range(1, PATIENTS + 1)]
    replies = {f"wamid.{p}.0": per_message[0] for p in warm + before + during}

    def write(phones: list[str]) -> None:
        for thread in run_patients(sender, {p: [Delivery(p, QUESTION, f"wamid.{p}.0")] for p in phones}):
            thread.join(timeout=60)

    try:
        write(warm)  # the worker is up and consuming
        assert wait_until(lambda: stack.api.texts_to(warm[0]), timeout=60), worker.log_tail()
        health_up = _health(web.url)

        write(before)  # queued with the debounce countdown ...
        redis_server.kill9()  # ... and lost: Redis had no persistence, the worker's copies die with the link
        crashed = time.monotonic()
        write(during)
        answered_during = wait_until(
            lambda: len(_answered_at(stack.api, during, crashed)) == PATIENTS, timeout=OUTAGE_SECONDS
        )
        health_down = _health(web.url)
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - crashed)))

        redis_server = RedisServer(cwd=tmp_path, log_dir=tmp_path, port=redis_server.port).start_and_wait()
        back = time.monotonic()
        drained = wait_until(lambda: len(_answered_at(stack.api, before, back)) == PATIENTS, timeout=60)
        drain_times = _answered_at(stack.api, before, back)
        settled = wait_settled(stack.api, timeout=30)
        health_back = (
            _health(web.url) if wait_until(lambda: _health(web.url) == "healthy", timeout=30) else ""
        )
    finally:
        redis_server.kill9()

    during_times = _answered_at(stack.api, during, crashed)
    result = tally(
        stack.api, accepted=report.accepted, replies_per_message=replies, phones=warm + before + during
    )
    figure(
        "broker_outage",
        f"Redis (cache + broker) down {OUTAGE_SECONDS:.0f} s: {len(during_times)}/{PATIENTS} written during it "
        f"answered by the web process in {min(during_times, default=0):.1f}–{max(during_times, default=0):.1f} s "
        f"(debounce {DEBOUNCE_MS / 1000:.1f} s); {len(drain_times)}/{PATIENTS} whose tasks died with Redis answered "
        f"{min(drain_times, default=0):.1f}–{max(drain_times, default=0):.1f} s after it returned; "
        f"health {health_up}/{health_down}/{health_back or '?'}; {result.line()}",
    )
    assert answered_during, f"not answered during the outage: {during_times}\n{web.log_tail()}"
    assert drained, f"backlog not drained after Redis returned: {drain_times}\n{worker.log_tail()}"
    assert max(drain_times) < 5, drain_times  # the worker reconnects within 2 s; not the 60 s sweeper
    assert settled
    assert (result.lost, result.duplicates, result.stuck) == (0, 0, 0), result.line()
    assert (health_up, health_down, health_back) == ("healthy", "degraded", "healthy")
