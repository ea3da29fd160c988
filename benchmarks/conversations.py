"""Realistic patient conversations for the benchmarks, built from the clinic's own data.

Each patient greets, asks about convênios, prices, hours, exams…, books a consultation
with a named doctor on a free slot (date, time, name, confirmation), then either cancels
and books another doctor or reschedules, and says goodbye. Every patient gets slots of
their own (different doctors and days), so concurrent bookings never collide and the
final state of every conversation is known in advance: :func:`final_expectation` is what
the benchmarks compare the database with ("wrong final state").

Pure Python over the engine's :class:`Catalog`: no Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from clinicbot.engine.types import Catalog, DoctorInfo

FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Elisa", "Fabio", "Gabriela", "Hugo", "Isabela", "Jorge",
    "Larissa", "Mateus", "Natalia", "Otavio", "Paula", "Rafael", "Sabrina", "Thiago", "Vanessa", "Yuri",
)  # fmt: skip
SURNAMES = (
    "Almeida", "Barbosa", "Costa", "Duarte", "Esteves", "Ferreira", "Gomes", "Lima", "Moreira",
    "Nogueira", "Oliveira", "Pereira", "Queiroz", "Ribeiro", "Santos", "Teixeira", "Vieira",
)  # fmt: skip
GREETINGS = ("oi", "bom dia", "boa tarde, tudo bem?", "olá", "oi, boa noite")
THANKS = ("obrigada", "valeu", "muito obrigado!", "obrigado, tchau", "ok, obrigada")


@dataclass(frozen=True)
class Slot:
    """One bookable consultation: a doctor at a local date and time."""

    doctor: DoctorInfo
    day: dt.date
    time: dt.time

    def spoken(self, variant: int) -> str:
        """How a patient writes the date and time ("dia 17/12 as 8h20")."""
        hour = f"{self.time.hour}h" if self.time.minute == 0 else f"{self.time.hour}h{self.time.minute:02d}"
        forms = (f"dia {self.day:%d/%m} as {hour}", f"{self.day:%d/%m} às {self.time:%H:%M}")
        return forms[variant % len(forms)]


@dataclass(frozen=True)
class Step:
    """One patient message and the session state the assistant must be in after it."""

    text: str
    state: str
    book: Slot | None = None
    cancel: Slot | None = None


@dataclass
class Script:
    """A patient's whole conversation."""

    phone: str
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Expectation:
    """Where a conversation must end: its session state and its active appointments."""

    state: str
    active: frozenset[tuple[int, dt.date, dt.time]]


def _article(doctor: DoctorInfo) -> str:
    return f"com a {doctor.name.lower()}" if doctor.is_female else f"com o {doctor.name.lower()}"


def _insurance_phrase(name: str) -> str:
    return "vou pagar particular" if name == "Particular" else f"pelo convênio {name}"


def free_slots(catalog: Catalog, *, today: dt.date, rng: random.Random) -> Iterator[Slot]:
    """Every bookable slot from the day after tomorrow to a few days before the horizon,
    interleaved so consecutive slots belong to different doctors and days."""
    last = today + dt.timedelta(days=catalog.clinic.booking_horizon_days - 3)
    per_doctor: list[list[Slot]] = []
    for doctor in catalog.doctors:
        slots = []
        day = today + dt.timedelta(days=2)
        while day <= last:
            if day not in catalog.holidays:
                for rng_ in doctor.schedule.get(day.weekday(), ()):
                    start = dt.datetime.combine(day, rng_.start)
                    while (start + dt.timedelta(minutes=doctor.slot_minutes)).time() <= rng_.end and (
                        start.date() == day
                    ):
                        slots.append(Slot(doctor, day, start.time()))
                        start += dt.timedelta(minutes=doctor.slot_minutes)
            day += dt.timedelta(days=1)
        rng.shuffle(slots)
        per_doctor.append(slots)
    while any(per_doctor):
        for slots in per_doctor:
            if slots:
                yield slots.pop()


