"""The conversation memory: the dialogue state, its typed context and the session around them.

* :class:`State` — where the dialogue stands (a ``StrEnum``: its values are the strings
  stored in ``ConversationSession.current_state``, so stored sessions load unchanged).
* :class:`Context` — what the dialogue remembers between turns besides the booking draft,
  one typed field per key. :meth:`Context.reset` is the one place that says what survives
  a reset.
* :class:`Bookkeeping` — what the channels keep beside the dialogue (the worker's rate
  window, the day's funnel, the privacy notice). The dialogue never reads it and a reset
  never touches it.
* :class:`SessionState` — all of the above plus the booking draft; :meth:`SessionState.reset`
  is the only way a conversation starts over.

Persistence keeps today's layout: the context and the bookkeeping are stored together as
one flat JSON object (``ConversationSession.context`` and the cache payload), with the keys
they always had, so rows and cache entries written before these types existed load as they
are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .pending import WaitlistWish, YesMeans

__all__ = [
    "BOOKING_FIELDS",
    "FLOW_STATES",
    "Bookkeeping",
    "Context",
    "Mode",
    "SessionState",
    "State",
    "WaitlistWish",
    "YesMeans",
    "parse_state",
]


class State(StrEnum):
    """Where the dialogue stands (see :mod:`clinicbot.engine.dialogue.router`)."""

    IDLE = "idle"  # nothing pending
    COLLECTING = "collecting"  # a booking (or a move) is being filled in; Context.expect says what was asked
    CHOOSING_SLOT = "choosing_slot"  # numbered free times were offered (Context.offered)
    CHOOSING_DOCTOR = "choosing_doctor"  # two doctors share the name the patient used
    CONFIRMING = "confirming"  # the summary was shown: a yes books, a no asks what to correct
    CHOOSING_APPOINTMENT = "choosing_appointment"  # which booking to cancel or move
    CONFIRMING_CANCEL = "confirming_cancel"
    CONFIRMING_REMINDER = "confirming_reminder"  # a reminder asked 1/2/3
    WAITLIST_NAME = "waitlist_name"  # joining the waiting list needs the patient's name
    WAITLIST_OFFER = "waitlist_offer"  # a freed slot was offered from the waiting list
    HANDOFF = "handoff"  # a person took over; the assistant stays silent (emergencies excepted)
    # Listed by the database model for rows of older versions; never entered any more.
    RESCHEDULING = "rescheduling"
    CONFIRMING_RESCHEDULE = "confirming_reschedule"


# A booking is being made: side questions are answered and the pending question asked again.
FLOW_STATES = frozenset({State.COLLECTING, State.CHOOSING_SLOT, State.CHOOSING_DOCTOR, State.CONFIRMING})


class Mode(StrEnum):
    """What the booking draft is for."""

    NONE = ""
    BOOK = "book"
    RESCHEDULE = "reschedule"


@dataclass
class Context:
    """What the dialogue remembers between turns (besides the booking draft).

    The field names are the keys stored before this type existed; a field at its default
    is not stored.
    """

    # The question pending: its kind ("specialty", "date", "slot", "confirm", …) and its text,
    # asked again after a side question.
    expect: str = ""
    prompt: str = ""
    stuck: int = 0  # booking turns in a row that went nowhere
    mode: Mode = Mode.NONE
    last_insurance: str = ""  # of the last booking, for "mesmo plano" in the next one
    yes_means: YesMeans | None = None
    doctor_auto: bool = False  # the assistant picked the doctor (the patient named none)
    doctor_options: list[str] = field(default_factory=list)  # same-name doctors to choose from
    offered: list[str] = field(default_factory=list)  # slot keys of the numbered offer
    # Moving a booking: which one, and how it was described.
    appointment_id: int = 0
    old_label: str = ""
    # Cancelling or moving one of several bookings.
    cancel_ids: list[int] = field(default_factory=list)
    appointment_options: list[int] = field(default_factory=list)
    action: str = ""  # "cancel" or "reschedule", for the appointment being chosen
    reminder_appointment_id: int = 0  # the booking a reminder asked about
    waitlist_wish: WaitlistWish | None = None
    waitlist_entry_id: int = 0  # the waiting-list entry whose offered slot is pending
    handoff_at: str = ""  # ISO instant of the hand-off: the staff queue's "waiting since"
    # Safety mode (dialogue/safety.py): after an emergency or a self-harm message, what follows
    # is answered in that mode until the patient clearly moves on, a person writes, or it ages.
    safety: str = ""  # "", "emergency" or "self_harm"
    safety_at: str = ""  # ISO instant the mode began
    safety_replies: int = 0  # follow-ups answered in the mode (alternates the wording)
    # A yes/no the assistant offered with nothing else pending ("Quer marcar?", "Chamo a
    # recepção?"): what a "sim" does ("booking" or "handoff"), and the specialty a booking starts with.
    offer: str = ""
    offer_specialty: str = ""
    # What the last answer was about, for follow-ups ("e qd ele atende?", "e pelo X cobre?").
    topic_doctor: str = ""
    topic_specialty: str = ""
    topic_exam: str = ""
    topic_insurance: str = ""  # "e pelo cassi?" -> the booking that follows uses it
    topic_faq: str = ""  # the FAQ question last answered ("e que horas vocês passam?")
    topic_intent: str = ""  # the kind of question last answered ("e durante a semana?" after the hours)
    # The last booking made, for "mesmo dia", "mesmo horário", "mesmo esquema" in the next one.
    last_date: str = ""
    last_time: str = ""
    last_doctor: str = ""
    # What the message that prompted a booking offer already said (date, time, name…).
    offer_data: dict[str, str] = field(default_factory=dict)
    topic_age: int = 0  # turns since the subject was set: an old subject is not a follow-up's
    last_replies: str = ""  # fingerprint of the last turn's replies: never send the same twice in a row
    # A clarifying question is pending ("Você quer: 1. …"): the requests offered, most likely
    # first, and the message it was about (read again as the request picked).
    clarify_options: list[str] = field(default_factory=list)
    clarify_text: str = ""

    # What survives :meth:`reset`.
    SURVIVES_RESET = frozenset(
        {
            "last_insurance",
            "last_date",
            "last_time",
            "last_doctor",
            "topic_doctor",
            "topic_specialty",
            "topic_exam",
            "topic_insurance",
            "topic_faq",
            "topic_intent",
            "topic_age",
            "last_replies",
        }
    )

    def reset(self) -> None:
        """Forget everything but what :data:`SURVIVES_RESET` names.

        The insurance of the last booking survives, for "mesmo plano" in the next one.
        """
        for f in dataclasses.fields(self):
            if f.name not in self.SURVIVES_RESET:
                setattr(self, f.name, _default(f))

    def to_dict(self) -> dict[str, Any]:
        """The stored form: today's keys, only the fields not at their default."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _OPTIONAL_OBJECTS:
                if value is not None:
                    data[f.name] = value.to_dict()
            elif value != _default(f):
                data[f.name] = str(value) if isinstance(value, StrEnum) else _plain(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Context:
        """Read a stored context (unknown keys, e.g. the bookkeeping's, are left out)."""
        ctx = cls()
        for f in dataclasses.fields(ctx):
            if f.name not in data or data[f.name] is None:
                continue
            raw = data[f.name]
            if f.name == "yes_means":
                ctx.yes_means = YesMeans.from_dict(raw) if isinstance(raw, dict) else None
            elif f.name == "waitlist_wish":
                ctx.waitlist_wish = WaitlistWish.from_dict(raw) if isinstance(raw, dict) else None
            elif f.name == "mode":
                ctx.mode = Mode(raw) if raw in Mode._value2member_map_ else Mode.NONE
            elif f.name in _INT_LISTS:
                setattr(ctx, f.name, [int(v) for v in raw])
            elif f.name in _STR_LISTS:
                setattr(ctx, f.name, [str(v) for v in raw])
            elif isinstance(default := _default(f), dict):
                setattr(
                    ctx, f.name, {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
                )
            elif isinstance(default, bool):
                setattr(ctx, f.name, bool(raw))
            elif isinstance(default, int):
                setattr(ctx, f.name, int(raw))
            else:
                setattr(ctx, f.name, str(raw))
        return ctx


_OPTIONAL_OBJECTS = frozenset({"yes_means", "waitlist_wish"})
_INT_LISTS = frozenset({"cancel_ids", "appointment_options"})
_STR_LISTS = frozenset({"doctor_options", "offered", "clarify_options"})


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


# The stored keys of the bookkeeping (unchanged from when they lived in the context).
RECENT_ARRIVALS_KEY = "recent_arrivals"
RATE_NOTICE_KEY = "rate_notice_at"
PRIVACY_NOTICE_KEY = "privacy_notice_at"
OPS_DAYS_KEY = "_ops_days"


@dataclass
class Bookkeeping:
    """What the channels keep in the session beside the dialogue; no reset touches it.

    * ``recent_arrivals`` / ``rate_notice_at``: the worker's one-minute rate window
      (timestamps) and when it last said so.
    * ``privacy_notice_at``: when the LGPD notice was given (ISO instant; "" = not yet).
    * ``ops_days``: the day's furthest booking step and hand-off flag, per clinic day
      (``{"2026-05-12": {"stage": 3, "handoff": True}}``), for the funnel roll-up.
    """

    recent_arrivals: list[float] = field(default_factory=list)
    rate_notice_at: float | None = None
    privacy_notice_at: str = ""
    ops_days: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stored keys, only those that are set."""
        data: dict[str, Any] = {}
        if self.recent_arrivals:
            data[RECENT_ARRIVALS_KEY] = list(self.recent_arrivals)
        if self.rate_notice_at is not None:
            data[RATE_NOTICE_KEY] = self.rate_notice_at
        if self.privacy_notice_at:
            data[PRIVACY_NOTICE_KEY] = self.privacy_notice_at
        if self.ops_days:
            data[OPS_DAYS_KEY] = {k: dict(v) for k, v in self.ops_days.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bookkeeping:
        """Read the bookkeeping's keys from a stored context object (others are ignored)."""
        arrivals = data.get(RECENT_ARRIVALS_KEY)
        notice = data.get(RATE_NOTICE_KEY)
        days = data.get(OPS_DAYS_KEY)
        return cls(
            recent_arrivals=[float(t) for t in arrivals] if isinstance(arrivals, list) else [],
            rate_notice_at=float(notice) if isinstance(notice, int | float) else None,
            privacy_notice_at=str(data.get(PRIVACY_NOTICE_KEY) or ""),
            ops_days={k: dict(v) for k, v in days.items() if isinstance(v, dict)}
            if isinstance(days, dict)
            else {},
        )


BOOKING_FIELDS = ("specialty", "doctor", "insurance", "date", "time", "period")


@dataclass
class SessionState:
    """The conversation memory the engine reads and updates (persisted by the store)."""

    phone: str
    state: State = State.IDLE
    previous_state: str = ""
    patient_name: str = ""
    specialty: str = ""
    doctor: str = ""
    insurance: str = ""
    date: str = ""  # ISO date
    time: str = ""  # HH:MM
    period: str = ""
    context: Context = field(default_factory=Context)
    handed_off: bool = False
    bookkeeping: Bookkeeping = field(default_factory=Bookkeeping)

    def enter(self, state: State) -> None:
        """Move to ``state``, remembering the one it leaves."""
        self.previous_state, self.state = self.state, state

    def reset(self) -> None:
        """Start the conversation over: the ONE reset (engine, expiry, staff, reminders, waiting list).

        The booking draft and the dialogue context are forgotten and the assistant is back
        in charge (``handed_off`` off). The patient's name survives, and what
        :meth:`Context.reset` keeps; the :class:`Bookkeeping` is never touched.
        """
        for name in BOOKING_FIELDS:
            setattr(self, name, "")
        self.context.reset()
        self.handed_off = False
        self.enter(State.IDLE)

    def stored_context(self) -> dict[str, Any]:
        """The context and the bookkeeping as one JSON object (the stored ``context``)."""
        return {**self.context.to_dict(), **self.bookkeeping.to_dict()}

    def copy(self) -> SessionState:
        """An independent copy (to roll a failed turn back)."""
        return SessionState.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The cache form (the same shape as before the typed context)."""
        return {
            "phone": self.phone,
            "state": str(self.state),
            "previous_state": self.previous_state,
            "patient_name": self.patient_name,
            "specialty": self.specialty,
            "doctor": self.doctor,
            "insurance": self.insurance,
            "date": self.date,
            "time": self.time,
            "period": self.period,
            "context": self.stored_context(),
            "handed_off": self.handed_off,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        """Read the cache form (also the one written before the typed context)."""
        simple = (
            "previous_state",
            "patient_name",
            "specialty",
            "doctor",
            "insurance",
            "date",
            "time",
            "period",
        )
        raw = dict(data.get("context") or {})
        return cls(
            phone=str(data["phone"]),
            state=parse_state(str(data.get("state") or State.IDLE)),
            handed_off=bool(data.get("handed_off", False)),
            context=Context.from_dict(raw),
            bookkeeping=Bookkeeping.from_dict(raw),
            **{k: str(data[k]) for k in simple if data.get(k) is not None},
        )


def parse_state(value: str) -> State:
    """The :class:`State` of a stored value (an unknown one, from a future version, is idle)."""
    return State(value) if value in State._value2member_map_ else State.IDLE
