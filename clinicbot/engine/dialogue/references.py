"""What a message leaves unsaid: "e qd ele atende?", "com ela", "e pelo Bradesco cobre?".

The last answer's subject (a doctor, a specialty, an exam) is remembered in the context; a
short follow-up or a pronoun with no subject of its own is read as being about it. A
complaint with no specialty named ("dor no joelho") gets the specialty that usually sees
it, as a suggestion (:mod:`clinicbot.engine.knowledge.symptoms`).
"""

from __future__ import annotations

import re

from ..knowledge.symptoms import Suggestion, suggest_specialty
from ..nlu.normalize import normalize
from ..state import SessionState, State
from ..types import Catalog, ParseResult

_SUBJECTS = ("doctor", "specialty", "exam")
# A pronoun or a leading "e" that points back to what was just talked about.
_POINTS_BACK = re.compile(
    r"^e\b|\b(?:ele|ela|dele|dela|nele|nela|esse|essa|desse|dessa|nesse|nessa|o mesmo|a mesma|com o doutor|com a doutora)\b"
)
_FOLLOW_UP_WORDS = 6
# A subject older than this many turns is not what a follow-up points back to.
TOPIC_TURNS = 3
# A booking right after a question about a subject is about it ("qto é o pediatra?" ->
# "então marca pro meu filho sábado às 9"), for this many turns.
BOOKING_TOPIC_TURNS = 2
# "ah então pode ser com ela", "tá, pode ser esse", "sim, com ele": a yes to the proposal.
_ACCEPTS = re.compile(
    r"^(?:(?:ah|ai|ahh|bom|entao|ta|tah|ok|beleza|sim|isso|opa|uai|bah|oxe)\s+)*"
    r"(?:pode ser|sim|com (?:ele|ela)|esse|essa|ok|beleza|fechado|quero sim|vamos)\b"
)


def accepts_offer(text: str) -> bool:
    """The message opens with a yes to what the assistant proposed ("pode ser com ele, …")."""
    return bool(_ACCEPTS.search(normalize(text)))


def age_topic(st: SessionState) -> None:
    """One more turn since the subject was set (called once per turn)."""
    st.context.topic_age += 1


def with_topic(st: SessionState, parse: ParseResult, text: str) -> ParseResult:
    """The parse with the remembered subject added when the message only points back to it."""
    if not _topic(st) or st.context.topic_age > TOPIC_TURNS:
        return parse
    fresh_booking = parse.intent == "schedule_appointment" and st.context.topic_age <= BOOKING_TOPIC_TURNS
    if _names_a_subject(parse):
        # "qto é o pediatra?" / "e pelo cassi?" -> "marca pediatra sábado": that insurance.
        same = parse.entities.get("specialty", st.context.topic_specialty) == st.context.topic_specialty
        if fresh_booking and same and st.context.topic_insurance and "insurance" not in parse.entities:
            return _with(parse, {"insurance": st.context.topic_insurance})
        return parse
    words = normalize(text).split()
    points_back = bool(_POINTS_BACK.search(" ".join(words)))
    short_question = len(words) <= _FOLLOW_UP_WORDS and parse.intent.startswith("ask_")
    if not (points_back or short_question or fresh_booking):
        return parse
    entities = dict(parse.entities)
    for key, value in _topic(st).items():
        entities.setdefault(key, value)
    if fresh_booking and st.context.topic_insurance:
        entities.setdefault("insurance", st.context.topic_insurance)
    return ParseResult(parse.intent, parse.confidence, entities, parse.choice, parse.negated, parse.tag)


def _with(parse: ParseResult, extra: dict[str, str]) -> ParseResult:
    return ParseResult(
        parse.intent, parse.confidence, {**extra, **parse.entities}, parse.choice, parse.negated, parse.tag
    )


def remember_topic(st: SessionState, parse: ParseResult, catalog: Catalog) -> None:
    """Keep what this answer was about (a doctor implies his specialty when he has one)."""
    e = parse.entities
    if not _names_a_subject(parse):
        if "insurance" in e and _topic(st):  # "e pelo cassi?": same subject, this insurance
            st.context.topic_insurance = e["insurance"]
            st.context.topic_age = 0
        return
    doctor = catalog.doctor(e.get("doctor"))
    if doctor is None and "specialty" in e and len(only := catalog.doctors_of(e["specialty"])) == 1:
        doctor = only[0]  # "quem é o otorrino?" -> the one otorrino: "e qd ele atende?"
    st.context.topic_doctor = doctor.name if doctor else ""
    specialty = e.get("specialty") or (
        doctor.specialties[0] if doctor and len(doctor.specialties) == 1 else ""
    )
    st.context.topic_specialty = specialty
    st.context.topic_exam = e.get("exam", "")
    st.context.topic_insurance = e.get("insurance", "")
    st.context.topic_faq = ""
    st.context.topic_age = 0


def remember_question(st: SessionState, intent: str) -> None:
    """The kind of question just answered, for an elliptical follow-up ("e durante a semana?")."""
    st.context.topic_intent = intent


# "e durante a semana?", "e no sábado?", "e à tarde?": a bare "e …" with a time and no verb.
_ELLIPSIS = re.compile(r"^e (?:(?:no|na|nos|nas|a|o|de|em|durante|pela|pelo|aos|as)\s+)*\w+\s*\w*\??$")
# A reading this sure of itself is not replaced by the last question's kind.
_UNSURE = 0.6


def with_last_question(st: SessionState, parse: ParseResult, text: str) -> ParseResult:
    """An elliptical follow-up asks the last question again about what it names.

    "vcs abrem sábado?" → "e durante a semana?": the hours again, for the weekdays. Only a
    short "e …" the model cannot place, the turn right after a question was answered, with
    nothing pending. Called once per turn: the last question is forgotten here.
    """
    last, st.context.topic_intent = st.context.topic_intent, ""  # it lasts one turn
    if not last or st.state != State.IDLE or parse.confidence >= _UNSURE:
        return parse
    if parse.intent not in ("out_of_scope", "provide_info") or not _ELLIPSIS.match(normalize(text)):
        return parse
    return ParseResult(last, _UNSURE, parse.entities, parse.choice, parse.negated, "")


def remember_faq(st: SessionState, question: str) -> None:
    """The FAQ entry just answered is the subject of what follows."""
    st.context.topic_faq = question
    st.context.topic_age = 0


def faq_follow_up(st: SessionState, text: str) -> str:
    """A short follow-up to an FAQ answer, read with that entry's question ("" when not one)."""
    if not st.context.topic_faq or st.context.topic_age > TOPIC_TURNS:
        return ""
    words = normalize(text).split()
    if len(words) > _FOLLOW_UP_WORDS + 2 and not _POINTS_BACK.search(" ".join(words)):
        return ""
    return f"{st.context.topic_faq} {text}"


def symptom_suggestion(
    st: SessionState, parse: ParseResult, text: str, catalog: Catalog
) -> Suggestion | None:
    """The specialty for a complaint, when neither the message nor the draft names one."""
    if {"specialty", "doctor"} & parse.entities.keys() or st.specialty or st.doctor:
        return None
    return suggest_specialty(text, catalog)


def _topic(st: SessionState) -> dict[str, str]:
    ctx = st.context
    found = {"doctor": ctx.topic_doctor, "specialty": ctx.topic_specialty, "exam": ctx.topic_exam}
    return {k: v for k, v in found.items() if v}


def _names_a_subject(parse: ParseResult) -> bool:
    return any(key in parse.entities for key in _SUBJECTS)
