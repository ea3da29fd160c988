"""Side questions (doctors, insurances, exams, prices, hours, address) and social replies.

Answers come from the clinic snapshot only (:mod:`.answers`); a booking in progress is
never changed by them: its pending question is asked again afterwards.
"""

from __future__ import annotations

import re

from ..nlu.normalize import normalize
from ..replies.format import of_clinic
from ..state import FLOW_STATES, SessionState, State
from ..types import ParseResult
from . import answers, clarify, references
from .turn import Turn, resume

_WANTS = re.compile(r"\b(?:marc\w*|agend\w*|consulta com|quero (?:um|uma)|queria (?:um|uma))\b")
# "Preciso de ortopedista, convênio Bradesco": a statement of need, not a question.
_NEEDS = re.compile(r"\b(?:preciso|precisava|quero|queria|gostaria)\b")


def also_books(parse: ParseResult, text: str) -> bool:
    """A question that also asks to book a specialty or doctor (or a need stated with one)."""
    if parse.intent == "ask_price" or not {"specialty", "doctor"} & parse.entities.keys():
        return False
    normalized = normalize(text)
    stated_need = "?" not in text and not _QUESTION.search(normalized) and _NEEDS.search(normalized)
    # "ortopedista segunda às 12h pelo hapvida, pode ser?": a question that is a booking.
    names_when = {"date", "time"} <= parse.entities.keys()
    return bool(_WANTS.search(normalized) or stated_need or names_when)


# Requests about the patient's own bookings: a question that may be one is clarified.
_APPOINTMENT_ACTIONS = frozenset(
    {"schedule_appointment", "reschedule_appointment", "cancel_appointment", "check_appointment"}
)
_QUESTION = re.compile(
    r"\?|^(?:e )?(?:o que|oque|como|por que|porque|qual|quais|quando|onde|quanto|quantos|quantas|quem|"
    r"tem|voces|pode|posso|da pra|aceita\w*|faz\w*|precisa)\b"
)


