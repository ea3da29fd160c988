"""enqueue: a countdown is honoured in-process (scheduler or waiting), the broker gets it otherwise."""

from __future__ import annotations

import time

import pytest

from clinicbot.core.scheduler import start_scheduler, stop_scheduler
from clinicbot.core.tasks import enqueue


class RecordingTask:
    """Just the part of a Celery task enqueue uses."""

    name = "tests.recording"

    def __init__(self) -> None:
        self.applied: list[tuple[float, tuple]] = []
        self.sent: list[tuple[tuple, float | None]] = []

    def apply(self, args: tuple) -> None:
        self.applied.append((time.monotonic(), args))

    def apply_async(self, args: tuple, countdown: float | None) -> None:
        self.sent.append((args, countdown))


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    stop_scheduler()


def test_in_process_without_a_scheduler_a_countdown_is_waited_for_not_skipped(eager):
    task = RecordingTask()
    start = time.monotonic()
    enqueue(task, 7, countdown=0.2)
    assert len(task.applied) == 1 and task.applied[0][0] - start >= 0.2


def test_in_process_with_the_servers_scheduler_a_countdown_runs_later_and_once_per_arguments(eager):
    start_scheduler()
    task = RecordingTask()
    start = time.monotonic()
    enqueue(task, 7, countdown=0.3)
    enqueue(task, 7, countdown=0.3)  # the same conversation again: still one run
    enqueue(task, 8, countdown=0.3)
    assert time.monotonic() - start < 0.2 and task.applied == []  # the caller did not wait
    deadline = time.monotonic() + 5
    while len(task.applied) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert sorted(args for _, args in task.applied) == [(7,), (8,)]
    assert all(at - start >= 0.3 for at, _ in task.applied)


def test_without_a_countdown_it_runs_at_once_in_the_callers_thread(eager):
    start_scheduler()
    task = RecordingTask()
    enqueue(task, 1)
    assert [args for _, args in task.applied] == [(1,)]


def test_with_a_broker_the_countdown_goes_to_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = RecordingTask()
    enqueue(task, 3, countdown=1.5)
    enqueue(task, 4)
    assert task.sent == [((3,), 1.5), ((4,), None)] and task.applied == []
