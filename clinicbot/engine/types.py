"""Value objects that cross the engine's boundary (frozen where they are shared)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# SessionState lives in state.py with the typed context; re-exported for the callers.
from .state import SessionState as SessionState

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ----------------------------------------------------------------------------- catalog
@dataclass(frozen=True)
class TimeRange:
    """A range of clock times on one day, end exclusive."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class NamedItem:
    """A specialty, insurance or exam: canonical name plus the other ways people say it."""

    name: str
    aliases: tuple[str, ...] = ()
    id: int = 0


@dataclass(frozen=True)
class ExamInfo(NamedItem):
    price: Decimal | None = None
    preparation: str = ""


@dataclass(frozen=True)
class DoctorInfo:
    """A doctor as the engine sees one."""

    id: int
    name: str
    specialties: tuple[str, ...]
    insurances: tuple[str, ...]
    price: Decimal
    slot_minutes: int
    schedule: dict[int, tuple[TimeRange, ...]]  # weekday (0 = Monday) -> ranges
    crm: str = ""

    @property
    def bare_name(self) -> str:
        """The name without its title: "Dra. Ana Souza" -> "Ana Souza"."""
        parts = self.name.split()
        if parts and parts[0].lower().rstrip(".") in {"dr", "dra", "doutor", "doutora"}:
            parts = parts[1:]
        return " ".join(parts)

    @property
    def is_female(self) -> bool:
        return self.name.lower().startswith(("dra", "doutora"))


@dataclass(frozen=True)
class FaqItem:
    question: str
    answer: str


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    phone: str = ""
    whatsapp: str = ""
    address: str = ""
    timezone: str = "America/Sao_Paulo"
    appointment_minutes: int = 30
    handoff_url: str = ""
    opening_hours: dict[int, tuple[TimeRange, ...]] = field(default_factory=dict)
    parking: str = ""
    booking_horizon_days: int = 60  # nobody is booked further ahead


@dataclass(frozen=True)
class Catalog:
    """Everything the engine knows about the clinic: a read-only snapshot."""

    clinic: ClinicInfo
    specialties: tuple[NamedItem, ...]
    insurances: tuple[NamedItem, ...]
    doctors: tuple[DoctorInfo, ...]
    exams: tuple[ExamInfo, ...] = ()
    holidays: frozenset[dt.date] = frozenset()
    faq: tuple[FaqItem, ...] = ()
    templates: dict[str, str] = field(default_factory=dict)  # staff overrides of reply wording

    def doctor(self, name: str | None) -> DoctorInfo | None:
        return next((d for d in self.doctors if d.name == name), None) if name else None

    def doctors_of(self, specialty: str) -> list[DoctorInfo]:
        return [d for d in self.doctors if specialty in d.specialties]

    def specialty_id(self, name: str) -> int:
        return next((s.id for s in self.specialties if s.name == name), 0)

    def insurance_id(self, name: str) -> int:
        return next((i.id for i in self.insurances if i.name == name), 0)

    def exam(self, name: str | None) -> ExamInfo | None:
        return next((e for e in self.exams if e.name == name), None) if name else None


# ----------------------------------------------------------------------------- NLU
@dataclass(frozen=True)
class ParseResult:
    """What the NLU read in one message."""

    intent: str
    confidence: float
    entities: dict[str, str]
    # "2", "a segunda opção", "1️⃣": a 1-based index into the offered options; -1 is "o último";
    # 1 also when the patient leaves the pick to us ("qualquer um", "tanto faz", "o mais cedo"),
    # since options are offered earliest first. A pick by time or day ("o das 10", "o de
    # terça") gives no number: it comes as the time/date entity, matched by the dialogue.
    choice: int | None = None
    negated: frozenset[str] = frozenset()  # entity keys the patient explicitly rejected
    # A finer reading than the intent: "medical_advice", "complaint", "faq", "self_harm",
    # "symptom", "stop_flow", "smalltalk" (see nlu/model.py); "" when none applies.
    tag: str = ""
    # When the reading is unsure (nothing pending): the requests the message most likely is,
    # most likely first, for a clarifying question ("Você quer: 1. remarcar 2. cancelar…").
    alternatives: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- dialogue
@dataclass(frozen=True)
class AppointmentInfo:
    """An existing booking, as the engine sees it."""

    id: int
    patient_name: str
    doctor: str
    specialty: str
    insurance: str
    start: dt.datetime  # aware, any timezone
    status: str
    code: str = ""


# WhatsApp's limits for an interactive list row (the shortest of the gateways').
CHOICE_TITLE_MAX = 24
CHOICE_DESCRIPTION_MAX = 72


@dataclass(frozen=True)
class Choice:
    """One option of an interactive list (rendered numbered in plain text).

    ``id`` is the option's number ("1", "2", …) so a tapped option reads like a typed one.
    """

    id: str
    title: str
    description: str = ""

    @classmethod
    def short(cls, number: int, title: str, description: str = "") -> Choice:
        """A choice whose title and description fit WhatsApp's interactive limits."""

        def clip(text: str, limit: int) -> str:
            return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

        return cls(str(number), clip(title, CHOICE_TITLE_MAX), clip(description, CHOICE_DESCRIPTION_MAX))


@dataclass(frozen=True)
class Reply:
    """One message from the assistant."""

    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class TurnResult:
    """The outcome of one inbound message."""

    replies: tuple[Reply, ...]
    parse: ParseResult
    state: SessionState
    events: tuple[str, ...] = ()  # e.g. "booked", "cancelled", "handoff", "emergency"
