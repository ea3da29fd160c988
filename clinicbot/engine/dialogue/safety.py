"""Safety first: emergencies, self-harm, medical advice, complaints and hand-offs to staff.

* An **emergency** gets SAMU 192 at once, in any state; a **self-harm** message gets CVV 188
  and a person. Either puts the conversation in *safety mode*: what follows ("o que eu
  faço?", "vcs atendem urgência?", "moro sozinho") is answered in that mode — never the
  booking flow, never a price — until the patient clearly moves on ("já voltou do hospital,
  tá tudo bem"), a person writes, or :data:`SAFETY_MODE_MINUTES` pass. The staff queue is
  alerted by the turn's events ("emergency", "self_harm").
* A **medical-advice** question (doses, interactions, "posso tomar X?") never gets advice:
  a doctor must answer it, and a consultation or a person is offered.
* A **complaint** gets an apology and a person.
"""

from __future__ import annotations

import datetime as dt
import re

from ..hours import fmt_opening, is_open, next_opening
from ..nlu.normalize import normalize
from ..state import SessionState, State
from ..types import ParseResult
from . import answers
from .turn import Turn

SAFETY_MODE_MINUTES = 120
# What a "moved on" message may say besides it without asking for anything new.
_NOT_A_REQUEST = frozenset(
    {"emergency", "thanks", "confirm", "deny", "goodbye", "greeting", "provide_info", "out_of_scope"}
)
EMERGENCY = "emergency"
SELF_HARM = "self_harm"

# The patient says the urgent situation is over or in professional hands.
_MOVED_ON = re.compile(
    r"\b(?:"
    r"ja (?:passou|foi atendid\w*|fomos atendid\w*|fui atendid\w*|recebeu alta|teve alta|tivemos alta)"
    r"|(?:ja )?(?:voltou|voltamos|voltei|saiu|saimos|sai) do (?:hospital|pronto socorro|upa)"
    r"|(?:ja )?(?:esta|ta|estamos|tamos|estou|to) (?:no|na) (?:hospital|upa|pronto socorro|emergencia)"
    r"|(?:esta|ta|estou|to|estamos|ficou|fiquei) (?:tudo )?(?:bem|bom|otimo|tranquil\w*) (?:agora|ja|graca\w* a deus)"
    r"|(?:ja )?(?:esta|ta|estou|to|estamos|ficou|fiquei) tudo bem"
    r"|(?:ja )?(?:esta|ta|estou|to|ficou|fiquei) bem (?:agora|ja|graca\w* a deus)"
    r"|foi (?:so )?(?:um )?susto|alarme falso|nao foi nada (?:grave|serio)"
    r"|o samu (?:ja )?(?:levou|chegou|veio|esta aqui|ta aqui)"
    r")\b"
)


# "já passou, mas ela tá molinha": what comes after a contrast is still the emergency.
_BUT_STILL = re.compile(r"\b(?:mas|porem|so que|entretanto|ainda)\b")


def _moved_on(text: str) -> bool:
    """The patient says, in so many words, that the situation is over — and nothing after it
    says otherwise."""
    t = normalize(text)
    found = _MOVED_ON.search(t)
    return found is not None and not _BUT_STILL.search(t[found.end() :])


def emergency(st: SessionState, turn: Turn, *, tag: str = "") -> None:
    """Send the patient to SAMU 192 (or CVV 188 for self-harm) at once and enter safety mode.

    The booking in progress (if any) is dropped. Self-harm also hands the conversation to a
    person; an emergency alerts the staff queue without silencing the assistant, whose
    follow-up answers keep pointing to 192.
    """
    kind = SELF_HARM if tag == SELF_HARM or st.context.safety == SELF_HARM else EMERGENCY
    turn.say(turn.t("self_harm" if kind == SELF_HARM else "emergency"))
    turn.events.append(kind)
    if kind == SELF_HARM and not st.handed_off:
        _hand_over_quietly(st, turn)
    elif not st.handed_off:
        st.reset()
    _enter_safety_mode(st, turn, kind)


