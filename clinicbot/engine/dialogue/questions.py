"""Side questions (doctors, insurances, exams, prices, hours, address) and social replies.

Answers come from the clinic snapshot only (:mod:`.answers`); a booking in progress is
never changed by them: its pending question is asked again afterwards.
"""

from __future__ import annotations

import re

from ..nlu.normalize import normalize
from ..state import FLOW_STATES, SessionState, State
from ..types import ParseResult
from . import answers
from .turn import Turn, resume


def also_books(parse: ParseResult, text: str) -> bool:
    """A question that also asks to book a specialty or doctor."""
    wants = re.search(
        r"\b(?:marc\w*|agend\w*|consulta com|quero (?:um|uma)|queria (?:um|uma))\b", normalize(text)
    )
    return (
        bool(wants) and bool({"specialty", "doctor"} & parse.entities.keys()) and parse.intent != "ask_price"
    )


def social(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
    """Greetings, thanks, goodbyes, yes/no with nothing pending, FAQ or "out of scope"; then resume."""
    intent = parse.intent
    clinic = turn.catalog.clinic.name
    if intent == "greeting":
        turn.say(turn.t("greeting_short") if st.state in FLOW_STATES else turn.t("greeting", clinic=clinic))
    elif intent == "thanks":
        turn.say(turn.t("thanks"))
    elif intent == "goodbye":
        turn.say(turn.t("goodbye", clinic=clinic))
    elif intent == "confirm" and st.state == State.IDLE:
        turn.say(turn.t("anything_else"))
    elif intent == "deny" and st.state == State.IDLE:
        turn.say(turn.t("no_problem"))
    else:
        faq = answers.best_faq(turn.catalog, text)
        turn.say(faq.answer if faq else turn.t("out_of_scope"))
    if intent != "goodbye":
        resume(st, turn)


def answer(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> str:
    """The answer to a question about the clinic, by intent."""
    c = turn.catalog
    intent = parse.intent
    if intent == "ask_doctors":
        return answers.answer_doctors(c, parse)
    if intent == "ask_specialties":
        return answers.answer_specialties(c, parse, text)
    if intent == "ask_insurance":
        return answers.answer_insurance(c, parse, st, text)
    if intent == "ask_exams":
        return answers.answer_exams(c, parse, text)
    if intent == "ask_price":
        return answers.answer_price(c, parse, st)
    if intent == "ask_hours":
        return answers.answer_hours(c, parse)
    return answers.answer_location(c, text)
