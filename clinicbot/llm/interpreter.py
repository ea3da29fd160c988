"""The LLM's second reading of a message the offline NLU is unsure about (engine ``Interpreter`` port).

The NLU asks only below its confidence threshold, never about an emergency, an explicit
request for a person or a cancellation (``engine/nlu/detect.py``). Each reading is one
structured-output call under the same rules as the replies' wording: the shared daily
token budget (a smaller prompt in economy mode, no call once it is spent), the shared
circuit breaker, the provider's timeouts and retries, and token accounting — recorded
with the purpose ``understanding`` so the admin and ``evaluate`` tell it apart.

Whatever the model answers is checked against the contract's intents and the clinic's
own names (:func:`~clinicbot.engine.llm.understanding.validated`); the dialogue policy
still decides and books. Any failure returns None — the offline reading stands — and is
counted. With ``LLM_PROVIDER=offline`` (or ``LLM_UNDERSTANDING=off``) there is no
interpreter at all: no call, no query.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from clinicbot.engine.llm.understanding import reading_from_json, validated
from clinicbot.engine.llm.understanding_prompt import ECONOMY_READING, NORMAL_READING, build_reading_prompt
from clinicbot.engine.ports import LlmReading
from clinicbot.engine.types import Catalog

from .breaker import breaker_allows, breaker_record_failure, breaker_record_success
from .models import BudgetMode, ProviderName, Purpose
from .providers import LLMError, Provider, get_provider
from .usage import budget_mode, fallback_record, usage_day, usage_record

logger = logging.getLogger(__name__)


class LlmInterpreter:
    """Readings through the configured provider for one turn (one conversation, one instant)."""

    # One reading per turn: the NLU asks once; a second ask would be a bug paying twice.
    MAX_READINGS = 1

    def __init__(self, provider: Provider, *, session_id: int | None, now: dt.datetime) -> None:
        self.provider = provider
        self.session_id = session_id
        self.now = now
        self.readings = 0

    def interpret(self, text: str, *, situation: str, catalog: Catalog, today: dt.date) -> LlmReading | None:
        """The checked reading of ``text``, or None (the offline reading stands); never raises."""
        if self.readings >= self.MAX_READINGS:
            return None
        self.readings += 1
        try:
            return self._interpret(text, situation, catalog, today)
        except Exception:
            # The patient still gets the offline reading; the team sees the traceback.
            logger.exception("LLM reading failed for session %s", self.session_id)
            return None

    def _interpret(self, text: str, situation: str, catalog: Catalog, today: dt.date) -> LlmReading | None:
        day = usage_day(now=self.now, timezone=catalog.clinic.timezone)

        def failed(reason: str) -> None:
            fallback_record(
                provider=self.provider.name,
                day=day,
                session_id=self.session_id,
                reason=reason,
                purpose=Purpose.UNDERSTANDING,
            )

        mode = budget_mode(day=day)
        if mode == BudgetMode.OFFLINE:
            failed("budget")
            return None
        if not breaker_allows(now=self.now):
            failed("circuit_open")
            return None
        request = build_reading_prompt(
            message=text,
            situation=situation,
            catalog=catalog,
            today=today,
            spec=ECONOMY_READING if mode == BudgetMode.ECONOMY else NORMAL_READING,
        )
        try:
            completion = self.provider.complete_json(request.prompt, request.schema)
        except LLMError as exc:
            breaker_record_failure(now=self.now)
            logger.warning("LLM reading failed (%s); offline reading kept", exc.reason)
            failed(exc.reason)
            return None
        breaker_record_success()
        usage_record(
            provider=self.provider.name,
            day=day,
            session_id=self.session_id,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            purpose=Purpose.UNDERSTANDING,
        )
        reading = validated(reading_from_json(completion.text), catalog, today)
        if reading is None:
            # The server answered, so the breaker stays closed; the answer was no reading.
            logger.info("LLM reading unusable (not JSON or no contract intent); offline reading kept")
            failed("invalid")
            return None
        return reading


def interpreter_for(*, session_id: int | None, now: dt.datetime) -> LlmInterpreter | None:
    """The turn's interpreter when a provider is configured and readings are on; else None (no cost)."""
    if settings.LLM_PROVIDER == ProviderName.OFFLINE or not settings.LLM_UNDERSTANDING:
        return None
    try:
        provider = get_provider()
    except Exception:
        logger.exception("LLM provider unavailable; offline reading only")
        return None
    return None if provider is None else LlmInterpreter(provider, session_id=session_id, now=now)
