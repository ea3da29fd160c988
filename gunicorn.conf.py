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


def post_worker_init(worker: Any) -> None:
    # Embedded default (no broker): each worker runs its own in-process scheduler and
    # sweeper, started here, after the fork, rather than in a --preload master.
    from clinicbot.whatsapp.embedded import start_embedded_worker

    start_embedded_worker()


# Access lines carry URLs such as /api/v1/conversations/<phone>, ?token=…, the Z-API path
# secret or Meta's hub.verify_token: mask phone numbers as the application's own logs do
# (LGPD) and redact credentials, keeping the rest of the line.
from gunicorn.glogging import Logger  # noqa: E402

from clinicbot.core.logs import mask_phones, redact_query_string, redact_secrets  # noqa: E402  (stdlib-only)


class MaskedAccessLogger(Logger):
    """gunicorn's logger with secrets redacted and phones masked in every atom of the access line.

    Every string atom, not only the request line, path, query and referer: a log format
    may add request headers (``%({authorization}i)s``) or the environment.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in list(atoms.items()):
            if isinstance(value, str):
                value = redact_query_string(value) if key == "q" else redact_secrets(value)
                atoms[key] = mask_phones(value)
        return atoms


logger_class = MaskedAccessLogger