def social(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
    """Greetings, thanks, goodbyes, yes/no with nothing pending, the FAQ, or an honest "não sei"; then resume."""
    intent = parse.intent
    clinic = turn.catalog.clinic.name
    if intent == "greeting":
        name = parse.entities.get("patient_name", "")
        if name and st.state == State.IDLE:
            st.patient_name = name  # "Oi! Me chamo Priscila": the booking that follows is hers
            turn.say(turn.t("greeting_named", name=name.split()[0], of_clinic=of_clinic(clinic)))
        else:
            greeting = turn.t("greeting", clinic=clinic, of_clinic=of_clinic(clinic))
            turn.say(turn.t("greeting_short") if st.state in FLOW_STATES else greeting)
    elif intent == "thanks":
        turn.say(turn.t("thanks"))
    elif intent == "goodbye":
        turn.say(turn.t("goodbye", clinic=clinic))
    elif intent == "confirm" and st.state == State.IDLE:
        turn.say(turn.t("anything_else"))
    elif intent == "deny" and st.state == State.IDLE:
        turn.say(turn.t("no_problem"))
    else:
        unanswered(st, parse, text, turn)
    if intent != "goodbye":
        resume(st, turn)


def unanswered(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
    """What no intent covers: the clinic's FAQ, a specialty for a complaint, or an honest "não sei".

    A question the clinic's data cannot answer is never given an unrelated answer: the
    assistant says it does not know and offers a person ("sim" hands the conversation over).
    """
    references.remember_topic(st, parse, turn.catalog)  # "a dermatologista atende online?" -> "com ela"
    faq = _faq(st, text, turn)
    if faq:
        turn.say(faq)
        return
    as_question = ParseResult("ask_exams", parse.confidence, parse.entities)  # read as a short question
    about = references.with_topic(st, as_question, text)
    if "exam" in about.entities and "exam" not in parse.entities:  # "quantas horas?" after a preparation
        turn.say(answers.answer_exams(turn.catalog, about, text))
        return
    suggestion = references.symptom_suggestion(st, parse, text, turn.catalog)
    if suggestion and st.state not in FLOW_STATES:
        turn.say(turn.t("symptom_suggestion", complaint=suggestion.complaint, specialty=suggestion.specialty))
        offer(st, "booking", specialty=suggestion.specialty)
        return
    question = bool(_QUESTION.search(normalize(text))) or "?" in text
    if clarify.can_ask(st, parse) and (not question or parse.alternatives[0] in _APPOINTMENT_ACTIONS):
        # Unsure, not "não consigo ajudar": the likely requests as choices (a question the
        # clinic's data may not answer keeps its honest "não sei", unless it is about a booking).
        clarify.ask(st, parse, text, turn)
        return
    turn.not_understood = True
    if question:
        turn.say(turn.t("dont_know"))
        offer(st, "handoff")
        return
    turn.say(turn.t("out_of_scope"))


def _faq(st: SessionState, text: str, turn: Turn) -> str:
    """The FAQ answer to ``text`` — read with the last FAQ answered when it is a short follow-up."""
    # A message that finds an entry on its own is about that entry ("e a senha do wifi?" after
    # the payment answer); only one that finds none is read with the last entry answered.
    item = answers.best_faq(turn.catalog, text)
    if item is None and (follow_up := references.faq_follow_up(st, text)):
        item = answers.best_faq(turn.catalog, follow_up)
    if item is None:
        return ""
    references.remember_faq(st, item.question)
    return item.answer


def offer(st: SessionState, what: str, *, specialty: str = "", data: dict[str, str] | None = None) -> None:
    """Leave a yes/no offer pending ("Quer marcar?", "Chamo a recepção?") when nothing else is.

    A soft offer: the next message is still read as if nothing were pending (a follow-up
    question stays a question); only a plain yes or no, or booking data, answers it.
    """
    if st.state != State.IDLE or st.handed_off:
        return
    st.context.offer, st.context.offer_specialty = what, specialty
    st.context.offer_data = {k: v for k, v in (data or {}).items() if k in _CARRIED}


def answer(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> str:
    """The answer to a question about the clinic, by intent (follow-ups read with the last subject)."""
    follow_up = references.faq_follow_up(st, text)
    if (
        follow_up
        and not parse.entities
        and parse.intent in _GENERIC_ANSWERS
        and not answers.names_its_subject(parse.intent, text)
        and (faq := _faq(st, text, turn))
    ):
        return faq  # "e que horas vocês passam?" right after the home-collection FAQ
    if not parse.entities and parse.intent in _GENERIC_ANSWERS:
        strong = answers.strong_faq(turn.catalog, text)
        if strong:  # "quanto custa a coleta em casa?": the clinic's own answer, not the price list
            references.remember_faq(st, strong.question)
            return strong.answer
    parse = references.with_topic(st, parse, text)
    references.remember_topic(st, parse, turn.catalog)
    if "patient_name" in parse.entities and st.state == State.IDLE:
        st.patient_name = parse.entities["patient_name"]  # "é pro meu filho Heitor…": the booking is his
    reply = _answer(st, parse, text, turn)
    references.remember_question(st, parse.intent)
    if parse.intent in _OFFERS_BOOKING and "specialty" in parse.entities:
        offer(st, "booking", specialty=parse.entities["specialty"], data=parse.entities)
    return reply


# What a question already said that a booking accepted afterwards keeps.
_CARRIED = frozenset({"doctor", "insurance", "date", "time", "period", "patient_name"})
# Answers about a specialty end with "Quer marcar?": a yes (or a date) books it.
_OFFERS_BOOKING = frozenset({"ask_specialties", "ask_doctors", "ask_insurance", "ask_price"})


# Questions whose answer without a subject is the clinic's general one (hours, prices, address).
_GENERIC_ANSWERS = frozenset({"ask_hours", "ask_price", "ask_location", "ask_exams", "ask_insurance"})


def _answer(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> str:
    c = turn.catalog
    intent = parse.intent
    if (
        intent == "ask_hours"
        and "exam" in parse.entities
        and not {"doctor", "specialty"} & parse.entities.keys()
    ):
        intent = "ask_exams"  # "quantas horas?" after an exam's preparation: its fasting
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
