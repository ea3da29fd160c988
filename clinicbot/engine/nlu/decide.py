"""Deciding a message's intent: the rules, the learned model and, when unsure, an LLM.

:func:`decide` is the one place the three readings meet (the rules' own reading stays in
:mod:`.detect`, the model's arithmetic in :mod:`.combine`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

from ..llm.understanding import validated
from ..ports import Interpreter
from ..types import Catalog
from .combine import RULE_FINAL, combine
from .features import symbol_tokens
from .model import IntentModel


class Reader(Protocol):
    """What :func:`decide` needs of the NLU (:class:`~clinicbot.engine.nlu.detect.Understanding`)."""

    catalog: Catalog
    model: IntentModel | None

    def _intent(self, r: Any, state: str) -> tuple[str, float]: ...

    def _rule_emergency(self, r: Any) -> bool: ...

    def features(self, r: Any, raw: str, group: str, rule_intent: str) -> list[str]: ...

    def _rules_settle(self, r: Any, state: str, group: str, rule_intent: str) -> bool: ...


MAX_TEXT = 2000
# With nothing asked, data is never an answer ("provide_info" only answers a question) and a
# greeting or an insurance question that also names who and when is a booking request:
# "boa tarde, endocrinologista pela bradesco segunda que vem às 10h".
_NOT_A_BOOKING_WHEN_IDLE = frozenset({"provide_info", "greeting", "ask_insurance", "out_of_scope"})


# A question says so: a question mark or an interrogative word (not the "que" of "terça que
# vem"). "agora o otorrino, terça que vem às 9" names who and when without asking: it books.
_QUESTION_FORM = re.compile(
    r"\?|\b(?:o que|que horas|qual|quais|quando|quanto|quantos|quem|onde|como|tem|atende|atendem|funciona|abre|aceita|aceitam)\b",
    re.IGNORECASE,
)


def _names_a_booking(entities: dict[str, str]) -> bool:
    """Who (a specialty or a doctor) and when (a date or a time): the shape of a booking request."""
    return bool({"specialty", "doctor"} & entities.keys()) and bool({"date", "time"} & entities.keys())


# The vocabulary of self-harm and despair, in normalised text: a self-harm reading without
# any of it is most likely an idiom ("pensando bem…", "morta de cansaço").
SELF_HARM_WORDS = re.compile(
    r"\b(?:morr\w*|mort[oa]s?|matar|mate|me mato|suicid\w*|vida|viver|vivo|sumir|desaparecer|"
    r"acabar com tudo|acabar comigo|dar um fim|fim a|tirar a|me cortar|cortando|cortei|machucar|"
    r"me ferir|aguento|aguenta|suporto|sem saida|saida|desistir|desisti|pular|ponte|veneno|remedios|"
    r"comprimidos|cartela|enforc\w*|forca|dormir pra sempre|nao acordar|nao quero mais|ninguem liga|"
    r"sozinh[oa]|vazio|sem sentido|inutil|peso)\b"
)
# Below this confidence an out-of-scope reading gets a configured LLM's second reading; any
# reading below GUESS does.
ASK_LLM_BELOW = 0.55
GUESS = 0.35


def decide(
    u: Reader,
    r: Any,
    raw: str,
    *,
    state: str,
    group: str,
    today: dt.date,
    interpreter: Interpreter | None,
) -> tuple[str, float, str]:
    """(intent, confidence, tag) of a reading ``r`` of ``raw`` in ``state`` (contract situation ``group``).

    ``interpreter`` (an LLM, when the clinic configured one) is asked for a second reading
    only when the offline NLU is unsure, never about an emergency or an explicit request for
    a person or a cancellation; its reading is checked against the clinic's own names
    before it counts, and its entities only fill gaps.
    """
    rule_intent, rule_confidence = u._intent(r, state)
    intent, confidence, tag = rule_intent, rule_confidence, ""
    rule_emergency = u._rule_emergency(r)
    if u.model is not None and (r.text or symbol_tokens(raw)):
        prediction = u.model.predict(u.features(r, raw, group, rule_intent))
        as_if_idle = None if group == "idle" else u.model.predict(u.features(r, raw, "idle", rule_intent))
        intent, confidence, tag = combine(
            prediction,
            rule_intent,
            rule_confidence,
            group,
            rule_emergency=rule_emergency,
            as_if_idle=as_if_idle,
            rule_final=u._rules_settle(r, state, group, rule_intent),
            self_harm_words=bool(SELF_HARM_WORDS.search(r.text)),
        )
    if (
        group == "idle"
        and _names_a_booking(r.entities)
        and (
            intent in _NOT_A_BOOKING_WHEN_IDLE
            or (intent.startswith("ask_") and not _QUESTION_FORM.search(raw))
        )
    ):
        intent, tag = "schedule_appointment", ""
    settled = rule_emergency or intent == "emergency" or (intent == rule_intent and intent in RULE_FINAL)
    # Asked when the offline reading would end in "não entendi" (out_of_scope, unsure) or is a
    # guess: a confident offline reading of a long booking message is not handed to a model.
    unsure = confidence < GUESS or (intent == "out_of_scope" and confidence < ASK_LLM_BELOW)
    if interpreter is not None and unsure and not settled:
        second = validated(
            interpreter.interpret(raw[:MAX_TEXT], situation=group, catalog=u.catalog, today=today),
            u.catalog,
            today,
        )
        if second is not None:
            intent, confidence, tag = second.intent, ASK_LLM_BELOW, ""
            for key, value in second.entities.items():
                r.entities.setdefault(key, value)
    return intent, confidence, tag
