"""Safety first: emergencies (in any state, even with a person in charge) and hand-offs to staff."""

from __future__ import annotations

from ..hours import fmt_opening, is_open, next_opening
from ..state import SessionState, State
from . import answers
from .turn import Turn


def emergency(st: SessionState, turn: Turn) -> None:
    """Send the patient to SAMU 192 at once; the booking in progress (if any) is dropped."""
    turn.say(turn.t("emergency"))
    turn.events.append("emergency")
    if not st.handed_off:
        st.reset()


def hand_off(st: SessionState, turn: Turn, lead: str = "handoff") -> None:
    """A person takes over: say so (and when the desk opens, if closed) and go quiet."""
    text = turn.t(lead)
    hours, holidays, now = turn.catalog.clinic.opening_hours, turn.catalog.holidays, turn.local_now
    if not is_open(hours, holidays, now):
        # Closed: say when a person will read it ("segunda-feira, 8h"), not just the hours.
        opening = next_opening(hours, holidays, now)
        text += " " + turn.t(
            "handoff_closed",
            hours=answers.opening_hours_text(turn.catalog),
            when=fmt_opening(opening, now) if opening else turn.t("next_business_day"),
        )
    turn.say(text)
    st.previous_state, st.state = st.state, State.HANDOFF
    st.handed_off = True
    st.context.prompt = ""
    st.context.handoff_at = turn.now.isoformat()  # the staff queue's "waiting since"
    turn.events.append("handoff")
