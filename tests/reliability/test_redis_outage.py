"""Redis (the cache) crashes mid-conversation and comes back.

The web server and the worker use a redis-server started by this test as their cache.
The Celery broker stays on the shared test Redis (test_broker_outage.py kills a Redis
that is both). So this scenario is about the cache: while it is down every turn must be answered from
the database, with the conversation's state intact, and ``/health/detailed`` must say
``degraded``; once Redis is back the cache must be written again and health recover.
"""

from __future__ import annotations

import time

import httpx
import pytest
import redis

from clinicbot.core.cache import _BACKOFF_SECONDS as cache_backoff
from clinicbot.testing import load_clinic

from .checks import reference_run, session_state, tally, wait_settled
from .conftest import SECRET, needs_services
from .load import Delivery, LoadReport, MetaSender, run_patients
from .processes import RedisServer, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

SCRIPT = ["quero marcar cardiologia", "quais convenios vcs aceitam?", "sou particular", "tem estacionamento?"]
PATIENTS = 8
HEALTH_TOKEN = "reliability-health"


def _health(url: str) -> str:
    response = httpx.get(
        f"{url}/health/detailed", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}, timeout=10
    )
    return f"{response.json()['status']}/cache:{response.json()['cache']['status']}"


def _cached_sessions(client: redis.Redis, phones: list[str]) -> int:
    """How many of the patients' conversations are in the cache (keys embed the phone)."""
    return sum(1 for phone in phones if client.keys(f"*{phone}*"))


def test_with_redis_down_turns_are_answered_from_the_database_and_the_cache_returns_with_redis(
    stack, figure, tmp_path
):
    load_clinic()
    per_message, expected_state = reference_run("5519990000000", SCRIPT)
    cache_redis = RedisServer(cwd=tmp_path, log_dir=tmp_path).start_and_wait()
    env = {**stack.env, "REDIS_URL": cache_redis.url, "HEALTH_TOKEN": HEALTH_TOKEN}
    web = stack.start_web(env=env)
    stack.start_worker(env=env)
    client = redis.Redis.from_url(cache_redis.url, socket_timeout=2)
    phones = [f"55199955{i:05d}" for i in range(PATIENTS)]
    report = LoadReport()
    sender = MetaSender(web.url, SECRET, report)
    replies: dict[str, int] = {}
    health: list[str] = []
    timings: list[float] = []

    def phase(n: int) -> None:
        """Every patient sends message ``n`` of the script; wait until all are answered."""
        started = time.monotonic()
        scripts = {phone: [Delivery(phone, SCRIPT[n], f"wamid.{phone}.{n}")] for phone in phones}
        replies.update({f"wamid.{phone}.{n}": per_message[n] for phone in phones})
        for thread in run_patients(sender, scripts):
            thread.join(timeout=60)
        assert wait_settled(stack.api, timeout=60), f"phase {n}: {stack.workers[-1].log_tail()}"
        timings.append(time.monotonic() - started)

    try:
        phase(0)
        cached_before = _cached_sessions(client, phones)
        health.append(_health(web.url))

        cache_redis.kill9()  # the cache crashes between two messages of every conversation
        phase(1)
        health.append(_health(web.url))

        cache_redis = RedisServer(cwd=tmp_path, log_dir=tmp_path, port=cache_redis.port).start_and_wait()
        client = redis.Redis.from_url(cache_redis.url, socket_timeout=2)
        assert wait_until(lambda: _health(web.url).startswith("healthy"), timeout=30)
        health.append(_health(web.url))
        # After a failure each process skips the cache for a few seconds (instead of paying a
        # timeout per call), so the next turns use it again once that back-off has passed.
        time.sleep(cache_backoff + 0.5)
        phase(2)
        cached_first_turn = _cached_sessions(client, phones)
        # A pooled connection to the old Redis may fail once more (one more skipped write,
        # remembered as stale); by the next turn every conversation is cached again.
        time.sleep(cache_backoff + 0.5)
        phase(3)
        cached_after = _cached_sessions(client, phones)
    finally:
        cache_redis.kill9()

    result = tally(stack.api, accepted=report.accepted, replies_per_message=replies, phones=phones)
    states_lost = sum(1 for phone in phones if session_state(phone) != expected_state)
    warned = "using the database" in (web.log_tail(20000) + stack.workers[-1].log_tail(20000))
    figure(
        "redis_outage",
        f"{result.line()}, {states_lost} states lost; health up/down/back = {' '.join(health)}; "
        f"sessions cached before/first turn back/next turn = {cached_before}/{cached_first_turn}/{cached_after} "
        f"of {PATIENTS}; "
        f"phase times {'/'.join(f'{t:.1f}' for t in timings)} s",
    )
    assert result.accepted == result.stored == result.processed == PATIENTS * len(SCRIPT)
    assert (result.lost, result.duplicates, result.stuck) == (0, 0, 0), result.line()
    assert states_lost == 0
    assert cached_before == PATIENTS
    assert health[0].startswith("healthy") and health[1] == "degraded/cache:down", health
    assert warned, "no 'cache … failed, using the database' warning in the logs"
    assert cached_after == PATIENTS
