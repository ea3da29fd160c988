"""Enqueueing Celery tasks with the in-process mode decided by Django settings at call time.

Celery copies its configuration once; reading ``CELERY_TASK_ALWAYS_EAGER`` from Django's
settings on every call keeps the embedded default (no broker: run in-process) and the
production path (Redis broker) switchable by configuration alone, tests included.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def enqueue(task: Any, *args: Any, countdown: float = 0) -> None:
    """Run ``task`` in-process on the embedded default, else send it to the broker."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task.apply(args=args)
    else:
        task.apply_async(args=args, countdown=countdown or None)
