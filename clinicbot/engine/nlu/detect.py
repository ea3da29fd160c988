"""The NLU entry point: one message (+ conversation state) -> intent, confidence, entities."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..ports import Interpreter
from ..types import Catalog, ParseResult
from . import intents as cue
from .choices import picks_any
from .decide import ASK_LLM_BELOW, decide
from .features import reading_features, state_group
from .lexicon import Lexicon, Matches
from .model import IntentModel, load_model
from .names import bare_name, embedded_name, introduced_name
from .normalize import normalize
from .temporal import TemporalMatch, extract_choice_number, extract_temporal
from .vocabulary import SPECIALTY_LIKE_SUFFIXES
from .yes_no import FILLER as _FILLER
from .yes_no import LEADING_FILLERS as _LEADING_FILLERS
from .yes_no import NO as _NO
from .yes_no import YES as _YES
from .yes_no import YES_WORDS as _YES_WORDS
from .yes_no import answer_to_confirmation, emoji_answer, names_confirmed_action

# "às 9, não, às 10": a "não" set apart by punctuation takes the value before it back.
_SELF_CORRECTION = re.compile(r"\bn[aã]o\s*[,;.!]", re.IGNORECASE)
MAX_TEXT = 2000  # longer messages are read only up to here (a 1 MB paste is not a request)
__all__ = ["ASK_LLM_BELOW", "MAX_TEXT", "Understanding", "state_group"]

# States in which the assistant is waiting for something specific.
BOOKING_STATES = frozenset({"collecting", "choosing_slot", "choosing_doctor", "confirming", "rescheduling"})
CHOICE_STATES = frozenset({"choosing_slot", "choosing_doctor", "choosing_appointment", "confirming_reminder"})
CONFIRM_STATES = frozenset(
    {"confirming", "confirming_cancel", "confirming_reschedule", "confirming_reminder"}
)
# "o último", "a última opção": the last of the offered options (choice -1).
# "o último", "o mais tarde (dos dois)", "a mais tardia": options are listed earliest first.
_LAST_OPTION = re.compile(
    r"(?:^|\b(?:o|a) )(?:ultim[oa]|(?:(?:horario|opcao|vaga|de) )?mais tard(?:e|i[oa]))\b"
)
# What the assistant asked for when a bare "830" is a time.
_TIME_ANSWERS = frozenset({"date", "time", "slot", "correction"})
_STRONG_BOOKING = re.compile(
    r"\b(?:marc\w*|agend\w*|vaga|(?:tem|teria|ha) (?:algum |um )?horario|horario (?:livre|disponivel|vago)|"
    r"encaixe|encaixar|consulta com|consegue (?:um|uma) (?:horario|consulta|vaga)|primeiro horario)\b"
)
_WEAK_BOOKING = re.compile(
    r"\b(?:consulta|passar (?:num|no|na|com|em)|retorno|atendimento com|preciso (?:de )?(?:um|uma|o|a|ir)|"
    r"quero (?:um|uma|ir|passar|ser)|queria (?:um|uma|ir|passar|ver)|check up|levar)\b"
)
# A question about something ("o que levo na consulta?") is not a booking request.
_QUESTION = re.compile(r"^(?:o que|oque|como|por que|porque|qual|quais|quando|onde|quanto|quem)\b")
_SPECIALTY_LIKE = re.compile(r"\b\w{3,}(?:" + "|".join(SPECIALTY_LIKE_SUFFIXES) + r")s?\b")


# Words that may join the values of a message made only of them ("Ana Lima, pela unimed").
_JOINERS = frozenset({"e", "o", "a", "de", "da", "do", "pela", "pelo", "com", "no", "na", "eh"})


def _only_entities(r: _Reading) -> bool:
    """The message is nothing but a name, a time, a date or clinic names ("Raimunda Sousa Pereira", "830")."""
    spans = [(m.start, m.end) for m in r.matches.mentions] + list(r.temporal.spans)
    name = r.entities.get("patient_name")
    if name and (pos := r.text.find(normalize(name))) >= 0:
        spans.append((pos, pos + len(normalize(name))))
    if not spans:
        return False
    left = "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(r.text))
    return all(w in _JOINERS for w in left.split())


@dataclass
class _Reading:
    text: str
    temporal: TemporalMatch
    matches: Matches
    entities: dict[str, str]
    choice: int | None
    emoji: str = ""  # "yes"/"no" when the message's emojis answer a yes/no (👍, ❌)


class Understanding:
    """NLU bound to one clinic snapshot (the lexicon is built once per snapshot)."""

    def __init__(self, catalog: Catalog, model: IntentModel | None | bool = True) -> None:
        """``model``: the learned intent model; True loads the shipped one, None uses rules only."""
        self.catalog = catalog
        self.model: IntentModel | None = load_model() if model is True else model or None
        self.lexicon = Lexicon(catalog)
        # The head word of each clinic phrase is no name ("unimed", "cardiologia"); the rest
        # of a longer one may be ("Unimed São Luís", and a patient called Luís).
        self._name_vocab = {
            p.split()[0]
            for key in ("specialty", "insurance", "exam")
            for p, _ in self.lexicon.phrases[key]
            if p
        }

    def _not_name(self, word: str) -> bool:
        return word in self._name_vocab

    # ------------------------------------------------------------------ entities
    def read(
        self, raw: str, *, state: str, today: dt.date, now_time: dt.time | None, expect: str = ""
    ) -> _Reading:
        raw = raw[:MAX_TEXT]
        text = normalize(raw)
        time_expected = state == "choosing_slot" or expect in _TIME_ANSWERS
        temporal = extract_temporal(
            text,
            today,
            now_time=now_time,
            time_expected=time_expected,
            self_correction=_SELF_CORRECTION.search(raw) is not None,
        )
        entities: dict[str, str] = {}
        skip = list(temporal.spans)

        name = None
        found = introduced_name(raw, self._not_name)
        if found:
            name = found[0]
        else:
            allow_single = expect == "name"
            # Unless the name was asked for, a lower-case "crise de asma forte" or "fazem
            # ressonancia" is not a name: only capitalised words count.
            waiting = expect == "name" or state == "waitlist_name"
            for clause in (0, -1):
                candidate = bare_name(
                    raw,
                    self._not_name,
                    allow_single=allow_single,
                    clause=clause,
                    capitalised=not waiting or clause != 0,
                )
                # Asked for the name, the answer is the patient's even if a doctor shares it.
                if candidate and (expect == "name" or not self._is_doctor_reference(candidate)):
                    name = candidate
                    break
            booking_like = state in BOOKING_STATES or bool(temporal.date or temporal.time)
            if name is None and (waiting or booking_like):
                # "primeiro a Alice Menezes Rocha, às 8h", "agora a Beatriz Menezes Rocha, 8 e
                # meia": a full name inside a booking answer or request.
                inside = embedded_name(raw, self._not_name)
                if inside and not self._is_doctor_reference(inside):
                    name = inside
        if name:
            entities["patient_name"] = name
            pos = text.find(normalize(name))
            if pos >= 0:
                skip.append((pos, pos + len(normalize(name))))

        matches = self.lexicon.find(text, skip=skip)
        for key in ("specialty", "doctor", "insurance", "exam"):
            value = matches.first(key)
            if value:
                entities[key] = value
        if temporal.date:
            entities["date"] = temporal.date.isoformat()
        if temporal.time:
            entities["time"] = f"{temporal.time:%H:%M}"
        if temporal.period:
            entities["period"] = temporal.period
        when = temporal.date or temporal.time
        choice = -1 if _LAST_OPTION.search(text) and not when else extract_choice_number(text)
        if choice is None and not (when or temporal.period) and picks_any(text):
            choice = 1  # "qualquer um desses", "o mais cedo": the earliest offered option
        return _Reading(text, temporal, matches, entities, choice, emoji_answer(raw))

    def _is_doctor_reference(self, candidate: str) -> bool:
        """A bare "Rafael Mendes" names a doctor; "Marcia Lins Souza" is a patient who shares a surname."""
        words = normalize(candidate).split()
        return bool(words) and all(self.lexicon.is_doctor_part(w) for w in words)

    # ------------------------------------------------------------------ intent
    def detect(
        self,
        raw: str,
        *,
        state: str = "idle",
        today: dt.date,
        now_time: dt.time | None = None,
        expect: str = "",
        interpreter: Interpreter | None = None,
    ) -> tuple[ParseResult, Matches]:
        """Read one message in the given dialogue state; return the parse and raw matches.

        ``interpreter`` (an LLM, when the clinic configured one) is asked for a second
        reading only when the offline NLU is unsure, never about an emergency or an
        explicit request for a person or a cancellation; its reading is checked against
        the clinic's own names before it counts.
        """
        r = self.read(raw, state=state, today=today, now_time=now_time, expect=expect)
        intent, confidence, tag, alternatives = decide(
            self, r, raw, state=state, group=state_group(state, expect), today=today, interpreter=interpreter
        )
        choice = r.choice if state in CHOICE_STATES or intent == "provide_info" else None
        parse = ParseResult(
            intent=intent,
            confidence=confidence,
            entities=r.entities,
            choice=choice,
            negated=frozenset(r.matches.negated),
            tag=tag,
            alternatives=alternatives,
        )
        return parse, r.matches

    def features(self, r: _Reading, raw: str, group: str, rule_intent: str) -> list[str]:
        """The learned model's view of a reading: masked text, emojis, state and the rules' intent."""
        name = r.entities.get("patient_name")
        return reading_features(
            r.text, r.matches, r.temporal.spans, normalize(name) if name else "", raw, group, rule_intent
        )

    def model_features(
        self, raw: str, *, state: str, today: dt.date, now_time: dt.time | None = None, expect: str = ""
    ) -> list[str]:
        """The features of one message as training sees them (same path as :meth:`detect`)."""
        r = self.read(raw, state=state, today=today, now_time=now_time, expect=expect)
        rule_intent, _ = self._intent(r, state)
        return self.features(r, raw, state_group(state, expect), rule_intent)

    def _rule_emergency(self, r: _Reading) -> bool:
        return cue.has(cue.EMERGENCY, _without_names(r))

    @staticmethod
    def _rules_settle(r: _Reading, state: str, group: str, rule_intent: str) -> bool:
        """The rules' reading stands whatever the model says.

        A yes/no naming the action being confirmed ("sim, pode cancelar" while confirming a
        cancellation: the model's cancel cue would make it a new request), and a message
        that is nothing but a name or a time while a booking waits for one.
        """
        if rule_intent in ("confirm", "deny") and names_confirmed_action(r.text, state):
            return True
        return rule_intent == "provide_info" and group != "idle" and _only_entities(r)

    def _intent(self, r: _Reading, state: str) -> tuple[str, float]:
        t = r.text
        e = r.entities
        booking_keys = {"specialty", "doctor", "date", "time", "period", "insurance", "patient_name"}
        has_booking = bool(booking_keys & e.keys()) or bool(r.matches.ambiguous_doctors)
        in_flow = state in BOOKING_STATES or state in CHOICE_STATES or state in CONFIRM_STATES
        strong_booking = cue.has(_STRONG_BOOKING, t)

        if r.emoji and state != "idle" and all(w in _FILLER for w in t.split()):
            return ("confirm" if r.emoji == "yes" else "deny"), 0.85  # "👍🏻", "ok ✅", "❌"
        if not t:
            return "out_of_scope", 0.3
        # A name is not a symptom ("Maria do Socorro", "a Dra. Socorro").
        if cue.has(cue.EMERGENCY, _without_names(r)):
            return "emergency", 0.95
        if cue.has(cue.HUMAN, t):
            return "human_agent", 0.9
        answer = "" if has_booking else answer_to_confirmation(r.text, state)
        if answer:
            return answer, 0.9  # "sim, pode cancelar" answers "cancelo?": not a new request
        if cue.has(cue.CANCEL, t) and not re.search(r"\b(?:remarc|reagend)", t):
            return "cancel_appointment", 0.9
        if cue.has(cue.RESCHEDULE, t) and not (
            state == "idle" and strong_booking and not re.search(r"\b(?:remarc|reagend|minha consulta)", t)
        ):
            return "reschedule_appointment", 0.85
        if cue.has(cue.CHECK, t):
            return "check_appointment", 0.85
        if cue.has(cue.OFF_TOPIC, t) or (
            cue.has(cue.OUT_OF_SCOPE_HINTS, t) and not has_booking and not strong_booking
        ):
            return "out_of_scope", 0.7
        unfilled = _LEADING_FILLERS.sub("", t)  # "oxe, claro, pode marcar"
        if state in CONFIRM_STATES and not has_booking and _YES.search(unfilled) and not _NO.search(t):
            return "confirm", 0.85
        if cue.has(cue.PRICE, t):
            return "ask_price", 0.85
        if cue.has(cue.LOCATION, t) and not (strong_booking and "vaga" in t and "carro" not in t):
            return "ask_location", 0.85
        if "exam" in e or (cue.has(cue.EXAMS, t) and not strong_booking and not has_booking):
            return "ask_exams", 0.8
        if cue.has(cue.PAYMENT, t) and "insurance" not in e:
            return "out_of_scope", 0.6  # how to pay: answered from the clinic's FAQ
        if cue.has(cue.INSURANCE_Q, t) or (re.search(r"\batende(?:m)?\b", t) and "insurance" in e):
            return "ask_insurance", 0.8
        if cue.has(cue.HOURS, t) and "specialty" not in e and "doctor" not in e and not strong_booking:
            return "ask_hours", 0.8
        if strong_booking:
            return "schedule_appointment", 0.9
        about_doctors = (
            "specialty" in e
            or "doctor" in e
            or r.matches.ambiguous_doctors
            or re.search(r"\b(?:medic|doutor|profission)", t)
        )
        if cue.has(cue.DOCTORS_Q, t) and about_doctors and not ({"date", "time"} & e.keys()):
            return "ask_doctors", 0.8
        if cue.has(cue.SPECIALTIES_Q, t) and not ({"date", "time", "period"} & e.keys()):
            return "ask_specialties", 0.8
        if re.search(r"\b(?:tem|tera|voces tem|atende|atendem)\b", t) and not (
            {"date", "time", "period"} & e.keys()
        ):
            unknown_specialty = cue.has(_SPECIALTY_LIKE, t) and "specialty" not in e and "doctor" not in e
            if unknown_specialty or ("specialty" in e and not in_flow and len(t.split()) <= 5):
                return "ask_specialties", 0.7
        if (
            cue.has(_WEAK_BOOKING, t)
            and (has_booking or not in_flow)
            and not (_QUESTION.match(t) and not has_booking)
        ):
            if in_flow and not re.search(r"\bconsulta\b", t):
                return "provide_info", 0.75
            return "schedule_appointment", 0.75

        words = t.split()
        yes = any(w in _YES_WORDS for w in words) and all(w in _FILLER or _YES.fullmatch(w) for w in words)
        no = _NO.search(t)
        social = cue.has(cue.GOODBYE, t) or cue.has(cue.THANKS, t)
        if social and state == "idle" and not ({"specialty", "doctor", "time"} & e.keys()):
            return ("goodbye" if cue.has(cue.GOODBYE, t) else "thanks"), 0.8
        if has_booking or (r.choice is not None and state in CHOICE_STATES):
            if state == "idle" and ({"specialty", "doctor", "date", "time"} & e.keys()):
                return "schedule_appointment", 0.7
            if no and not in_flow:
                return "deny", 0.6
            return "provide_info", 0.8
        if no:
            return "deny", 0.85
        if yes:
            return "confirm", 0.85
        if cue.has(cue.THANKS, t):
            return "thanks", 0.9
        if cue.has(cue.GOODBYE, t):
            return "goodbye", 0.9
        if cue.has(cue.GREETING, t):
            return "greeting", 0.9
        if _YES.search(t) and state in CONFIRM_STATES:
            return "confirm", 0.6
        return "out_of_scope", 0.5


_TITLE = r"(?:dra?|doutora?|doutor)\.?"


def _without_names(r: _Reading) -> str:
    """The normalised text without the people it names, so a name is never read as a cue.

    The patient's name goes entirely; a doctor's only where it is clearly a name — after a
    title ("dra socorro") or with its surname ("socorro tavares"): a bare "socorro" still
    alarms, whatever doctor shares it.
    """
    t = r.text
    if "patient_name" in r.entities:
        t = t.replace(normalize(r.entities["patient_name"]), " ")
    doctors = [r.entities["doctor"]] if "doctor" in r.entities else []
    for name in (*doctors, *r.matches.ambiguous_doctors):
        words = [w for w in normalize(name).split() if not re.fullmatch(_TITLE, w)]
        if not words:
            continue
        rest = "".join(rf"(?:\s+{re.escape(w)})?" for w in words[1:])
        full = r"\s+".join(re.escape(w) for w in words)
        t = re.sub(rf"\b(?:{_TITLE}\s+{re.escape(words[0])}{rest}|{full})\b", " ", t)
    return t
