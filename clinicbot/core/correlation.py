"""Correlation ids: one per HTTP request and one per processed message, in a contextvar.

The id of a request travels with the Celery tasks it enqueues (a message header), so
the webhook's log lines and the worker's answer to that message share one id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)
HEADER = "correlation_id"
# Accept a caller's X-Request-ID only if it looks like an id (never log arbitrary input).
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_correlation_id() -> str | None:
    """The id of the request or message being processed, if any."""
    return _current.get()


def new_correlation_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def correlation(value: str | None = None) -> Iterator[str]:
    """Run a block under a correlation id (a new one when ``value`` is empty)."""
    cid = value or new_correlation_id()
    token = _current.set(cid)
    try:
        yield cid
    finally:
        _current.reset(token)


class CorrelationIdMiddleware:
    """Gives every request a correlation id (the caller's X-Request-ID when sane) and echoes it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        given = request.headers.get("X-Request-ID", "")
        with correlation(given if _SAFE_ID.fullmatch(given) else None) as cid:
            response = self.get_response(request)
        response["X-Request-ID"] = cid
        return response


def connect_celery_signals() -> None:
    """Propagate the id into tasks, and give each task run one (its parent's, or new)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    tokens: dict[str, Any] = {}

    # Connected by call rather than as ``@signal.connect(weak=False)`` decorators (the same
    # thing in Celery): Celery has no types, and its decorator would leave these untyped.
    def _publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
        cid = _current.get()
        if headers is not None and cid and HEADER not in headers:
            headers[HEADER] = cid

    def _prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
        request = getattr(task, "request", None)
        parent = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
        # Eager tasks run inside the caller's context: keep its id.
        cid = _current.get() if getattr(request, "is_eager", False) and _current.get() else None
        if task_id:
            tokens[task_id] = _current.set(cid or parent or new_correlation_id())

    def _postrun(task_id: str | None = None, **_: Any) -> None:
        token = tokens.pop(task_id or "", None)
        if token is not None:
            _current.reset(token)

    before_task_publish.connect(_publish, weak=False)
    task_prerun.connect(_prerun, weak=False)
    task_postrun.connect(_postrun, weak=False)
