"""The waiting list in the dialogue: joining it and answering an offered slot.

* Joining: when the wished day (and period) is simply booked up, the alternatives come
  with one more choice — "lista de espera" (added in :func:`.offers.offer_waitlist`) — and
  a refusal of the alternatives asks once more whether the patient wants to wait. A yes
  stores the wish through the :class:`~clinicbot.engine.ports.Waitlist` port; state
  ``waitlist_name`` asks for the patient's name when joining needs it.
* Answering an offer: the clinic offers a freed slot from outside a conversation turn
  (:func:`.entry.offer_waitlist_slot` makes the slot the booking draft). "1"/"sim" books
  it through the normal booking path (:func:`.confirmation.book`) — the database stays
  the judge — and "2"/"não" passes it to the next patient.
"""

from __future__ import annotations

import datetime as dt
import re

from ..nlu.normalize import normalize
from ..ports import BookingRequest, Bookings, WaitlistRequest
from ..replies.format import fmt_date
from ..state import SessionState, State, WaitlistWish, YesMeans
from ..types import AppointmentInfo, ParseResult
from . import confirmation
from .turn import Turn, ask, finish, whom

OFFER_STATE = State.WAITLIST_OFFER
NAME_STATE = State.WAITLIST_NAME
# The wished period as the patient is told it (" de manhã"…), by template.
PERIOD_TEMPLATES = {
    "morning": "waitlist_period_morning",
    "afternoon": "waitlist_period_afternoon",
    "evening": "waitlist_period_evening",
}

# "quero entrar na lista de espera", "me coloca na lista", "pode me por na lista".
_WANTS_LIST = re.compile(r"\blista de espera\b|\b(?:entrar|coloc\w*|bot\w*|por|poe)\b.*\blista\b")
_BARE_NUMBER = re.compile(r"\s*([12])\s*[.!)]?\s*")
# Outside the confirm states the NLU reads "sim, quero" as a new request: the offer's own yes/no.
_YES = re.compile(r"^(?:sim|s|quero|aceito|pode|claro|ok|okay|beleza|bora|confirmo|marca|fechado)\b")
_NO = re.compile(r"\b(?:nao|n|nem|dispenso)\b")


def handle(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> bool:
    """Handle the message if it belongs to the waiting list; False lets the normal dispatch run."""
    if turn.waitlist is None:
        return False
    if st.state == OFFER_STATE:
        return _answer_offer(st, parse, text, turn)
    if st.state == NAME_STATE:
        if "patient_name" in parse.entities:
            st.patient_name = parse.entities["patient_name"]
            _join(st, turn)
            return True
        if parse.intent == "deny":
            st.reset()
            turn.say(turn.t("booking_cancelled_by_patient"))
            return True
        return False
    wish = st.context.waitlist_wish
    if wish is None:
        return False
    wants = bool(_WANTS_LIST.search(normalize(text)))
    # (an offer that is not shown any more, "offered" empty, compares as absent)
    if st.state == State.CHOOSING_SLOT and wish.offered == (tuple(st.context.offered) or None):
        picked = parse.choice == wish.option and not ({"date", "time"} & parse.entities.keys())
        if wants or picked:
            return _join_or_ask_name(st, turn)
        if parse.intent == "deny":  # none of the alternatives: ask once whether to wait
            st.context.offered = []
            day = dt.date.fromisoformat(wish.date)
            text_ = (
                turn.t("waitlist_other_day")
                + " "
                + turn.t("waitlist_option_yes", who=whom(st, turn), date=fmt_date(day))
            )
            ask(st, turn, text_, state=State.COLLECTING, expect="date")
            st.context.yes_means = YesMeans(waitlist=True)
            return True
        return False
    yes_means = st.context.yes_means or YesMeans()
    if st.state == State.COLLECTING and yes_means.waitlist and (parse.intent == "confirm" or wants):
        st.context.yes_means = None
        return _join_or_ask_name(st, turn)
    return False


def _join_or_ask_name(st: SessionState, turn: Turn) -> bool:
    if not st.patient_name:
        ask(st, turn, turn.t("waitlist_ask_name"), state=NAME_STATE, expect="name")
        return True
    _join(st, turn)
    return True


def _join(st: SessionState, turn: Turn) -> None:
    assert turn.waitlist is not None
    c = turn.catalog
    wish = st.context.waitlist_wish or WaitlistWish(date="")
    day = dt.date.fromisoformat(wish.date or st.date)
    period = wish.period
    doctor = c.doctor(st.doctor) if st.doctor and not st.context.doctor_auto else None
    specialty = st.specialty or (doctor.specialties[0] if doctor else "")
    who = whom(st, turn)
    receipt = turn.waitlist.join(
        WaitlistRequest(
            phone=st.phone,
            patient_name=st.patient_name,
            specialty=specialty,
            insurance=st.insurance,
            date_from=day,
            date_to=day,
            period=period,
            doctor=doctor.name if doctor else "",
            doctor_id=doctor.id if doctor else 0,
            specialty_id=c.specialty_id(specialty),
            insurance_id=c.insurance_id(st.insurance),
        )
    )
    turn.say(
        turn.t(
            "waitlist_joined",
            name=st.patient_name,
            who=who,
            date=fmt_date(day),
            period=turn.t(PERIOD_TEMPLATES[period]) if period in PERIOD_TEMPLATES else "",
            minutes=receipt.hold_minutes,
        )
    )
    turn.events.append("waitlist_joined")
    finish(st)


class _RecordingBookings:
    """The turn's bookings, remembering the appointment a booking made."""

    def __init__(self, inner: Bookings) -> None:
        self.inner = inner
        self.booked: AppointmentInfo | None = None

    def book(self, request: BookingRequest) -> AppointmentInfo:
        self.booked = self.inner.book(request)
        return self.booked

    def cancel(self, appointment_id: int) -> AppointmentInfo:
        return self.inner.cancel(appointment_id)

    def confirm(self, appointment_id: int) -> AppointmentInfo:
        return self.inner.confirm(appointment_id)

    def reschedule(self, appointment_id: int, request: BookingRequest) -> AppointmentInfo:
        return self.inner.reschedule(appointment_id, request)

    def active_for(self, phone: str) -> list[AppointmentInfo]:
        return self.inner.active_for(phone)


def _answer_offer(st: SessionState, parse: ParseResult, text: str, turn: Turn) -> bool:
    """1/sim books the held slot (the draft is already filled in); 2/não passes it on."""
    assert turn.waitlist is not None
    entry_id = st.context.waitlist_entry_id
    bare = _BARE_NUMBER.fullmatch(text)
    number = int(bare.group(1)) if bare else None
    said = normalize(text)
    yes = parse.intent == "confirm" or (bool(_YES.search(said)) and not _NO.search(said))
    no = parse.intent == "deny" or (bool(_NO.search(said)) and not yes)
    if number == 1 or (number is None and yes):
        recorder = _RecordingBookings(turn.bookings)
        turn.bookings = recorder
        try:
            confirmation.book(st, turn)  # a lost slot says so and offers the nearest free times
        finally:
            turn.bookings = recorder.inner
        if recorder.booked is not None:
            turn.waitlist.booked(entry_id, recorder.booked.id)
            turn.events.append("waitlist_booked")
        else:
            turn.waitlist.requeue(entry_id)
        return True
    if number == 2 or (number is None and no):
        turn.waitlist.decline(entry_id)
        turn.say(turn.t("waitlist_declined"))
        turn.events.append("waitlist_declined")
        finish(st)
        return True
    return False
