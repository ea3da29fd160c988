"""kill -9 of the Celery worker, then of the web server, in the middle of live traffic.

Patients write through signed webhooks to gunicorn while a Celery worker answers them
through a local Graph API double. Mid-load the worker is SIGKILLed and replaced; later
gunicorn is SIGKILLed and restarted on the same port while the senders retry like Meta.
Every accepted message must be answered exactly once, and every conversation must end in
the same state as the same script run with nothing failing.
"""

from __future__ import annotations

import time

import pytest

from clinicbot.testing import load_clinic

from .checks import reference_run, session_state, tally, wait_settled
from .conftest import SECRET, needs_services
from .load import Delivery, LoadReport, MetaSender, run_patients
from .processes import wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

# A booking that is interrupted by a question: the answers depend on the state kept between turns.
SCRIPT = ["quero marcar cardiologia", "quais convenios vcs aceitam?", "sou particular"]
PATIENTS = 15


def test_killing_the_worker_and_then_the_web_server_mid_load_loses_and_repeats_nothing(stack, figure):
    load_clinic()
    per_message, expected_state = reference_run("5519990000000", SCRIPT)
    phones = [f"55199911{i:05d}" for i in range(PATIENTS)]
    scripts = {
        phone: [Delivery(phone, text, f"wamid.{phone}.{n}") for n, text in enumerate(SCRIPT)]
        for phone in phones
    }
    replies = {d.message_id: per_message[n] for ds in scripts.values() for n, d in enumerate(ds)}
    total = PATIENTS * len(SCRIPT)

    web = stack.start_web()
    first_worker = stack.start_worker()
    report = LoadReport()
    started = time.monotonic()
    threads = run_patients(MetaSender(web.url, SECRET, report), scripts, pause=0.05)

    assert wait_until(lambda: report.accepted_count >= total // 3, timeout=60), report.outcomes
    first_worker.kill9()  # tasks it held are neither finished nor acknowledged
    stack.start_worker()  # sweeps what was left unanswered as it starts
    t_worker = time.monotonic() - started

    assert wait_until(lambda: report.accepted_count >= 2 * total // 3, timeout=60), report.outcomes
    web.kill9()  # requests in flight get no answer: the senders retry
    time.sleep(0.5)
    down = time.monotonic()
    stack.start_web(port=web.port)
    web_down = time.monotonic() - down
    t_web = time.monotonic() - started

    for thread in threads:
        thread.join(timeout=90)
    t_load = time.monotonic() - started
    settled = wait_settled(stack.api, timeout=60)
    elapsed = time.monotonic() - started

    result = tally(stack.api, accepted=report.accepted, replies_per_message=replies, phones=phones)
    states_lost = sum(1 for phone in phones if session_state(phone) != expected_state)
    retries = sum(report.outcomes.values()) - report.accepted_count
    figure(
        "kill9",
        f"{result.line()}, {states_lost} states lost, {retries} sender retries, web down {web_down:.1f} s, "
        f"{elapsed:.1f} s (worker killed at {t_worker:.1f}, web at {t_web:.1f}, load done {t_load:.1f})",
    )
    assert not report.given_up, f"never accepted: {report.given_up} ({report.outcomes})"
    assert settled, f"not settled: {result.line()}\n{stack.workers[-1].log_tail()}"
    assert result.accepted == result.stored == result.processed == total
    assert (result.lost, result.duplicates, result.stuck) == (0, 0, 0), result.line()
    assert states_lost == 0
    assert "500" not in report.outcomes, report.outcomes
