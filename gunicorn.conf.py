"""gunicorn settings read automatically from the working directory (``gunicorn clinicbot.wsgi``).

Prometheus metrics with several workers: export ``PROMETHEUS_MULTIPROC_DIR`` (an empty,
writable directory, wiped at each start) before gunicorn starts, so every worker writes
its metrics there and ``/metrics`` adds them up. This hook tells prometheus-client a
worker died, so its live gauges are dropped (counters and histograms keep their totals).
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
