"""The embedded default's in-process worker, started with the web server.

Without a broker (no ``REDIS_URL``) tasks run in the web server's process. Delayed ones —
the debounce of a conversation's turn, a send retried after a gateway hiccup — go to the
process's scheduler (``clinicbot.core.scheduler``), and the sweeper runs there too: once
at start, for everything a previous process left unanswered or unsent, then every
:data:`SWEEP_INTERVAL_SECONDS`. Scheduled calls live in memory; the sweeper is what makes
a restart lose nothing.

The periodic jobs Celery beat runs in production run here too, on the same schedule
(``CELERY_BEAT_SCHEDULE``, the one list of them): reminders, waiting-list expiry, the
metrics roll-up, the clinic-system push sweep and the retention purge. Each is safe to
run from several processes at once (gunicorn workers on the embedded default each run
them), as it is with two beat processes. The worker heartbeat is not run: it tells
``/health/detailed`` that a *Celery* worker is alive.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Iterator

from django.conf import settings

from clinicbot.core.scheduler import InProcessScheduler, start_scheduler

from .tasks import sweep_unprocessed

logger = logging.getLogger(__name__)

# How often the in-process sweeper looks for messages stored but not answered (and replies
# stored but not sent) for longer than the sweeper's own 30 s grace period.
SWEEP_INTERVAL_SECONDS = 30.0
# Beat entries not run in-process: the sweeper (above, with its own interval) and the heartbeat.
NOT_IN_PROCESS = frozenset({"sweep-unprocessed", "worker-heartbeat"})
# The first run of each periodic job, after the server is up (staggered so they do not all
# start with the sweep): the roll-up at once gives the dashboard yesterday's final figures.
FIRST_RUN_DELAY_SECONDS = 5.0
FIRST_RUN_STAGGER_SECONDS = 2.0


def periodic_jobs() -> Iterator[tuple[str, str, float]]:
    """(beat key, task name, interval in seconds) of each beat job the server runs itself."""
    for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if key in NOT_IN_PROCESS:
            continue
        schedule = entry["schedule"]
        # A number of seconds, or a celery ``schedule`` (``run_every``); crontab entries have
        # no fixed interval and would need beat itself.
        every = getattr(schedule, "run_every", schedule)
        seconds = every.total_seconds() if hasattr(every, "total_seconds") else every
        if not isinstance(seconds, int | float):
            logger.warning("beat job %s has no fixed interval: not run in-process", key)
            continue
        yield key, entry["task"], float(seconds)


def _run_task(name: str) -> None:
    """Run the Celery task ``name`` here, now; an error reaches the scheduler's log.

    By name, as beat does: some live in apps above this one (ops, privacy, integrations).
    """
    from clinicbot.celery import app

    importlib.import_module(name.rpartition(".")[0])  # registers the task (autodiscovery is lazy)
    app.tasks[name].apply(throw=True)


def _schedule_periodic_jobs(scheduler: InProcessScheduler) -> list[str]:
    keys = []
    for n, (key, task, interval) in enumerate(periodic_jobs()):
        scheduler.every(
            interval,
            functools.partial(_run_task, task),
            key=("beat", key),
            first_delay=FIRST_RUN_DELAY_SECONDS + n * FIRST_RUN_STAGGER_SECONDS,
        )
        keys.append(key)
    return keys


def start_embedded_worker() -> bool:
    """Start this process's scheduler, sweeper and periodic jobs when tasks run in-process; True if now.

    Called once per server process: by ``clinicbot/wsgi.py`` and ``asgi.py`` (``runserver``,
    ``make run``) and, under gunicorn, by ``post_worker_init`` in ``gunicorn.conf.py`` (a
    thread started in a ``--preload`` master would not survive the fork into a worker).
    With a broker it does nothing: Celery workers and beat do this work.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    scheduler, started = start_scheduler()
    if started:
        sweep_now = functools.partial(sweep_unprocessed.apply, kwargs={"older_than_seconds": 0})
        scheduler.call_later(0, sweep_now, key="sweep-on-start")
        scheduler.every(
            SWEEP_INTERVAL_SECONDS,
            sweep_unprocessed.apply,
            key="sweep",
            first_delay=SWEEP_INTERVAL_SECONDS,
        )
        jobs = _schedule_periodic_jobs(scheduler)
        logger.info(
            "in-process task scheduler started (no broker): debounce timers, the sweeper and %s",
            ", ".join(jobs),
        )
    return started
