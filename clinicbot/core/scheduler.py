"""The in-process task scheduler of the embedded default (no broker): delayed and periodic calls.

Celery's eager mode runs a task at once and ignores ``countdown``. With the default
1.5 s debounce a webhook's turn deferred itself and was re-run immediately, over and
over, until it failed — and the message went unanswered. On the embedded default the
server process runs this scheduler instead: a timer thread keeps the due calls in a heap
and hands each to a small pool of worker threads (one slow turn does not hold up the
others). ``clinicbot.core.tasks.enqueue`` uses it for every task with a countdown.

It keeps its calls in memory only, on purpose: whatever it runs is idempotent work on
rows that are already committed (an unanswered message, an unsent reply). If the process
ends with calls still waiting, nothing is lost: the periodic sweeper — registered with
:meth:`InProcessScheduler.every` by the server start-up, and run once at start — finds
those rows and answers them.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

logger = logging.getLogger(__name__)

Call = Callable[[], object]


class InProcessScheduler:
    """Run calls after a delay, or every N seconds, on a pool of daemon-like worker threads.

    ``key`` makes a delayed call unique while it waits: scheduling the same key again
    moves it to the later of the two due times (a debounce), so a burst of messages of one
    conversation costs one run. A call already running is not affected.
    """

    def __init__(self, *, workers: int = 4, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Hashable]] = []
        self._due: dict[Hashable, tuple[float, Call]] = {}
        self._keys = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clinicbot-task")
        self._timer = threading.Thread(target=self._loop, name="clinicbot-scheduler", daemon=True)
        self._stopped = False
        self._running = 0

    def start(self) -> InProcessScheduler:
        """Start the timer thread (the pool's threads start with the first call)."""
        self._timer.start()
        return self

    def call_later(self, delay: float, call: Call, *, key: Hashable | None = None) -> None:
        """Run ``call`` in ``delay`` seconds (at the later due time if ``key`` is already waiting)."""
        with self._cond:
            if self._stopped:
                return
            when = self._clock() + max(delay, 0.0)
            if key is None:
                key = ("anonymous", next(self._keys))
            waiting = self._due.get(key)
            if waiting is not None and waiting[0] >= when:
                return
            self._due[key] = (when, call)
            heapq.heappush(self._heap, (when, next(self._keys), key))
            self._cond.notify()

    def every(self, interval: float, call: Call, *, key: Hashable, first_delay: float = 0.0) -> None:
        """Run ``call`` after ``first_delay`` seconds, then ``interval`` seconds after each run ends."""

        def run_and_reschedule() -> None:
            try:
                call()
            finally:
                self.call_later(interval, run_and_reschedule, key=key)

        self.call_later(first_delay, run_and_reschedule, key=key)

    def pending(self) -> int:
        """Calls waiting for their time or running now (tests wait for 0)."""
        with self._cond:
            return len(self._due) + self._running

    def stop(self, timeout: float = 10.0) -> None:
        """Drop the waiting calls and wait up to ``timeout`` s for the running ones."""
        with self._cond:
            self._stopped = True
            self._due.clear()
            self._heap.clear()
            self._cond.notify()
        if self._timer.is_alive():
            self._timer.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._ready():
                    wait = self._heap[0][0] - self._clock() if self._heap else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
                _, _, key = heapq.heappop(self._heap)
                when, call = self._due.pop(key)
                self._running += 1
            self._pool.submit(self._execute, call)

    def _ready(self) -> bool:
        """Whether the earliest entry is due (stale heap entries of moved keys are dropped)."""
        while self._heap:
            when, _, key = self._heap[0]
            current = self._due.get(key)
            if current is None or current[0] != when:
                heapq.heappop(self._heap)  # superseded by a later due time for the same key
                continue
            return when <= self._clock()
        return False

    def _execute(self, call: Call) -> None:
        # Database connections live per thread: give each run a request's lifecycle.
        close_old_connections()
        try:
            call()
        except Exception:
            # The rows it worked on are still there: the sweeper will try again.
            logger.exception("in-process task failed; the sweeper will pick its work up again")
        finally:
            close_old_connections()
            with self._cond:
                self._running -= 1


_scheduler: InProcessScheduler | None = None
_scheduler_lock = threading.Lock()


def running_scheduler() -> InProcessScheduler | None:
    """This process's scheduler, or None when none was started (tests, management commands)."""
    return _scheduler


def start_scheduler(*, workers: int = 4) -> tuple[InProcessScheduler, bool]:
    """Start this process's scheduler once; returns it and whether this call started it."""
    global _scheduler
    with _scheduler_lock:
        if _scheduler is not None:
            return _scheduler, False
        _scheduler = InProcessScheduler(workers=workers).start()
        return _scheduler, True


def stop_scheduler(timeout: float = 10.0) -> None:
    """Stop this process's scheduler (tests; a server simply exits)."""
    global _scheduler
    with _scheduler_lock:
        scheduler, _scheduler = _scheduler, None
    if scheduler is not None:
        scheduler.stop(timeout)


def _forget_after_fork() -> None:
    # A forked child has none of the parent's threads: it must start its own scheduler.
    global _scheduler, _scheduler_lock
    _scheduler, _scheduler_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
