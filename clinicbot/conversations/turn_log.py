"""One structured log line per answered turn (phone, name and text are masked by the log filter)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from clinicbot.engine.types import Catalog, TurnResult

logger = logging.getLogger("clinicbot.turns")
_F = TypeVar("_F", bound=Callable[..., TurnResult])


def logged_turn(run: _F) -> _F:
    """Decorate the pipeline's engine turn ``(stored, text, now, catalog)`` to log its outcome."""

    @functools.wraps(run)
    def wrapper(
        stored: Any, text: str, now: dt.datetime, catalog: Catalog, *args: Any, **kwargs: Any
    ) -> TurnResult:
        started = time.perf_counter()
        result = run(stored, text, now, catalog, *args, **kwargs)
        extra = {
            "session_id": stored.id,
            "phone": stored.state.phone,
            "patient_name": stored.state.patient_name,
            "intent": result.parse.intent,
            "confidence": round(result.parse.confidence, 3),
            "state": stored.state.state,
            "events": list(result.events),
            "replies": len(result.replies),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        logger.info("turn answered", extra=extra)
        # The words themselves: masked too, except at DEBUG level on a DEBUG=1 machine.
        logger.debug("turn text", extra={"text": text, "reply": "\n".join(r.text for r in result.replies)})
        return result

    return wrapper  # type: ignore[return-value]
