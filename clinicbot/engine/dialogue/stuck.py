"""A conversation that goes nowhere: a booking stuck in place, or the same answer twice.

* :func:`hand_off_if_stuck` — a booking the assistant cannot complete goes to the staff queue.
* :func:`never_twice` — the same message is never sent twice in a row.
"""

from __future__ import annotations

import hashlib

from ..state import FLOW_STATES, SessionState, State
from ..types import ParseResult, Reply
from . import questions, safety
from .turn import QUESTION_INTENTS, Turn

# Turns in a row a booking may go nowhere (same state, nothing new understood) before a
# person takes over: a patient the assistant keeps misunderstanding should not be left
# looping on the same question.
STUCK_TURNS_BEFORE_HANDOFF = 3


# ------------------------------------------------------------------ stuck bookings
def hand_off_if_stuck(before: tuple[object, ...], st: SessionState, parse: ParseResult, turn: Turn) -> None:
    """A booking the assistant cannot complete goes to the staff queue.

    Counts the turns in a row that leave a booking exactly where it was (same state,
    same data, same offer); questions answered meanwhile do not count. At the limit
    this turn's re-ask is replaced by an apology and the hand-off.
    """
    in_flow = st.state in FLOW_STATES and before[0] in FLOW_STATES and not st.handed_off
    if not in_flow or progress(st) != before:
        st.context.stuck = 0
        return
    if parse.intent in QUESTION_INTENTS:
        return  # a question answered on the way is neither progress nor a stuck turn
    stuck = st.context.stuck + 1
    if stuck < STUCK_TURNS_BEFORE_HANDOFF:
        st.context.stuck = stuck
        return
    st.context.stuck = 0
    turn.replies.clear()
    turn.events.append("booking_stuck")
    safety.hand_off(st, turn, lead="handoff_stuck")


def never_twice(st: SessionState, turn: Turn) -> None:
    """The same answer twice in a row means the conversation is stuck: offer a person instead.

    Compares the turn's replies with the last turn's (a short fingerprint in the context).
    A repeated "não entendi" outside a booking (where a stuck booking already goes to
    staff) becomes an apology and the offer of a person ("sim" hands the conversation
    over); a repeated answer is introduced as such ("Como eu disse: …").
    """
    fingerprint = hashlib.sha1("\n".join(r.text for r in turn.replies).encode()).hexdigest()[:16]
    repeated = bool(turn.replies) and fingerprint == st.context.last_replies
    st.context.last_replies = fingerprint
    if not repeated or st.handed_off or st.state != State.IDLE:
        return  # a question asked again in a flow is the flow's (a stuck booking goes to staff)
    if turn.not_understood and st.state == State.IDLE:
        turn.replies.clear()
        turn.say(turn.t("said_again"))
        turn.events.append("said_again")
        questions.offer(st, "handoff")
        st.context.last_replies = ""
        return
    # The same information asked again in other words: say it once more, not as if new.
    first = turn.replies[0]
    turn.replies[0] = Reply(turn.t("said_before", text=first.text), first.choices)


def progress(st: SessionState) -> tuple[object, ...]:
    """Where a booking stands: a turn that changes none of this made no progress."""
    ctx = st.context
    return (
        st.state,
        st.specialty,
        st.doctor,
        st.insurance,
        st.date,
        st.time,
        st.period,
        st.patient_name,
        tuple(ctx.offered),
        ctx.expect,
        ctx.yes_means,
    )
