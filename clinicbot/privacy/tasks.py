"""Celery tasks of the privacy app (thin: they call the services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .retention import retention_purge


@shared_task
def purge_old_data() -> dict[str, int]:
    """The daily retention purge (same service as ``manage.py purge_old_data``)."""
    result = retention_purge(now=timezone.now(), actor="beat")
    return {"messages": result.messages, "sessions": result.sessions}
