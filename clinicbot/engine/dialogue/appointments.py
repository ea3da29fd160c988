"""The patient's existing appointments: list them, cancel, reschedule, answer a reminder."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable

from ..nlu.lexicon import Matches
from ..nlu.normalize import normalize
from ..replies.format import fmt_date, fmt_date_short, fmt_time, numbered
from ..slots import nearest_free
from ..state import FLOW_STATES, Context, Mode, SessionState, State
from ..types import AppointmentInfo, Choice, ParseResult
from . import booking, offers
from .turn import Turn, ask, resume

# Appointment statuses the patient is shown, by template ("agendada", "confirmada").
STATUS_TEMPLATES = {"booked": "status_booked", "confirmed": "status_confirmed"}


def describe(appt: AppointmentInfo, turn: Turn) -> str:
    """ "quarta-feira, 04/03 às 10:00 com Dra. Ana Souza"."""
    local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
    return turn.t(
        "appointment_label", date=fmt_date(local.date()), time=fmt_time(local.time()), doctor=appt.doctor
    )


def _short_when(appt: AppointmentInfo, turn: Turn) -> str:
    local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
    return f"{fmt_date_short(local.date())} {fmt_time(local.time())}"


def check(st: SessionState, turn: Turn) -> None:
    """List the patient's active appointments."""
    appts = turn.bookings.active_for(st.phone)
    if not appts:
        turn.say(turn.t("no_appointments"))
        return
    tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
    items = []
    for a in appts:
        local = a.start.astimezone(tz)
        items.append(
            turn.t(
                "appointment_item",
                date=fmt_date(local.date()),
                time=fmt_time(local.time()),
                doctor=a.doctor,
                specialty=a.specialty,
                status=turn.t(STATUS_TEMPLATES[a.status]) if a.status in STATUS_TEMPLATES else a.status,
                code=a.code,
            )
        )
    turn.say(turn.t("your_appointments", items="\n".join(f"• {i}" for i in items)))


def _select(appts: list[AppointmentInfo], parse: ParseResult, turn: Turn) -> list[AppointmentInfo]:
    """Narrow the patient's bookings by what the message says (date, time, doctor, specialty)."""
    tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
    e = parse.entities
    chosen = appts
    tests: tuple[tuple[str, Callable[[AppointmentInfo, str], bool]], ...] = (
        ("date", lambda a, v: a.start.astimezone(tz).date().isoformat() == v),
        ("time", lambda a, v: fmt_time(a.start.astimezone(tz).time()) == v),
        ("doctor", lambda a, v: a.doctor == v),
        ("specialty", lambda a, v: a.specialty == v),
    )
    for key, test in tests:
        if key in e:
            narrowed = [a for a in chosen if test(a, e[key])]
            if narrowed:
                chosen = narrowed
    return chosen


