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
from .intents import INTENTS
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

# What a clarifying question may offer: the requests the assistant can act on (not social
# words, answers to its own questions, an emergency or "anything else").
_NOT_REQUESTS = frozenset(
    {"greeting", "goodbye", "thanks", "provide_info", "confirm", "deny", "emergency", "out_of_scope"}
)
REQUESTS = tuple(intent for intent in INTENTS if intent not in _NOT_REQUESTS)
# A request worth offering holds at least this probability; at most MAX_ALTERNATIVES are.
ALTERNATIVE_FLOOR = 0.08
MAX_ALTERNATIVES = 3
# Readings that are answers of their own, never replaced by a question.
_SETTLED_TAGS = frozenset(
    {"faq", "medical_advice", "complaint", "self_harm", "stop_flow", "smalltalk", "symptom"}
)
_BOOKING_DATA = frozenset({"specialty", "doctor", "insurance", "exam", "date", "time", "patient_name"})


def plausible_requests(
    probs: dict[str, float], intent: str, confidence: float, tag: str, entities: dict[str, str]
) -> tuple[str, ...]:
    """The requests an unsure reading most likely is, for a clarifying question (or none).

    Two readings are unsure: "out_of_scope" below :data:`ASK_LLM_BELOW` (the assistant would
    say "não consigo ajudar"), and a request the model itself barely holds while it leans to
    another one ("preciso resolver aquele negócio da minha consulta": move, book or cancel?).
    A message that names booking data, or that the model refines (an FAQ, a complaint…), is
    never one: it has an answer of its own.
    """
    if tag in _SETTLED_TAGS or _BOOKING_DATA & entities.keys():
        return ()
    ranked = [
        k for k in sorted(probs, key=lambda k: -probs[k]) if k in REQUESTS and probs[k] >= ALTERNATIVE_FLOOR
    ]
    if intent == "out_of_scope":
        return tuple(ranked[:MAX_ALTERNATIVES]) if confidence < ASK_LLM_BELOW else ()
    if intent not in REQUESTS or probs.get(intent, 0.0) >= GUESS or not ranked or ranked[0] == intent:
        return ()
    # The model's lead and the reading that stood (the rules'), then the rest.
    options = [ranked[0], intent, *(k for k in ranked[1:] if k != intent)]
    return tuple(options[:MAX_ALTERNATIVES])


def decide(
    u: Reader,
    r: Any,
    raw: str,
    *,
    state: str,
    group: str,
    today: dt.date,
    interpreter: Interpreter | None,
) -> tuple[str, float, str, tuple[str, ...]]:
    """(intent, confidence, tag, alternatives) of a reading ``r`` of ``raw`` in ``state`` (situation ``group``).

    ``alternatives`` (nothing pending, an unsure reading): see :func:`plausible_requests`.

    ``interpreter`` (an LLM, when the clinic configured one) is asked for a second reading
    only when the offline NLU is unsure, never about an emergency or an explicit request for
    a person or a cancellation; its reading is checked against the clinic's own names
    before it counts, and its entities only fill gaps.
    """
    rule_intent, rule_confidence = u._intent(r, state)
    intent, confidence, tag = rule_intent, rule_confidence, ""
    probs: dict[str, float] = {}
    rule_emergency = u._rule_emergency(r)
    if u.model is not None and (r.text or symbol_tokens(raw)):
        prediction = u.model.predict(u.features(r, raw, group, rule_intent))
        probs = prediction.intent_probabilities()
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
            return intent, confidence, tag, ()
    if group != "idle" or settled:
        return intent, confidence, tag, ()
    return intent, confidence, tag, plausible_requests(probs, intent, confidence, tag, r.entities)
