"""The web server loses PostgreSQL mid-load: webhooks answer 503 (Meta retries), never 200-and-lose.

gunicorn reaches PostgreSQL through a TCP proxy owned by the test; cutting the proxy kills
its open connections and refuses new ones. The worker keeps its own direct connection
(this scenario is about what the webhook acknowledges). While the database is away every
webhook must get a 503 — not a 500, and above all not a 200 for a message that was not
stored — and ``/health/detailed`` must say ``unhealthy``; once it is back the retries are
stored and every acknowledged message is answered exactly once.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import connection

from clinicbot.testing import load_clinic

from .checks import reference_run, session_state, tally, wait_settled
from .conftest import SECRET, database_url, needs_services
from .load import Delivery, LoadReport, MetaSender, run_patients
from .processes import TcpProxy, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

SCRIPT = ["quero marcar cardiologia", "quais convenios vcs aceitam?", "sou particular"]
PATIENTS = 10
OUTAGE_SECONDS = 3.0
HEALTH_TOKEN = "reliability-health"


def test_webhooks_answer_503_while_the_database_is_unreachable_and_nothing_acknowledged_is_lost(
    stack, figure
):
    load_clinic()
    per_message, expected_state = reference_run("5519990000000", SCRIPT)
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    web_env = {**stack.env, "DATABASE_URL": database_url(port=proxy.port), "HEALTH_TOKEN": HEALTH_TOKEN}
    try:
        web = stack.start_web(env=web_env)
        stack.start_worker()
        phones = [f"55199966{i:05d}" for i in range(PATIENTS)]
        scripts = {
            phone: [Delivery(phone, text, f"wamid.{phone}.{n}") for n, text in enumerate(SCRIPT)]
            for phone in phones
        }
        replies = {d.message_id: per_message[n] for ds in scripts.values() for n, d in enumerate(ds)}
        report = LoadReport()
        started = time.monotonic()
        threads = run_patients(MetaSender(web.url, SECRET, report), scripts, pause=0.1)

        assert wait_until(lambda: report.accepted_count >= PATIENTS, timeout=60), report.outcomes
        proxy.cut()
        accepted_at_cut = report.accepted_count
        time.sleep(OUTAGE_SECONDS)
        during = httpx.get(
            f"{web.url}/health/detailed", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}, timeout=15
        )
        accepted_during = report.accepted_count - accepted_at_cut
        refused = report.outcomes["503"]
        proxy.restore()

        for thread in threads:
            thread.join(timeout=90)
        settled = wait_settled(stack.api, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        proxy.close()

    result = tally(stack.api, accepted=report.accepted, replies_per_message=replies, phones=phones)
    states_lost = sum(1 for phone in phones if session_state(phone) != expected_state)
    figure(
        "db_outage",
        f"{refused} webhooks answered 503 during a {OUTAGE_SECONDS:.0f} s outage "
        f"({accepted_during} acknowledged while cut), health {during.status_code} {during.json().get('status')}; "
        f"{result.line()}, {states_lost} states lost; outcomes {dict(report.outcomes)}, {elapsed:.1f} s",
    )
    assert refused > 0, report.outcomes  # the outage was seen, as 503s
    assert "500" not in report.outcomes, report.outcomes
    assert (during.status_code, during.json()["status"]) == (503, "unhealthy")
    assert not report.given_up, report.given_up
    assert settled, stack.workers[-1].log_tail()
    assert result.accepted == result.stored == result.processed == PATIENTS * len(SCRIPT)
    assert (result.lost, result.duplicates, result.stuck) == (0, 0, 0), result.line()
    assert states_lost == 0
