"""The typed session state: stored sessions load unchanged, and one reset says what survives."""

from __future__ import annotations

from clinicbot.engine.state import Bookkeeping, Context, Mode, SessionState, State, WaitlistWish, YesMeans

# A session as the store wrote it before the context was typed: the dialogue's keys and the
# channels' keys side by side in one object.
STORED = {
    "phone": "5511999990000",
    "state": "choosing_slot",
    "previous_state": "collecting",
    "patient_name": "Ana Beatriz Costa",
    "specialty": "Cardiologia",
    "doctor": "Dra. Ana Souza",
    "insurance": "Unimed",
    "date": "2026-03-04",
    "time": "",
    "period": "morning",
    "context": {
        "mode": "book",
        "expect": "slot",
        "prompt": "Horários livres…",
        "offered": ["Dra. Ana Souza|2026-03-04|10:30", "Dra. Ana Souza|2026-03-04|11:00"],
        "doctor_auto": True,
        "yes_means": {},
        "waitlist_wish": {"date": "2026-03-04", "period": "morning", "offered": ["x"], "option": 3},
        "last_insurance": "Bradesco",
        "stuck": 1,
        "recent_arrivals": [1772449200.0, 1772449210.5],
        "rate_notice_at": 1772449211.0,
        "privacy_notice_at": "2026-03-02T09:00:00-03:00",
        "_ops_days": {"2026-03-02": {"stage": 2}},
    },
    "handed_off": False,
}


def test_a_session_stored_before_the_typed_context_loads_with_every_value_typed():
    state = SessionState.from_dict(STORED)

    assert state.state is State.CHOOSING_SLOT
    ctx = state.context
    assert (ctx.mode, ctx.expect, ctx.doctor_auto, ctx.stuck) == (Mode.BOOK, "slot", True, 1)
    assert ctx.offered == ["Dra. Ana Souza|2026-03-04|10:30", "Dra. Ana Souza|2026-03-04|11:00"]
    assert ctx.yes_means == YesMeans() and ctx.yes_means is not None  # asked, nothing to accept
    assert ctx.waitlist_wish == WaitlistWish("2026-03-04", "morning", ("x",), 3)
    assert state.bookkeeping == Bookkeeping(
        recent_arrivals=[1772449200.0, 1772449210.5],
        rate_notice_at=1772449211.0,
        privacy_notice_at="2026-03-02T09:00:00-03:00",
        ops_days={"2026-03-02": {"stage": 2}},
    )


def test_saving_a_loaded_session_writes_back_the_same_object():
    assert SessionState.from_dict(STORED).to_dict() == STORED


def test_a_reset_keeps_the_patient_the_last_insurance_and_the_bookkeeping():
    state = SessionState.from_dict(STORED)
    kept = Bookkeeping.from_dict(STORED["context"])

    state.reset()

    assert state.state is State.IDLE and state.previous_state == "choosing_slot"
    assert (state.specialty, state.doctor, state.insurance, state.date, state.period) == ("",) * 5
    assert state.patient_name == "Ana Beatriz Costa"
    assert state.context == Context(last_insurance="Bradesco")
    assert state.bookkeeping == kept


def test_a_reset_gives_the_conversation_back_to_the_assistant():
    state = SessionState(phone="5511999990000", state=State.HANDOFF, handed_off=True)
    state.context.handoff_at = "2026-03-02T09:00:00-03:00"

    state.reset()

    assert (state.state, state.handed_off, state.context.handoff_at) == (State.IDLE, False, "")


def test_an_unknown_stored_state_loads_as_idle():
    assert SessionState.from_dict({**STORED, "state": "from_a_future_version"}).state is State.IDLE


def test_an_empty_yes_no_question_differs_from_none_but_is_false():
    assert not YesMeans() and YesMeans(waitlist=True)
    assert Context(yes_means=YesMeans()).to_dict() == {"yes_means": {}}
    assert Context().to_dict() == {}


def test_every_context_field_survives_a_round_trip_through_storage_with_its_type():
    import dataclasses

    from clinicbot.engine.state import Context

    ctx = Context()
    for f in dataclasses.fields(ctx):
        value = getattr(ctx, f.name)
        if isinstance(value, bool):
            setattr(ctx, f.name, True)
        elif isinstance(value, int):
            setattr(ctx, f.name, 7)
        elif isinstance(value, str) and f.name != "mode":
            setattr(ctx, f.name, "x")
    again = Context.from_dict(ctx.to_dict())
    assert again == ctx
    assert all(type(getattr(again, f.name)) is type(getattr(ctx, f.name)) for f in dataclasses.fields(ctx))
