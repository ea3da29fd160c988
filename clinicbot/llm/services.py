"""The LLM's part of a turn: phrase or answer after the policy decided, never instead of it.

``replies_phrase`` runs after the dialogue policy. The policy has already decided
everything (slots, availability, bookings, hand-offs); the LLM may only reword the first
reply of a question turn, or answer a free-form question from retrieved clinic facts.
Its text replaces the offline reply only if :func:`~clinicbot.engine.llm.guard.check_reply`
accepts it; any failure (budget spent, breaker open, timeout, rejected text) sends the
offline reply. With ``LLM_PROVIDER=offline`` it returns at once: no query, no network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings

from clinicbot.core.cache import safe_delete, safe_get, safe_set
from clinicbot.engine.dialogue.turn import QUESTION_INTENTS
from clinicbot.engine.llm.facts import Fact, catalog_facts
from clinicbot.engine.llm.guard import Grounding, ReplyRejected, check_reply, grounding_for
from clinicbot.engine.llm.prompt import ECONOMY, NORMAL, Prompt, Task, build_prompt
from clinicbot.engine.types import Catalog, Reply, SessionState, TurnResult

if TYPE_CHECKING:
    from clinicbot.engine.llm.retrieval import Retriever

from .breaker import breaker_allows, breaker_record_failure, breaker_record_success
from .models import BudgetMode, ProviderName
from .providers import LLMError, Provider, get_provider
from .usage import budget_mode, fallback_record, usage_day, usage_record

logger = logging.getLogger(__name__)

HISTORY_KEEP = 6  # messages kept per conversation for the prompt (3 are sent)


@dataclasses.dataclass(frozen=True)
class _Knowledge:
    facts: tuple[Fact, ...]
    retriever: Retriever
    grounding: Grounding


_knowledge: tuple[Catalog, _Knowledge] | None = None


def knowledge_for(catalog: Catalog) -> _Knowledge:
    """Facts, BM25 index and grounding of this snapshot (rebuilt only when it changes)."""
    global _knowledge
    if _knowledge is None or _knowledge[0] is not catalog:
        # Imported here: rank-bm25 pulls in numpy, which the offline default never needs.
        from clinicbot.engine.llm.retrieval import Bm25Retriever

        facts = catalog_facts(catalog)
        _knowledge = (catalog, _Knowledge(facts, Bm25Retriever(facts), grounding_for(catalog, facts)))
    return _knowledge[1]


def _task_of(result: TurnResult) -> Task | None:
    """Which turns the LLM may touch: questions, never a booking step or an emergency."""
    if not result.replies or result.events or result.state.handed_off or result.replies[0].choices:
        return None
    if result.parse.intent == "out_of_scope":
        return "answer"
    if result.parse.intent in QUESTION_INTENTS:
        return "phrase"
    return None


def _slots(state: SessionState) -> dict[str, str]:
    return {
        "nome": state.patient_name,
        "especialidade": state.specialty,
        "médico": state.doctor,
        "convênio": state.insurance,
        "data": state.date,
        "horário": state.time,
        "período": state.period,
    }


def _history_key(session_id: int) -> str:
    return f"llm:history:{session_id}"


def _remember(session_id: int, history: list[tuple[str, str]], text: str, reply: str) -> None:
    # The cache only: this is context for the next prompt; the messages themselves are
    # stored by the pipeline.
    kept = [*history, ("paciente", text[:300]), ("assistente", reply[:300])][-HISTORY_KEEP:]
    safe_set(_history_key(session_id), kept, settings.SESSION_IDLE_RESET_MINUTES * 60)


def llm_history_forget(*, session_id: int) -> None:
    """Drop a conversation's cached LLM context (an LGPD erase: it quotes the patient)."""
    safe_delete(_history_key(session_id))


def prompt_for(
    *,
    task: Task,
    text: str,
    draft: str,
    state: SessionState,
    catalog: Catalog,
    history: list[tuple[str, str]],
    economy: bool,
) -> Prompt:
    """The prompt of one turn: the few facts BM25 finds for the message and this conversation only."""
    spec = ECONOMY if economy else NORMAL
    knowledge = knowledge_for(catalog)
    facts = knowledge.retriever.top(text, spec.max_facts)
    return build_prompt(
        task=task,
        clinic=catalog.clinic.name,
        message=text,
        draft=draft,
        facts=facts,
        history=history,
        slots=_slots(state),
        spec=spec,
    )


def replies_phrase(
    *, result: TurnResult, text: str, session_id: int, catalog: Catalog, now: dt.datetime
) -> TurnResult:
    """The turn's replies, the first one possibly worded by the LLM; never raises."""
    if settings.LLM_PROVIDER == ProviderName.OFFLINE:
        return result
    try:
        provider = get_provider()
        if provider is None:
            return result
        return _phrase(provider, result, text, session_id, catalog, now)
    except Exception:
        # The patient always gets the offline reply; the team sees the traceback.
        logger.exception("LLM phrasing failed for session %s", session_id)
        return result


def _phrase(
    provider: Provider, result: TurnResult, text: str, session_id: int, catalog: Catalog, now: dt.datetime
) -> TurnResult:
    history = list(safe_get(_history_key(session_id)) or [])
    first = result.replies[0] if result.replies else None
    task = _task_of(result)
    if task is None or first is None:
        if first is not None:
            _remember(session_id, history, text, first.text)
        return result
    day = usage_day(now=now, timezone=catalog.clinic.timezone)
    final = _attempt(provider, task, result, text, session_id, catalog, now, day, history)
    _remember(session_id, history, text, final or first.text)
    if final is None:
        return result
    return dataclasses.replace(result, replies=(Reply(final, first.choices), *result.replies[1:]))


def _attempt(
    provider: Provider,
    task: Task,
    result: TurnResult,
    text: str,
    session_id: int,
    catalog: Catalog,
    now: dt.datetime,
    day: dt.date,
    history: list[tuple[str, str]],
) -> str | None:
    """The LLM's checked text, or None (and a counted fallback) when the offline reply must go."""

    def fallback(reason: str) -> None:
        fallback_record(provider=provider.name, day=day, session_id=session_id, reason=reason)

    mode = budget_mode(day=day)
    if mode == BudgetMode.OFFLINE:
        fallback("budget")
        return None
    if not breaker_allows(now=now):
        fallback("circuit_open")
        return None
    draft = result.replies[0].text
    prompt = prompt_for(
        task=task,
        text=text,
        draft=draft,
        state=result.state,
        catalog=catalog,
        history=history,
        economy=mode == BudgetMode.ECONOMY,
    )
    if prompt.chars > prompt.spec.max_chars:
        fallback("prompt_too_long")
        return None
    try:
        completion = provider.complete(prompt)
    except LLMError as exc:
        breaker_record_failure(now=now)
        logger.warning("LLM call failed (%s); offline reply sent", exc.reason)
        fallback(exc.reason)
        return None
    breaker_record_success()
    usage_record(
        provider=provider.name,
        day=day,
        session_id=session_id,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
    )
    try:
        return check_reply(
            completion.text,
            offline_text=draft,
            grounding=knowledge_for(catalog).grounding,
            max_chars=prompt.spec.max_reply_chars,
        )
    except ReplyRejected as exc:
        logger.info("LLM reply rejected (%s); offline reply sent", exc.reason)
        fallback("rejected")
        return None
