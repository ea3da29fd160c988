"""In-memory ports and a small clinic for fast engine tests (no Django)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal

from clinicbot.engine.dialogue.router import Policy
from clinicbot.engine.dialogue.turn import Turn
from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.ports import BookingError, BookingRequest
from clinicbot.engine.types import (
    AppointmentInfo,
    Catalog,
    ClinicInfo,
    DoctorInfo,
    ExamInfo,
    FaqItem,
    NamedItem,
    Reply,
    SessionState,
    TimeRange,
)

TZ = zoneinfo.ZoneInfo("America/Recife")
# A Tuesday morning.
NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=TZ)


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def rng(a: str, b: str) -> TimeRange:
    return TimeRange(_t(a), _t(b))


def make_catalog() -> Catalog:
    """A fictional clinic: two cardiologists, a pediatrician with 20-minute slots, two Marcos."""
    return Catalog(
        clinic=ClinicInfo(
            name="Clínica Mar Azul",
            phone="+55 81 3333-0000",
            whatsapp="+55 81 98888-0000",
            address="Av. Boa Viagem, 500 - Recife - PE",
            timezone="America/Recife",
            opening_hours={d: (rng("07:00", "19:00"),) for d in range(5)} | {5: (rng("08:00", "12:00"),)},
            parking="Estacionamento gratuito no térreo.",
        ),
        specialties=(
            NamedItem("Cardiologia", ("cardio", "cardiologista"), 1),
            NamedItem("Pediatria", ("pediatra",), 2),
            NamedItem("Neurologia", ("neuro", "neurologista"), 3),
            NamedItem("Urologia", ("urologista",), 4),
        ),
        insurances=(
            NamedItem("Hapvida", ("hap vida",), 1),
            NamedItem("Sul América", ("sulamerica",), 2),
            NamedItem("Particular", ("sem plano",), 3),
        ),
        doctors=(
            DoctorInfo(
                1,
                "Dr. Marcos Lins",
                ("Cardiologia",),
                ("Hapvida", "Particular"),
                Decimal("300"),
                30,
                {1: (rng("08:00", "12:00"),), 3: (rng("14:00", "18:00"),)},
            ),
            DoctorInfo(
                2,
                "Dra. Tereza Cavalcanti",
                ("Cardiologia",),
                ("Sul América", "Particular"),
                Decimal("350"),
                30,
                {2: (rng("08:00", "12:00"),)},
            ),
            DoctorInfo(
                3,
                "Dra. Ana Beatriz Farias",
                ("Pediatria",),
                ("Hapvida", "Sul América", "Particular"),
                Decimal("250"),
                20,
                {1: (rng("13:00", "17:00"),), 4: (rng("08:00", "12:00"),)},
            ),
            DoctorInfo(
                4,
                "Dr. Marcos Queiroz",
                ("Neurologia",),
                ("Particular",),
                Decimal("400"),
                40,
                {0: (rng("08:00", "12:00"),)},
            ),
        ),
        exams=(ExamInfo("Eletrocardiograma", ("ecg",), price=Decimal("90"), preparation="Sem jejum."),),
        holidays=frozenset({dt.date(2027, 6, 3)}),
        faq=(FaqItem("Aceitam pix?", "Sim, aceitamos Pix e cartões."),),
    )


class FakeAvailability:
    def __init__(self) -> None:
        self.taken: dict[tuple[int, dt.date], set[dt.time]] = {}

    def taken_starts(self, doctor_id: int, day: dt.date) -> set[dt.time]:
        return set(self.taken.get((doctor_id, day), set()))


class FakeBookings:
    """Bookings kept in a dict; shares the taken set with FakeAvailability like a database would."""

    def __init__(self, catalog: Catalog, availability: FakeAvailability) -> None:
        self.catalog = catalog
        self.availability = availability
        self.rows: dict[int, AppointmentInfo] = {}
        self._ids = itertools.count(1)

    def book(self, request: BookingRequest) -> AppointmentInfo:
        local = request.start.astimezone(TZ)
        key = (request.doctor_id, local.date())
        if local.time() in self.availability.taken.get(key, set()):
            raise BookingError("taken")
        self.availability.taken.setdefault(key, set()).add(local.time())
        doctor = next(d for d in self.catalog.doctors if d.id == request.doctor_id)
        appt = AppointmentInfo(
            next(self._ids),
            request.patient_name,
            doctor.name,
            request.specialty,
            request.insurance,
            request.start,
            "booked",
            f"C{len(self.rows) + 1:05d}",
        )
        self.rows[appt.id] = appt
        return appt

    def cancel(self, appointment_id: int) -> AppointmentInfo:
        appt = self.rows[appointment_id]
        local = appt.start.astimezone(TZ)
        doctor = next(d for d in self.catalog.doctors if d.name == appt.doctor)
        self.availability.taken[(doctor.id, local.date())].discard(local.time())
        self.rows[appointment_id] = AppointmentInfo(
            appt.id,
            appt.patient_name,
            appt.doctor,
            appt.specialty,
            appt.insurance,
            appt.start,
            "cancelled",
            appt.code,
        )
        return self.rows[appointment_id]

    def confirm(self, appointment_id: int) -> AppointmentInfo:
        appt = self.rows[appointment_id]
        self.rows[appointment_id] = AppointmentInfo(
            appt.id,
            appt.patient_name,
            appt.doctor,
            appt.specialty,
            appt.insurance,
            appt.start,
            "confirmed",
            appt.code,
        )
        return self.rows[appointment_id]

    def reschedule(self, appointment_id: int, request: BookingRequest) -> AppointmentInfo:
        new = self.book(request)
        self.cancel(appointment_id)
        return new

    def active_for(self, phone: str) -> list[AppointmentInfo]:
        return sorted(
            (a for a in self.rows.values() if a.status in ("booked", "confirmed")), key=lambda a: a.start
        )


class Conversation:
    """Drive the policy like the pipeline does, without a database."""

    def __init__(self, now: dt.datetime = NOW, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or make_catalog()
        self.understanding = Understanding(self.catalog)
        self.availability = FakeAvailability()
        self.bookings = FakeBookings(self.catalog, self.availability)
        self.state = SessionState(phone="5581999990000")
        self.now = now
        self.policy = Policy()
        self.last_events: tuple[str, ...] = ()
        self.last_replies: tuple[Reply, ...] = ()

    def says(self, text: str) -> str:
        turn = Turn(self.catalog, self.understanding, self.availability, self.bookings, self.now)
        result = self.policy.handle(self.state, text, turn)
        self.last_events = result.events
        self.last_replies = result.replies
        return "\n".join(r.text for r in result.replies)
