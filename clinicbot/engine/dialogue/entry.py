"""What the layers outside a turn may do to a conversation's dialogue state.

Reminders, waiting-list offers, staff and the session expiry change a conversation
between the patient's messages. They call these functions instead of writing into
:class:`~clinicbot.engine.state.SessionState` themselves, so every state change the
dialogue can be in is made here or in a turn, and a reset is always
:meth:`SessionState.reset` (which never touches the channels' bookkeeping).
"""

from __future__ import annotations

import datetime as dt

from ..state import Context, SessionState, State


def start_over(state: SessionState) -> None:
    """A conversation idle for hours, or handed back by staff, starts from a clean state."""
    state.reset()


def hand_to_staff(state: SessionState, *, now: dt.datetime) -> None:
    """A staff member writes to the patient: a person takes over, the assistant goes quiet.

    The pending question is dropped (the person handles it); ``now`` is the staff queue's
    "waiting since". A conversation already with a person is left as it is.
    """
    if state.handed_off:
        # A person is talking to the patient now: the assistant's safety answers stop.
        state.context.safety, state.context.safety_at, state.context.safety_replies = "", "", 0
        return
    state.enter(State.HANDOFF)
    state.handed_off = True
    state.context = Context(handoff_at=now.isoformat())


def await_reminder_answer(state: SessionState, *, appointment_id: int, prompt: str) -> bool:
    """A reminder was sent: its 1/2/3 answer is expected next, unless the patient is busy.

    Only a conversation with nothing pending (or answering an older reminder) switches; a
    booking in progress or a person in charge is left alone. Returns whether it switched.
    """
    if state.handed_off or state.state not in (State.IDLE, State.CONFIRMING_REMINDER):
        return False
    state.enter(State.CONFIRMING_REMINDER)
    state.context = Context(reminder_appointment_id=appointment_id, prompt=prompt)
    return True


def drop_reminder(state: SessionState, *, appointment_id: int) -> bool:
    """The clinic cancelled an appointment: a pending 1/2/3 answer to its reminder makes no sense.

    Returns whether the conversation was waiting for that answer (and so started over).
    """
    if state.context.reminder_appointment_id != appointment_id or state.handed_off:
        return False
    state.reset()
    return True


def offer_waitlist_slot(
    state: SessionState,
    *,
    entry_id: int,
    patient_name: str,
    specialty: str,
    doctor: str,
    insurance: str,
    start: dt.datetime,
    prompt: str,
) -> None:
    """A freed slot is offered from the waiting list: it becomes the booking draft, 1/sim books it.

    ``start`` is the slot's local start (naive); ``prompt`` repeats the offer's options
    after a side question.
    """
    state.enter(State.WAITLIST_OFFER)
    state.patient_name, state.specialty, state.doctor, state.insurance = (
        patient_name,
        specialty,
        doctor,
        insurance,
    )
    state.date, state.time, state.period = start.date().isoformat(), f"{start:%H:%M}", ""
    state.context = Context(waitlist_entry_id=entry_id, prompt=prompt, doctor_auto=False)


def withdraw_waitlist_offer(state: SessionState, *, entry_id: int) -> bool:
    """The hold of an offered slot ran out: a later "1" is a new request, not this offer.

    Returns whether the conversation was still on that offer (and so started over).
    """
    if state.state != State.WAITLIST_OFFER or state.context.waitlist_entry_id != entry_id:
        return False
    state.reset()
    return True
