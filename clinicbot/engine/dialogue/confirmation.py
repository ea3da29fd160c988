"""The answer to the booking summary: a yes books (or moves) through the Bookings port."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from urllib.parse import quote, urlencode

from ..nlu.lexicon import Matches
from ..nlu.normalize import normalize
from ..ports import BookingError, BookingRequest
from ..replies.format import fmt_date
from ..replies.templates import render
from ..slots import schedule_starts
from ..state import Mode, SessionState, State
from ..types import AppointmentInfo, Catalog, ParseResult
from . import booking, offers, questions
from .turn import SOCIAL_INTENTS, Turn, ask, finish, has_booking_data, resume


def on_confirming(st: SessionState, parse: ParseResult, matches: Matches, turn: Turn, text: str = "") -> None:
    """The answer to the summary: yes books, no asks what to correct, new data correct it."""
    if has_booking_data(parse, matches):
        booking.merge(st, parse, matches, turn)
        booking.advance(st, turn, matches)
    elif parse.intent == "confirm":
        book(st, turn)
    elif parse.intent in {"deny", "reschedule_appointment"}:  # "não, quero mudar o horário"
        ask(st, turn, turn.t("ask_correction"), state=State.COLLECTING, expect="correction")
    elif parse.intent in SOCIAL_INTENTS:
        questions.social(st, parse, text, turn)
    else:
        resume(st, turn)


def book(st: SessionState, turn: Turn) -> None:
    """Book (or move) the confirmed draft; a slot lost meanwhile offers the nearest free times."""
    c = turn.catalog
    doctor = c.doctor(st.doctor)
    if doctor is None:
        booking.advance(st, turn)
        return
    tz = zoneinfo.ZoneInfo(c.clinic.timezone)
    day, at = dt.date.fromisoformat(st.date), dt.time.fromisoformat(st.time)
    request = BookingRequest(
        phone=st.phone,
        patient_name=st.patient_name,
        doctor_id=doctor.id,
        specialty=st.specialty,
        insurance=st.insurance,
        start=dt.datetime.combine(day, at, tzinfo=tz),
        minutes=doctor.slot_minutes,
        doctor_name=doctor.name,
        specialty_id=c.specialty_id(st.specialty),
        insurance_id=c.insurance_id(st.insurance),
    )
    rescheduling = st.context.mode == Mode.RESCHEDULE and st.context.appointment_id
    try:
        # The schedule is checked here; whether the slot is still free is the database's
        # call (its unique index), which also settles races between two patients.
        if (
            at not in schedule_starts(doctor, day)
            or day in c.holidays
            or dt.datetime.combine(day, at) <= turn.local_now
        ):
            raise BookingError("not a slot of this doctor")
        if rescheduling:
            appt = turn.bookings.reschedule(st.context.appointment_id, request)
        else:
            appt = turn.bookings.book(request)
    except BookingError:
        turn.forget_taken()
        turn.say(turn.t("slot_lost"))
        offers.offer_nearest(st, turn, [doctor], day, at)
        return
    if rescheduling:
        turn.say(turn.t("rescheduled", date=fmt_date(day), time=st.time, doctor=doctor.name, code=appt.code))
        turn.events.append("rescheduled")
    else:
        turn.say(_booked_text(st, appt, turn))
        turn.events.append("booked")
    finish(st, booked=True)


def _booked_text(st: SessionState, appt: AppointmentInfo, turn: Turn) -> str:
    c = turn.catalog
    day = dt.date.fromisoformat(st.date)
    private = normalize(st.insurance) == "particular"
    return turn.t(
        "booked",
        name=st.patient_name,
        specialty=st.specialty,
        doctor=st.doctor,
        date=fmt_date(day),
        time=st.time,
        insurance=booking.insurance_label(st.insurance, turn),
        code=appt.code,
        address=c.clinic.address,
        card="" if private else turn.t("booked_card_note"),
        link=handoff_link(c, appt),
    ).strip()


def handoff_link(catalog: Catalog, appt: AppointmentInfo) -> str:
    """A link to talk to the clinic about this booking, carrying only the booking's code.

    The clinic's ``handoff_url`` with ``?codigo=…``, or a wa.me link to the clinic's
    WhatsApp with "Consulta <code>" prefilled. Both are third-party sites that log URLs:
    the patient's name, doctor and time stay out (staff find them by the code).
    """
    c = catalog.clinic
    summary = render("handoff_link_summary", catalog.templates, code=appt.code)
    if c.handoff_url:
        sep = "&" if "?" in c.handoff_url else "?"
        return render(
            "handoff_link", catalog.templates, url=f"{c.handoff_url}{sep}{urlencode({'codigo': appt.code})}"
        )
    digits = re.sub(r"\D", "", c.whatsapp)
    if digits:
        return render("handoff_link", catalog.templates, url=f"https://wa.me/{digits}?text={quote(summary)}")
    return ""
