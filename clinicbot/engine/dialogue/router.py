"""The dialogue's router: which flow step answers a message.

:class:`Policy` ``.handle`` is the engine's one turn function. A message is first offered
to the pending reminder answer and to the waiting list; then :data:`ROUTES` is read top
to bottom and the first row whose guard holds handles it. Every booking goes through the
:class:`~clinicbot.engine.ports.Bookings` port, and only after the patient confirmed the
summary. Side questions never change the state: they are answered and the pending
question is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..nlu.lexicon import Matches
from ..nlu.names import names_someone_else
from ..nlu.normalize import normalize
from ..state import FLOW_STATES, Mode, SessionState, State
from ..types import ParseResult, TurnResult
from . import appointments, booking, clarify, confirmation, questions, references, safety, stuck, waitlist
from .turn import QUESTION_INTENTS, SOCIAL_INTENTS, Turn, ask, finish, has_booking_data, resume

_SAME_PLAN = re.compile(r"\b(?:mesmo|mesma) (?:plano|convenio|seguro)\b")


class Policy:
    """Decides the replies and the bookings for one message."""

    def handle(self, state: SessionState, text: str, turn: Turn) -> TurnResult:
        """Read ``text`` in ``state`` and return the replies; ``state`` is updated in place."""
        parse, matches = turn.understanding.detect(
            text,
            state=state.state,
            today=turn.now.date(),
            now_time=turn.now.time(),
            expect=state.context.expect,
            interpreter=turn.interpreter,
        )
        in_safety_mode = safety.in_safety_mode(state, turn)
        if parse.intent == "emergency" and not (in_safety_mode and safety.continues(state, parse, text)):
            safety.emergency(state, turn, tag=parse.tag)
            return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))
        if in_safety_mode and safety.safety_follow_up(state, parse, text, turn):
            return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))
        if state.handed_off:
            turn.events.append("silent_handoff")
            return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))
        references.age_topic(state)
        parse = references.with_last_question(state, parse, text)
        before = stuck.progress(state)
        route(Message(state, _same_plan(state, parse, text), matches, text, turn))
        stuck.hand_off_if_stuck(before, state, parse, turn)
        stuck.never_twice(state, turn)
        return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))


@dataclass(frozen=True)
class Message:
    """One message as the router sees it."""

    st: SessionState
    parse: ParseResult
    matches: Matches
    text: str
    turn: Turn

    @property
    def intent(self) -> str:
        return self.parse.intent


Guard = Callable[[Message], bool]
Step = Callable[[Message], None]


def route(m: Message) -> None:
    """Hand the message to the first step that takes it."""
    offered, offered_specialty, offered_data = (
        m.st.context.offer,
        m.st.context.offer_specialty,
        m.st.context.offer_data,
    )
    if offered:
        # An offer is answered now or never: whatever comes next, it is withdrawn.
        m.st.context.offer, m.st.context.offer_specialty, m.st.context.offer_data = "", "", {}
        if _answer_offer(m, offered, offered_specialty, offered_data):
            return
    if m.st.context.clarify_options:
        if _answer_clarify(m):
            return
        m = Message(m.st, clarify.without_alternatives(m.parse), m.matches, m.text, m.turn)
    if m.intent != "emergency":
        if m.st.state == State.CONFIRMING_REMINDER and appointments.answer_reminder(m.st, m.parse, m.turn):
            return
        if waitlist.handle(m.st, m.parse, m.text, m.turn):
            return
    for guard, step in ROUTES:
        if guard(m):
            step(m)
            return


def _answer_offer(m: Message, offered: str, specialty: str, data: dict[str, str]) -> bool:
    """The answer to the assistant's "Quer marcar?" / "Chamo a recepção?".

    A plain yes accepts, a plain no declines. After "Quer marcar uma consulta de X?", an
    answer that only gives booking data ("sexta às 14h", "é pela Unimed") is a yes too.
    """
    bare = not (m.parse.entities or m.parse.tag)
    if m.intent == "deny" and bare:
        m.turn.say(m.turn.t("no_problem"))
        return True
    gives_data = (
        offered == "booking"
        and m.intent not in _NOT_DATA
        and "?" not in m.text
        and has_booking_data(m.parse, m.matches)
        and not {"specialty", "doctor"} & m.parse.entities.keys()
    )
    if not ((m.intent == "confirm" and bare) or gives_data):
        return False
    if offered == "handoff":
        safety.hand_off(m.st, m.turn)
        return True
    booking.start_booking(m.st, m.turn)
    # What the question said ("…segunda às 12h pelo hapvida?"), then what this answer adds.
    entities = {**data, **m.parse.entities, **({"specialty": specialty} if specialty else {})}
    _fill(Message(m.st, ParseResult("schedule_appointment", 1.0, entities), m.matches, m.text, m.turn))
    return True


def _answer_clarify(m: Message) -> bool:
    """The answer to "Você quer: 1. … 2. …": a pick is the original message read as that request."""
    options, original = clarify.withdraw(m.st)
    request = clarify.picked(options, m.parse, m.text)
    if request == clarify.HUMAN:
        safety.hand_off(m.st, m.turn)
        return True
    if request:
        parse, matches = clarify.reread(original, request, m.turn)
        route(Message(m.st, parse, matches, original, m.turn))
        return True
    if clarify.declines(m.parse, m.text):
        m.turn.say(m.turn.t("clarify_declined"))
        return True
    return False


# Intents that are never just the data a booking offer waits for.
_NOT_DATA = frozenset(
    {"cancel_appointment", "reschedule_appointment", "check_appointment", "human_agent", "emergency", "deny"}
)


_SAME_DAY = re.compile(r"\b(?:mesmo dia|mesma data|mesmo esquema|no mesmo dia)\b")
_SAME_TIME = re.compile(r"\b(?:mesmo horario|mesma hora|mesmo esquema)\b")
_SAME_DOCTOR = re.compile(
    r"\b(?:mesmo esquema|mesm[oa] (?:medic[oa]|doutora?|dra?|especialista|pediatra|profissional))\b"
)


def _same_plan(st: SessionState, parse: ParseResult, text: str) -> ParseResult:
    """ "mesmo plano", "mesmo dia", "mesma médica", "mesmo esquema": the values of the last booking."""
    ctx, t = st.context, normalize(text)
    same = {
        "doctor": ctx.last_doctor if _SAME_DOCTOR.search(t) and "specialty" not in parse.entities else "",
        "insurance": ctx.last_insurance
        if _SAME_PLAN.search(t) or _SAME_DAY.search(t) and "esquema" in t
        else "",
        "date": ctx.last_date if _SAME_DAY.search(t) else "",
        "time": ctx.last_time if _SAME_TIME.search(t) and "time" not in parse.entities else "",
    }
    extra = {k: v for k, v in same.items() if v and k not in parse.entities}
    if not extra:
        return parse
    return ParseResult(
        parse.intent,
        parse.confidence,
        {**parse.entities, **extra},
        parse.choice,
        parse.negated,
        parse.tag,
    )


# ------------------------------------------------------------------ guards
def _intent(*intents: str) -> Guard:
    return lambda m: m.intent in intents


def _tag(*tags: str) -> Guard:
    return lambda m: m.parse.tag in tags


def _yes_to_cancelling(m: Message) -> bool:
    """ "sim, pode cancelar" while the assistant asks whether to cancel is the yes, not a new request."""
    return m.st.state == State.CONFIRMING_CANCEL and m.intent == "cancel_appointment"


def _picks_offered_time(m: Message) -> bool:
    """ "11:30 serve", "o 2 tá bom": a time or number of the offer, whatever else the words suggest."""
    if m.st.state != State.CHOOSING_SLOT or m.intent in {"cancel_appointment", "human_agent"}:
        return False
    return booking.offered_slot_for(m.st, m.parse) is not None


def _picks_offered_doctor(m: Message) -> bool:
    """ "o que cuida de dor de cabeça" answers "com qual deles?" — it is no medical question."""
    return m.st.state == State.CHOOSING_DOCTOR and booking.doctor_option_for(m.st, m.text, m.turn) is not None


def _gives_up(m: Message) -> bool:
    """ "deixa pra lá", "esquece", "vou pensar e te falo": the patient drops what is in progress."""
    return m.parse.tag == "stop_flow" and m.intent in {"deny", "goodbye"}


def _unsure_request(m: Message) -> bool:
    """A request the model barely holds while it leans to another: the clinic's FAQ if it
    clearly answers the message, else ask which request it is (see clarify.py)."""
    return m.intent != "out_of_scope" and clarify.can_ask(m.st, m.parse)


def _state(state: State) -> Guard:
    return lambda m: m.st.state == state


def _moves_a_booking(m: Message) -> bool:
    """ "remarcar" moves a booking, unless a new booking is being made (then it corrects it)."""
    in_flow = m.st.state in FLOW_STATES
    return m.intent == "reschedule_appointment" and not (in_flow and m.st.context.mode != Mode.RESCHEDULE)


def _fills_draft(m: Message) -> bool:
    return m.st.state == State.COLLECTING and has_booking_data(m.parse, m.matches)


def _answers_yes_no(answer: str) -> Guard:
    def guard(m: Message) -> bool:
        if m.st.state != State.COLLECTING or not m.st.context.yes_means:
            return False
        # "ah então pode ser com ela": a yes to "Quer marcar com ela?" in other words.
        accepts = answer == "confirm" and references.accepts_offer(m.text) and m.intent != "deny"
        return m.intent == answer or accepts

    return guard


# ------------------------------------------------------------------ steps
def _check(m: Message) -> None:
    appointments.check(m.st, m.turn)
    resume(m.st, m.turn)


def _question(m: Message) -> None:
    st, parse, turn = m.st, m.parse, m.turn
    turn.say(questions.answer(st, parse, m.text, turn))
    if not questions.also_books(parse, m.text):
        resume(st, turn)
        return
    # "vcs aceitam bradesco? queria marcar um dermatologista": answer, then book.
    if st.state not in FLOW_STATES:
        booking.start_booking(st, turn)
    entities = {k: v for k, v in parse.entities.items() if k != "insurance" or st.state in FLOW_STATES}
    booking.merge(st, ParseResult(parse.intent, parse.confidence, entities), m.matches, turn)
    booking.advance(st, turn, m.matches)


def _fill(m: Message) -> None:
    if m.st.context.yes_means and references.accepts_offer(m.text):
        # "então pode ser com ele, quinta às 16h": the yes to "Quer marcar com ele?" and the data.
        booking.apply_yes(m.st, m.turn)
    parse = references.with_topic(m.st, m.parse, m.text) if m.intent == "schedule_appointment" else m.parse
    suggestion = references.symptom_suggestion(m.st, parse, m.text, m.turn.catalog)
    if suggestion:
        # "to com dor no joelho, quero marcar": the specialty that usually sees it, said as such.
        m.turn.say(
            m.turn.t("symptom_booking_note", complaint=suggestion.complaint, specialty=suggestion.specialty)
        )
        parse = ParseResult(
            parse.intent,
            parse.confidence,
            {**parse.entities, "specialty": suggestion.specialty},
            parse.choice,
            parse.negated,
            parse.tag,
        )
    booking.merge(m.st, parse, m.matches, m.turn)
    booking.advance(m.st, m.turn, m.matches)


def _accept_yes(m: Message) -> None:
    booking.apply_yes(m.st, m.turn)
    booking.advance(m.st, m.turn, m.matches)


def _refuse_yes(m: Message) -> None:
    meaning, m.st.context.yes_means = m.st.context.yes_means, None
    if meaning and meaning.insurance and m.st.context.expect == "insurance" and not m.st.insurance:
        # "Vai ser pelo X de novo?" — "não": then which one (or particular)?
        ask(m.st, m.turn, m.turn.t("ask_insurance"), state=State.COLLECTING, expect="insurance")
        return
    m.turn.say(m.turn.t("ask_correction"))


def _request(m: Message) -> None:
    if m.st.state not in FLOW_STATES:
        booking.start_booking(m.st, m.turn)
        if "patient_name" not in m.parse.entities and names_someone_else(m.text):
            m.st.patient_name = ""  # "agora pro meu filho": not in the last patient's name
    _fill(m)


def _social(m: Message) -> None:
    questions.social(m.st, m.parse, m.text, m.turn)


def _cancel_confirmed(m: Message) -> None:
    yes = ParseResult("confirm", m.parse.confidence, m.parse.entities, m.parse.choice, m.parse.negated)
    appointments.confirm_cancel(m.st, yes, m.turn)


def _medical_advice(m: Message) -> None:
    safety.medical_advice(m.st, m.turn)
    resume(m.st, m.turn)


def _give_up(m: Message) -> None:
    """End what is in progress politely; with nothing in progress it is a plain goodbye."""
    in_progress = m.st.state != State.IDLE
    finish(m.st)
    m.turn.say(m.turn.t("flow_dropped" if in_progress else "no_problem"))


# The first row whose guard holds handles the message (after the reminder and waiting list).
ROUTES: tuple[tuple[Guard, Step], ...] = (
    (_tag("complaint"), lambda m: safety.complaint(m.st, m.turn)),
    (_intent("human_agent"), lambda m: safety.hand_off(m.st, m.turn)),
    (_unsure_request, lambda m: questions.unanswered(m.st, m.parse, m.text, m.turn)),
    (_picks_offered_time, lambda m: booking.on_choosing_slot(m.st, m.parse, m.matches, m.turn, m.text)),
    (_picks_offered_doctor, lambda m: booking.on_choosing_doctor(m.st, m.parse, m.matches, m.turn, m.text)),
    (_tag("medical_advice"), _medical_advice),
    (_gives_up, _give_up),
    (_yes_to_cancelling, _cancel_confirmed),
    (_intent("cancel_appointment"), lambda m: appointments.start_cancel(m.st, m.parse, m.text, m.turn)),
    (_moves_a_booking, lambda m: appointments.start_reschedule(m.st, m.parse, m.turn)),
    (_intent("check_appointment"), _check),
    (_intent(*QUESTION_INTENTS), _question),
    (_state(State.CHOOSING_APPOINTMENT), lambda m: appointments.pick_appointment(m.st, m.parse, m.turn)),
    (_state(State.CONFIRMING_CANCEL), lambda m: appointments.confirm_cancel(m.st, m.parse, m.turn)),
    (
        _state(State.CONFIRMING),
        lambda m: confirmation.on_confirming(m.st, m.parse, m.matches, m.turn, m.text),
    ),
    (
        _state(State.CHOOSING_SLOT),
        lambda m: booking.on_choosing_slot(m.st, m.parse, m.matches, m.turn, m.text),
    ),
    (
        _state(State.CHOOSING_DOCTOR),
        lambda m: booking.on_choosing_doctor(m.st, m.parse, m.matches, m.turn, m.text),
    ),
    (_fills_draft, _fill),
    (_answers_yes_no("confirm"), _accept_yes),
    (_answers_yes_no("deny"), _refuse_yes),
    (_intent(*SOCIAL_INTENTS, "confirm", "deny"), _social),
    (_intent("schedule_appointment", "provide_info"), _request),
    (lambda m: True, _social),
)
