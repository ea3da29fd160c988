"""The Celery worker's consumer (``CELERY_WORKER_CONSUMER``): loaded by worker processes only."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

# Seconds between the worker's attempts to reach a broker that went away.
BROKER_RECONNECT_MAX_SECONDS = 2


class Consumer(CeleryConsumer):  # type: ignore[misc]
    """Celery's consumer, surviving a lost Redis and reconnecting every 1–2 s.

    Kombu's defaults wait 2, 4, 6 … up to 30 s between attempts, so after a long Redis
    outage the worker came back (and answered the backlog) up to half a minute after
    Redis did. A reconnect attempt to a local Redis costs nothing; retries never stop
    (``CELERY_BROKER_CONNECTION_MAX_RETRIES = None`` in settings).
    """

    def ensure_connected(self, conn: Any) -> Any:
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=1,
            interval_step=1,
            interval_max=BROKER_RECONNECT_MAX_SECONDS,
        )
        return super().ensure_connected(conn)

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        """Celery 5.7 closes the dead connection twice (``collect()``, then ``close()``).

        On Redis the second close asks the already-detached transport for its host and
        raises AttributeError, which Celery does not ignore: the worker exited
        ("Unrecoverable error") in about one Redis crash out of two. The connection is dead
        either way, so that error is swallowed and the reconnect goes on.
        """
        connection = self.connection
        if connection is not None:
            close = connection.close

            def close_once_more() -> None:
                with contextlib.suppress(AttributeError):
                    close()

            connection.close = close_once_more
        super().on_connection_error_after_connected(exc)
