"""Celery tasks of the ops app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat
from .rollup import recent_metrics_rollup


@shared_task
def rollup_recent_metrics() -> list[str]:
    """Recompute yesterday's and today's DailyMetrics (beat: hourly). Returns the days done."""
    return [row.date.isoformat() for row in recent_metrics_rollup()]


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self) -> None:  # type: ignore[no-untyped-def]
    """Record that a worker took a task from the queue just now (beat: every WORKER_HEARTBEAT_SECONDS)."""
    WorkerHeartbeat.objects.update_or_create(
        name=str(self.request.hostname or "worker"), defaults={"seen_at": timezone.now()}
    )
