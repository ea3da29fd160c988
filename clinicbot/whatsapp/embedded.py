"""The embedded default's in-process worker, started with the web server.

Without a broker (no ``REDIS_URL``) tasks run in the web server's process. Delayed ones —
the debounce of a conversation's turn, a send retried after a gateway hiccup — go to the
process's scheduler (``clinicbot.core.scheduler``), and the sweeper runs there too: once
at start, for everything a previous process left unanswered or unsent, then every
:data:`SWEEP_INTERVAL_SECONDS`. Scheduled calls live in memory; the sweeper is what makes
a restart lose nothing.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings

from clinicbot.core.scheduler import start_scheduler

from .tasks import sweep_unprocessed

logger = logging.getLogger(__name__)

# How often the in-process sweeper looks for messages stored but not answered (and replies
# stored but not sent) for longer than the sweeper's own 30 s grace period.
SWEEP_INTERVAL_SECONDS = 30.0


def start_embedded_worker() -> bool:
    """Start this process's scheduler and sweeper when tasks run in-process; True if it started now.

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
        logger.info("in-process task scheduler started (no broker): debounce timers and the sweeper")
    return started
