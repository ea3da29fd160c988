"""The in-process scheduler: delays are honoured, a key waits once, failures do not stop it."""

from __future__ import annotations

import threading
import time

import pytest

from clinicbot.core.scheduler import InProcessScheduler


@pytest.fixture
def scheduler():
    s = InProcessScheduler(workers=2).start()
    yield s
    s.stop()


def wait_for(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def test_a_delayed_call_runs_once_after_its_delay_and_not_before(scheduler):
    ran: list[float] = []
    start = time.monotonic()
    scheduler.call_later(0.3, lambda: ran.append(time.monotonic() - start))
    time.sleep(0.15)
    assert ran == []
    assert wait_for(lambda: ran)
    assert ran[0] >= 0.3 and len(ran) == 1


def test_scheduling_a_waiting_key_again_moves_it_to_the_later_time_and_runs_it_once(scheduler):
    ran: list[float] = []
    start = time.monotonic()
    scheduler.call_later(0.2, lambda: ran.append(time.monotonic() - start), key="session-1")
    time.sleep(0.1)
    scheduler.call_later(0.3, lambda: ran.append(time.monotonic() - start), key="session-1")  # due at 0.4
    scheduler.call_later(0.05, lambda: ran.append(-1.0), key="session-1")  # earlier: the later time wins
    assert wait_for(lambda: scheduler.pending() == 0)
    assert len(ran) == 1 and ran[0] >= 0.4


def test_a_failing_call_does_not_stop_the_others(scheduler, caplog):
    ran = threading.Event()

    def boom() -> None:
        raise RuntimeError("turn failed")

    scheduler.call_later(0, boom)
    scheduler.call_later(0.05, ran.set)
    assert ran.wait(5)
    assert "the sweeper will pick its work up again" in caplog.text


def test_a_periodic_call_repeats_after_each_run(scheduler):
    runs: list[float] = []
    scheduler.every(0.05, lambda: runs.append(time.monotonic()), key="sweep", first_delay=0)
    assert wait_for(lambda: len(runs) >= 3)


def test_stopping_drops_the_waiting_calls():
    s = InProcessScheduler().start()
    ran: list[int] = []
    s.call_later(0.2, lambda: ran.append(1))
    s.stop()
    time.sleep(0.3)
    assert ran == [] and s.pending() == 0
    s.call_later(0, lambda: ran.append(2))  # a stopped scheduler takes nothing new
    time.sleep(0.1)
    assert ran == []
