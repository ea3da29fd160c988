"""The clarifying question: when the assistant is unsure, it asks instead of guessing.

A message read with low confidence (nothing pending) carries the requests it most likely
is (:attr:`ParseResult.alternatives`, from :func:`~clinicbot.engine.nlu.decide.plausible_requests`).
Instead of "não consigo ajudar", or a booking the patient never asked for, the assistant
offers them as numbered choices, with a person always among them:

    Não sei se entendi bem. 🤔 Você quer:
    1. Remarcar uma consulta
    2. Marcar uma consulta
    3. Falar com a recepção

A pick ("2", "a segunda", a tapped option) reads the original message again as that
request, so what it said (a doctor, a day) is kept. Anything else withdraws the question
and is read as usual — and is never answered with a second clarifying question in a row.
"""

from __future__ import annotations

import dataclasses

from ..nlu.choices import extract_choice_number
from ..nlu.lexicon import Matches
from ..nlu.normalize import normalize
from ..replies.format import numbered
from ..state import SessionState, State
from ..types import Choice, ParseResult
from .turn import Turn

HUMAN = "human_agent"
# A pick is a short answer: "2", "a segunda", "opção 1", "o primeiro".
_MAX_PICK_WORDS = 4


def can_ask(st: SessionState, parse: ParseResult) -> bool:
    """The message is unsure enough to ask, and nothing is in progress."""
    return st.state == State.IDLE and not st.handed_off and bool(parse.alternatives)


def ask(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
    """Offer the likely requests (and a person) as numbered choices."""
    options = [o for o in parse.alternatives if o != HUMAN] + [HUMAN]
    labels = [turn.t(f"clarify_{option}") for option in options]
    st.context.clarify_options = options
    st.context.clarify_text = text
    turn.say(
        turn.t("clarify", options=numbered(labels)),
        tuple(Choice.short(i, label) for i, label in enumerate(labels, 1)),
    )
    turn.events.append("clarify")


def withdraw(st: SessionState) -> tuple[list[str], str]:
    """Take the pending question away (it is answered now or never): its options and message."""
    options, text = st.context.clarify_options, st.context.clarify_text
    st.context.clarify_options, st.context.clarify_text = [], ""
    return options, text


def picked(options: list[str], parse: ParseResult, text: str) -> str:
    """The request a short answer picks among ``options`` ("" when it picks none)."""
    words = normalize(text).split()
    if not words or len(words) > _MAX_PICK_WORDS:
        return ""
    number = parse.choice if parse.choice is not None else extract_choice_number(" ".join(words))
    if number == -1:
        number = len(options)
    if number is None or not 1 <= number <= len(options):
        return ""
    return options[number - 1]


def declines(parse: ParseResult, text: str) -> bool:
    """ "nenhum", "não": none of the options."""
    words = normalize(text).split()
    return parse.intent == "deny" and len(words) <= _MAX_PICK_WORDS and not parse.entities


def reread(original: str, request: str, turn: Turn) -> tuple[ParseResult, Matches]:
    """The original message read again as ``request`` (its doctor, day… kept)."""
    parse, matches = turn.understanding.detect(
        original, state=str(State.IDLE), today=turn.now.date(), now_time=turn.now.time()
    )
    return dataclasses.replace(parse, intent=request, confidence=1.0, tag="", alternatives=()), matches


def without_alternatives(parse: ParseResult) -> ParseResult:
    """The parse, never clarified again (right after a clarifying question)."""
    return dataclasses.replace(parse, alternatives=()) if parse.alternatives else parse
