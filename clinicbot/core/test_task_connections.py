"""Celery tasks keep their database connection between runs, like Django requests do."""

from __future__ import annotations

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from clinicbot.celery import _recycle_database_connections, app


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_between_tasks():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    raw = connection.connection
    for _ in range(3):  # what a worker runs around each task
        fixup.on_task_prerun(sender=app.tasks["clinicbot.whatsapp.tasks.send_outbox"])
        _recycle_database_connections()
        fixup.on_task_postrun(sender=app.tasks["clinicbot.whatsapp.tasks.send_outbox"])
        _recycle_database_connections()
    assert connection.connection is raw


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_dropped_before_the_next_task():
    if connection.vendor != "postgresql":
        pytest.skip("workers run on PostgreSQL; SQLite connections never break this way")
    connection.ensure_connection()
    connection.errors_occurred = True
    connection.close_at = None
    connection.connection.close()  # the server went away
    _recycle_database_connections()
    assert connection.connection is None