def _faq_questions(catalog: Catalog, rng: random.Random) -> list[str]:
    """Questions with a one-message answer that leave the conversation state alone."""
    insurance = rng.choice([i.name for i in catalog.insurances if i.name != "Particular"])
    specialty = rng.choice([s.name for s in catalog.specialties]).lower()
    exam = rng.choice(list(catalog.exams)).name.lower() if catalog.exams else "hemograma"
    exam2 = rng.choice(list(catalog.exams)).name.lower() if catalog.exams else "glicemia"
    doctor = rng.choice(list(catalog.doctors))
    pool = [
        f"vcs aceitam {insurance.lower()}?",
        f"quanto custa consulta de {specialty}?",
        "qual o horario de funcionamento?",
        "onde fica a clinica?",
        "tem estacionamento?",
        "quais formas de pagamento?",
        "tem teleconsulta?",
        f"quanto custa o {exam}?",
        f"qual o preparo do {exam2}?",
        f"quanto custa a consulta {_article(doctor)}?",
        "quais especialidades vcs atendem?",
        "quais exames vcs fazem?",
    ]
    rng.shuffle(pool)
    return pool


def build_script(
    *, catalog: Catalog, phone: str, first: Slot, second: Slot, seed: int, messages: int
) -> Script:
    """A patient's ``messages``-long conversation booking ``first``, then cancelling it and
    booking ``second`` (another doctor), or rescheduling to ``second`` (same doctor)."""
    rng = random.Random(seed)
    reschedule = first.doctor.id == second.doctor.id
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
    faq = _faq_questions(catalog, rng)
    ask = iter(faq * 3)
    specialty = first.doctor.specialties[0].lower()
    insurance = rng.choice(first.doctor.insurances)
    idle = "idle"
    booking = [
        Step(f"quero marcar {specialty} {_article(first.doctor)}", "collecting"),
        Step("particular" if insurance == "Particular" else insurance.lower(), "choosing_slot"),
        Step(first.spoken(seed), "collecting"),
        Step(name, "confirming"),
        Step("sim", idle, book=first),
    ]
    if reschedule:
        change = [
            Step("preciso remarcar minha consulta", "choosing_slot"),
            Step(second.spoken(seed + 1), "confirming"),
            Step("sim", idle, book=second, cancel=first),
        ]
    else:
        spec2 = second.doctor.specialties[0].lower()
        ins2 = rng.choice(second.doctor.insurances)
        change = [
            Step("quero cancelar minha consulta", "confirming_cancel"),
            Step("sim", idle, cancel=first),
            Step(
                f"quero marcar {spec2} {_article(second.doctor)} {second.spoken(seed + 1)}, {_insurance_phrase(ins2)}",
                "confirming",
            ),
            Step("sim", idle, book=second),
        ]
    steps = [Step(rng.choice(GREETINGS), idle), Step(next(ask), idle), Step(next(ask), idle)]
    steps += booking + [Step(rng.choice(THANKS), idle), Step(next(ask), idle)] + change
    final = Step(rng.choice(THANKS), idle)
    while len(steps) < messages - 1:
        steps.append(Step(next(ask), idle))
    steps.append(final)
    return Script(phone=phone, steps=steps[:messages])


def build_scripts(
    *, catalog: Catalog, today: dt.date, count: int, messages: int, phone_prefix: str, seed: int = 8
) -> list[Script]:
    """``count`` different conversations of ``messages`` messages, each on its own slots.

    About a third reschedule (same doctor), the others cancel and book another doctor.
    """
    rng = random.Random(seed)
    pool = list(free_slots(catalog, today=today, rng=rng))
    if len(pool) < 2 * count:
        raise ValueError(f"the clinic has {len(pool)} free slots, {2 * count} are needed")
    scripts = []
    for i in range(count):
        first = pool.pop(0)
        if i % 3 == 2:  # reschedule: another slot of the same doctor
            second = next(s for s in pool if s.doctor.id == first.doctor.id)
        else:
            second = next(s for s in pool if s.doctor.id != first.doctor.id)
        pool.remove(second)
        scripts.append(
            build_script(
                catalog=catalog,
                phone=f"{phone_prefix}{i:06d}",
                first=first,
                second=second,
                seed=seed * 100_003 + i,
                messages=messages,
            )
        )
    return scripts


def final_expectation(script: Script) -> Expectation:
    """The session state and active appointments after the whole script."""
    active: set[tuple[int, dt.date, dt.time]] = set()
    for step in script.steps:
        if step.cancel:
            active.discard((step.cancel.doctor.id, step.cancel.day, step.cancel.time))
        if step.book:
            active.add((step.book.doctor.id, step.book.day, step.book.time))
    return Expectation(state=script.steps[-1].state if script.steps else "idle", active=frozenset(active))