def start_cancel(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
    """ "quero cancelar": confirm the one booking, or ask which (or cancel all of them on "todas")."""
    appts = turn.bookings.active_for(st.phone)
    if not appts:
        if st.state in FLOW_STATES:
            st.reset()
            turn.say(turn.t("booking_cancelled_by_patient"))
        else:
            turn.say(turn.t("no_appointments"))
        return
    chosen = _select(appts, parse, turn)
    if re.search(r"\b(?:tudo|todas|todos)\b", normalize(text)) and len(chosen) > 1:
        st.context = Context(cancel_ids=[a.id for a in chosen])
        items = "\n".join(f"• {describe(a, turn)}" for a in chosen)
        ask(
            st,
            turn,
            turn.t("confirm_cancel_all", items=items),
            state=State.CONFIRMING_CANCEL,
            expect="confirm",
        )
        return
    _choose_or_confirm(st, chosen, "cancel", turn)


def _choose_or_confirm(st: SessionState, chosen: list[AppointmentInfo], action: str, turn: Turn) -> None:
    if len(chosen) == 1:
        if action == "cancel":
            st.context = Context(cancel_ids=[chosen[0].id])
            text = turn.t("confirm_cancel", item=describe(chosen[0], turn))
            ask(st, turn, text, state=State.CONFIRMING_CANCEL, expect="confirm")
        else:
            begin_move(st, chosen[0], turn)
        return
    labels = [describe(a, turn) for a in chosen]
    st.context = Context(appointment_options=[a.id for a in chosen], action=action)
    ask(
        st,
        turn,
        turn.t("which_appointment", options=numbered(labels)),
        state=State.CHOOSING_APPOINTMENT,
        expect="appointment",
        choices=tuple(Choice.short(i, _short_when(a, turn), a.doctor) for i, a in enumerate(chosen, 1)),
    )


def pick_appointment(st: SessionState, parse: ParseResult, turn: Turn) -> None:
    """The answer to "qual consulta?": cancel or move the chosen one; "não" keeps them."""
    ids = st.context.appointment_options
    appts = [a for a in turn.bookings.active_for(st.phone) if a.id in ids]
    chosen: list[AppointmentInfo] = []
    if parse.choice and 1 <= parse.choice <= len(ids):
        chosen = [a for a in appts if a.id == ids[parse.choice - 1]]
    elif parse.entities:
        narrowed = _select(appts, parse, turn)
        chosen = narrowed if len(narrowed) == 1 else []
    if not chosen:
        if parse.intent == "deny":
            st.reset()
            turn.say(turn.t("cancel_kept"))
            return
        turn.say(turn.t("choose_number"))
        resume(st, turn)
        return
    _choose_or_confirm(st, chosen, st.context.action or "cancel", turn)


def confirm_cancel(st: SessionState, parse: ParseResult, turn: Turn) -> None:
    """The answer to "quer cancelar…? (sim/não)"."""
    if parse.intent == "confirm":
        for appointment_id in st.context.cancel_ids:
            turn.bookings.cancel(appointment_id)
        turn.say(turn.t("cancelled"))
        turn.events.append("cancelled")
        st.reset()
    elif parse.intent == "deny":
        turn.say(turn.t("cancel_kept"))
        st.reset()
    else:
        turn.say(turn.t("confirm_cancel_again"))


def answer_reminder(st: SessionState, parse: ParseResult, turn: Turn) -> bool:
    """The patient's answer to a reminder: 1/confirmo, 2/cancelar, 3/remarcar.

    Returns False for anything else (a side question…), which the normal dispatch
    then handles; the reminder's options are offered again afterwards.
    """
    appointment_id = st.context.reminder_appointment_id
    appt = next((a for a in turn.bookings.active_for(st.phone) if a.id == appointment_id), None)
    if appt is None:
        st.reset()
        return False
    local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
    when = {"date": fmt_date(local.date()), "time": fmt_time(local.time())}
    choice = parse.choice if not parse.entities else None
    if choice == 1 or (parse.intent == "confirm" and choice is None):
        turn.bookings.confirm(appt.id)
        turn.say(turn.t("reminder_confirmed", **when))
        turn.events.append("confirmed")
        st.reset()
    elif choice == 2 or parse.intent in {"cancel_appointment", "deny"}:
        turn.bookings.cancel(appt.id)
        turn.say(turn.t("cancelled"))
        turn.events.append("cancelled")
        st.reset()
    elif choice == 3 or parse.intent == "reschedule_appointment":
        begin_move(st, appt, turn, parse)
    else:
        st.context.prompt = turn.t("reminder_options", **when)
        return False
    return True


def start_reschedule(st: SessionState, parse: ParseResult, turn: Turn) -> None:
    """ "quero remarcar": move the booking named (or ask which); with none, correct or start a booking."""
    appts = turn.bookings.active_for(st.phone)
    if not appts:
        if st.state in FLOW_STATES or {"specialty", "doctor"} & parse.entities.keys():
            # Nothing booked yet: "muda pra quinta" corrects the booking being made, and
            # "dá pra passar com o dr X amanhã?" is a new booking.
            if st.state not in FLOW_STATES:
                booking.start_booking(st, turn)
            booking.merge(st, parse, Matches(), turn)
            booking.advance(st, turn)
        else:
            turn.say(turn.t("reschedule_none"))
        return
    chosen = _select(appts, parse, turn)
    if len(chosen) > 1:
        _choose_or_confirm(st, chosen, "reschedule", turn)
        return
    begin_move(st, chosen[0], turn, parse)


def begin_move(st: SessionState, appt: AppointmentInfo, turn: Turn, parse: ParseResult | None = None) -> None:
    """Move ``appt``: its data become the draft and the nearest free times of its doctor are offered."""
    tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
    old_local = appt.start.astimezone(tz)
    st.reset()
    st.context = Context(mode=Mode.RESCHEDULE, appointment_id=appt.id, old_label=describe(appt, turn))
    st.patient_name = appt.patient_name
    st.doctor, st.specialty, st.insurance = appt.doctor, appt.specialty, appt.insurance
    st.context.doctor_auto = False
    st.state = State.COLLECTING
    if parse is not None:
        e = dict(parse.entities)
        # A date/time that names the booking being moved is not the new one
        # ("passar minha consulta de amanhã pra outro dia").
        if e.get("date") == old_local.date().isoformat():
            e.pop("date")
            if e.get("time") == fmt_time(old_local.time()):
                e.pop("time")
        e.pop("doctor", None) if e.get("doctor") == appt.doctor else None
        booking.merge(st, ParseResult(parse.intent, parse.confidence, e), Matches(), turn)
    if not st.date and not st.time:
        doctor = turn.catalog.doctor(st.doctor)
        slots = nearest_free(
            turn.catalog,
            [doctor] if doctor else [],
            turn.now.date(),
            None,
            turn.taken,
            turn.local_now,
            limit=3,
            period=st.period,
        )
        if slots:
            offers.offer(st, turn, slots, "reschedule_ask_date", item=st.context.old_label)
            st.context.expect = "date"
            return
    booking.advance(st, turn)