def in_safety_mode(st: SessionState, turn: Turn) -> bool:
    """Whether the conversation is still in safety mode (it ages out by itself)."""
    if not st.context.safety:
        return False
    try:
        since = dt.datetime.fromisoformat(st.context.safety_at)
    except ValueError:
        since = turn.now
    if turn.now - since > dt.timedelta(minutes=SAFETY_MODE_MINUTES):
        _leave_safety_mode(st)
        return False
    return True


def continues(st: SessionState, parse: ParseResult, text: str) -> bool:
    """An emergency message in safety mode that only continues the same situation.

    "o SAMU levou ela, já voltou do hospital" reads like an emergency but ends it; more of
    the same emergency gets the follow-up wording (never the same message twice in a row).
    A self-harm message after an emergency is a new situation.
    """
    kind = SELF_HARM if parse.tag == SELF_HARM else EMERGENCY
    return _moved_on(text) or kind == st.context.safety


def safety_follow_up(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> bool:
    """Answer a message in safety mode; False when the patient moved on with a new request.

    True means the message is answered; False, that it still needs routing.

    "Moved on" is said in so many words ("já voltou do hospital, tá tudo bem"): that message
    gets a short acknowledgement and the mode ends; a new request in the same message ("…
    agora quero marcar um cardiologista pra ela") is then routed as usual (False). Anything
    else — a question, a booking request, silence-breaking words — gets the safety answer
    again, worded differently from the last one.
    """
    if _moved_on(text):
        _leave_safety_mode(st)
        answered = parse.intent in _NOT_A_REQUEST
        turn.say(turn.t("safety_resolved" if answered else "safety_resolved_short"))
        turn.events.append("safety_resolved")
        return answered
    kind = st.context.safety
    st.context.safety_replies += 1
    variant = st.context.safety_replies % 2
    turn.say(turn.t(f"{kind}_follow_up_{variant}"))
    turn.events.append(f"{kind}_follow_up")
    return True


def medical_advice(st: SessionState, turn: Turn) -> None:
    """No advice, ever: a doctor must answer; offer a consultation (or a person) instead."""
    turn.say(turn.t("medical_advice"))
    turn.events.append("medical_advice")


def complaint(st: SessionState, turn: Turn) -> None:
    """An apology, and a person takes over."""
    hand_off(st, turn, lead="handoff_complaint")


def hand_off(st: SessionState, turn: Turn, lead: str = "handoff") -> None:
    """A person takes over: say so (and when the desk opens, if closed) and go quiet."""
    text = turn.t(lead)
    closed = _closed_note(turn)
    turn.say(f"{text} {closed}" if closed else text)
    _hand_over_quietly(st, turn)


def _closed_note(turn: Turn) -> str:
    hours, holidays, now = turn.catalog.clinic.opening_hours, turn.catalog.holidays, turn.local_now
    if is_open(hours, holidays, now):
        return ""
    # Closed: say when a person will read it ("segunda-feira, 8h"), not just the hours.
    opening = next_opening(hours, holidays, now)
    return turn.t(
        "handoff_closed",
        hours=answers.opening_hours_text(turn.catalog),
        when=fmt_opening(opening, now) if opening else turn.t("next_business_day"),
    )


def _hand_over_quietly(st: SessionState, turn: Turn) -> None:
    st.enter(State.HANDOFF)
    st.handed_off = True
    st.context.prompt = ""
    st.context.handoff_at = turn.now.isoformat()  # the staff queue's "waiting since"
    turn.events.append("handoff")


def _enter_safety_mode(st: SessionState, turn: Turn, kind: str) -> None:
    if st.context.safety != kind:
        st.context.safety_replies = 0
    st.context.safety = kind
    st.context.safety_at = turn.now.isoformat()


def _leave_safety_mode(st: SessionState) -> None:
    st.context.safety, st.context.safety_at, st.context.safety_replies = "", "", 0
