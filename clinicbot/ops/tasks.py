"""Celery tasks of the ops app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .rollup import recent_metrics_rollup


@shared_task
def rollup_recent_metrics() -> list[str]:
    """Recompute yesterday's and today's DailyMetrics (beat: hourly). Returns the days done."""
    return [row.date.isoformat() for row in recent_metrics_rollup()]
