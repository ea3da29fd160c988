"""What every dialogue step shares: the :class:`Turn` and the ask / resume helpers.

The step modules (booking, offers, confirmation, appointments, waitlist, questions,
safety) and the router import this one; it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..nlu.detect import Understanding
from ..nlu.lexicon import Matches
from ..ports import Availability, Bookings, Interpreter, Waitlist
from ..replies.templates import render
from ..state import FLOW_STATES, SessionState, State
from ..types import Catalog, Choice, ParseResult, Reply

QUESTION_INTENTS = frozenset(
    {"ask_doctors", "ask_specialties", "ask_insurance", "ask_exams", "ask_price", "ask_hours", "ask_location"}
)
SOCIAL_INTENTS = frozenset({"greeting", "thanks", "goodbye", "out_of_scope"})
# States with a pending question worth asking again after a side question.
RESUMABLE_STATES = FLOW_STATES | {
    State.WAITLIST_OFFER,
    State.WAITLIST_NAME,
    State.CONFIRMING_CANCEL,
    State.CHOOSING_APPOINTMENT,
    State.CONFIRMING_REMINDER,
}
_BOOKING_ENTITIES = frozenset({"specialty", "doctor", "insurance", "date", "time", "period", "patient_name"})


@dataclass
class Turn:
    """Everything one turn needs; built by the pipeline for each message."""

    catalog: Catalog
    understanding: Understanding
    availability: Availability
    bookings: Bookings
    now: dt.datetime  # aware, in the clinic's timezone
    waitlist: Waitlist | None = None  # None: no waiting list offered
    interpreter: Interpreter | None = None  # an LLM's second reading of unsure messages (optional)
    replies: list[Reply] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    # The message got the "não entendi / não sei" answer (not an event: events keep the LLM away).
    not_understood: bool = False
    _taken: dict[tuple[int, dt.date], set[dt.time]] = field(default_factory=dict)

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        """Add one reply."""
        self.replies.append(Reply(text, choices))

    def t(self, key: str, **values: Any) -> str:
        """The clinic's wording of template ``key`` filled with ``values``."""
        return render(key, self.catalog.templates, **values)

    def taken(self, doctor_id: int, day: dt.date) -> set[dt.time]:
        """The doctor's booked start times that day (read once per turn)."""
        key = (doctor_id, day)
        if key not in self._taken:
            self._taken[key] = self.availability.taken_starts(doctor_id, day)
        return self._taken[key]

    def forget_taken(self) -> None:
        """Read the agenda again (a booking just found a slot taken)."""
        self._taken.clear()

    @property
    def local_now(self) -> dt.datetime:
        """The clinic's wall-clock time (naive)."""
        return self.now.replace(tzinfo=None)


def has_booking_data(parse: ParseResult, matches: Matches) -> bool:
    """The message says something that fills in a booking."""
    return bool(_BOOKING_ENTITIES & parse.entities.keys()) or bool(matches.ambiguous_doctors)


def ask(
    st: SessionState,
    turn: Turn,
    text: str,
    *,
    state: State,
    expect: str,
    choices: tuple[Choice, ...] = (),
) -> None:
    """Ask ``text`` and wait in ``state`` for an answer of kind ``expect`` (asked again by :func:`resume`)."""
    st.enter(state)
    st.context.expect = expect
    st.context.prompt = text
    turn.say(text, choices)


def resume(st: SessionState, turn: Turn) -> None:
    """After a side question, ask again what the booking was waiting for."""
    prompt = st.context.prompt
    if st.state in RESUMABLE_STATES and prompt:
        turn.say(turn.t("resume", prompt=prompt))


def whom(st: SessionState, turn: Turn) -> str:
    """ "com Dra. Ana " or "de Cardiologia " (or nothing): whom the booking is with."""
    if st.doctor and not st.context.doctor_auto:
        return turn.t("whom_doctor", doctor=st.doctor)
    return turn.t("whom_specialty", specialty=st.specialty) if st.specialty else ""


def finish(st: SessionState, *, booked: bool = False) -> None:
    """A flow ended: start over, remembering the insurance for "mesmo plano" next time.

    After a booking its day, time and doctor are remembered too ("mesmo dia", "mesmo esquema").
    """
    insurance, date, time, doctor = st.insurance, st.date, st.time, st.doctor
    st.reset()
    if insurance:
        st.context.last_insurance = insurance
    if booked:
        st.context.last_date, st.context.last_time, st.context.last_doctor = date, time, doctor
