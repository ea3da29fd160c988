"""Enqueueing Celery tasks with the in-process mode decided by Django settings at call time.

Celery copies its configuration once; reading ``CELERY_TASK_ALWAYS_EAGER`` from Django's
settings on every call keeps the embedded default (no broker: run in-process) and the
production path (Redis broker) switchable by configuration alone, tests included.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from django.conf import settings

from .scheduler import running_scheduler


def enqueue(task: Any, *args: Any, countdown: float = 0) -> None:
    """Run ``task`` in-process on the embedded default, else send it to the broker.

    In-process, a ``countdown`` is honoured: by the server's scheduler when it runs (one
    waiting call per task and arguments — a burst of messages makes one turn), else by
    waiting here (management commands, tests). Running it early instead made a deferred
    turn re-run itself at once, endlessly, and its messages went unanswered.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        task.apply_async(args=args, countdown=countdown or None)
        return
    scheduler = running_scheduler()
    if countdown > 0 and scheduler is not None:
        scheduler.call_later(countdown, functools.partial(task.apply, args=args), key=(task.name, args))
        return
    if countdown > 0:
        time.sleep(countdown)
    task.apply(args=args)
