"""Handing a stored conversation to the worker — or answering it here when the broker is down.

In the documented set-up Redis is both the cache and the Celery broker. When it is down a
webhook still stores the message and answers 200, but no task can be queued. Rather than
leave the patient waiting for the broker, the web process answers the conversation itself
in a small pool of background threads (``BROKER_FALLBACK_THREADS``, 0 = off), after the
same debounce window the task would have waited. The answer is the task's own code
(:func:`~clinicbot.whatsapp.answer.answer_conversation`), under the same row lock and
outbox claims, so a worker that runs the same conversation later finds nothing left.

After a failed publish the broker is not tried again for a few seconds (each try costs a
connection attempt on the webhook's time). The first publish that works again queues a
sweep of everything stored but unanswered; the worker does the same whenever it
(re)connects (see ``clinicbot/celery.py``), so a backlog left by the outage is drained as
soon as the broker is back rather than at the next periodic sweep.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from clinicbot.conversations.pipeline import Deferred
from clinicbot.core.metrics import BROKER_FALLBACKS
from clinicbot.core.tasks import enqueue

from .answer import answer_conversation

logger = logging.getLogger("clinicbot.dispatch")

BROKER_RETRY_SECONDS = 5.0
_OUTBOX_RETRIES = (1, 2, 4, 8, 16)  # a transient gateway error while answering here

_lock = threading.Lock()
_broker_down_until = 0.0
_queued: set[int] = set()  # conversations waiting for a fallback thread (not yet started)
_pool: tuple[int, ThreadPoolExecutor] | None = None


def dispatch_conversation(session_id: int, *, delay: float) -> None:
    """Queue ``process_conversation`` (after ``delay`` seconds); answer here if the broker refuses it."""
    from .tasks import process_conversation

    if time.monotonic() >= _broker_down_until:
        try:
            enqueue(process_conversation, session_id, countdown=delay)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            _broker_failed(exc)
        else:
            _broker_answered()
            return
    answer_here(session_id, delay=delay)


def _broker_failed(exc: Exception) -> None:
    global _broker_down_until
    with _lock:
        first = _broker_down_until == 0.0
        _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
    if first:
        logger.warning("task broker unreachable (%s): answering from the web process", type(exc).__name__)


def _broker_answered() -> None:
    """After an outage: the broker takes tasks again, so drain what the outage left behind."""
    global _broker_down_until
    with _lock:
        recovered, _broker_down_until = _broker_down_until != 0.0, 0.0
    if recovered:
        from .tasks import sweep_unprocessed

        logger.warning("task broker reachable again: sweeping unanswered conversations")
        try:
            enqueue(sweep_unprocessed, 0)
        except Exception:
            logger.exception("could not queue the sweep; the worker sweeps when it reconnects")


def answer_here(session_id: int, *, delay: float) -> bool:
    """Answer the conversation in a background thread of this process; False when that is off."""
    global _pool
    threads = settings.BROKER_FALLBACK_THREADS
    if threads <= 0:
        logger.warning("broker down and BROKER_FALLBACK_THREADS=0: the message waits for the worker")
        return False
    with _lock:
        if session_id in _queued:
            return True  # a thread will answer it (and everything stored before it starts)
        _queued.add(session_id)
        if _pool is None or _pool[0] != os.getpid():  # made after a fork, never inherited
            _pool = (
                os.getpid(),
                ThreadPoolExecutor(max_workers=threads, thread_name_prefix="broker-fallback"),
            )
        pool = _pool[1]
    BROKER_FALLBACKS.inc()
    pool.submit(_answer, session_id, delay)
    return True


def _answer(session_id: int, delay: float) -> None:
    """One conversation, as ``process_conversation`` and ``send_outbox`` would handle it."""
    try:
        time.sleep(delay)
        while True:
            with _lock:
                _queued.discard(session_id)  # a message stored from now on needs another round
            outcome = answer_conversation(session_id)
            if not isinstance(outcome, Deferred):
                break
            with _lock:
                _queued.add(session_id)
            time.sleep(outcome.seconds)
        result = outcome.outbox
        if result is not None and result.retry:
            _retry_outbox(session_id, first_wait=result.wait)
    except Exception:
        logger.exception("answering in the web process failed; the sweeper will pick it up")
    finally:
        connections.close_all()  # this thread's connections only


def _retry_outbox(session_id: int, *, first_wait: float) -> None:
    """A reply could not be sent: hand it to the worker, or retry here while the broker is down."""
    from .gateways.registry import gateway_from_settings
    from .outbox import outbox_send
    from .tasks import send_outbox

    wait = first_wait
    for backoff in _OUTBOX_RETRIES:
        time.sleep(wait or backoff)
        try:
            enqueue(send_outbox, session_id)
            return
        except Exception:
            pass
        result = outbox_send(gateway=gateway_from_settings(settings), session_id=session_id)
        if not result.retry:
            return
        wait = result.wait
    logger.warning("a reply is still unsent after retries in the web process; the sweeper will retry")
