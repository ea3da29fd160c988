"""factory_boy factories for tests.

``DoctorFactory(schedule={"mon": ["08:00-12:00"]})`` gives a doctor with weekly hours;
``set_weekly_schedule(doctor, {...})`` replaces the hours of an existing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from clinicbot.clinics.hours import parse_range
from clinicbot.clinics.models import Clinic, Doctor, Insurance, ScheduleRange, Specialty
from clinicbot.conversations.models import ConversationSession
from clinicbot.engine.types import WEEKDAY_KEYS
from clinicbot.scheduling.models import Appointment, AppointmentStatus

# A Monday morning in the clinic's timezone, far enough ahead to be "the future".
TZ = dt.timezone(dt.timedelta(hours=-3))
MONDAY_10H = dt.datetime(2030, 3, 4, 10, 0, tzinfo=TZ)

WeeklySchedule = Mapping[str | int, Sequence[str]]


def set_weekly_schedule(doctor: Doctor, week: WeeklySchedule) -> list[ScheduleRange]:
    """Replace the doctor's weekly hours: ``{"mon": ["08:00-12:00", "14:00-18:00"]}``.

    Keys are weekday keys (mon..sun) or numbers (0 = Monday); values are "HH:MM-HH:MM".
    """
    doctor.schedule.all().delete()
    rows = []
    for day, ranges in week.items():
        weekday = day if isinstance(day, int) else WEEKDAY_KEYS.index(day)
        for text in ranges:
            rng = parse_range(text)
            rows.append(ScheduleRange(doctor=doctor, weekday=weekday, start=rng.start, end=rng.end))
    return ScheduleRange.objects.bulk_create(rows)


class ClinicFactory(DjangoModelFactory[Clinic]):
    class Meta:
        model = Clinic

    name = "Clínica de Teste"
    phone = "+55 11 3000-0000"
    whatsapp = "+55 11 90000-0000"
    address = "Rua dos Testes, 100 - Centro, São Paulo - SP"
    timezone = "America/Sao_Paulo"
    appointment_minutes = 30
    opening_hours = factory.LazyFunction(lambda: {"mon": ["07:00-19:00"], "sat": ["08:00-12:00"]})


class SpecialtyFactory(DjangoModelFactory[Specialty]):
    class Meta:
        model = Specialty
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Especialidade {n}")
    aliases = factory.LazyFunction(list)


class InsuranceFactory(DjangoModelFactory[Insurance]):
    class Meta:
        model = Insurance
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Convênio {n}")
    aliases = factory.LazyFunction(list)


# DoctorFactory's post-generation hooks: factory_boy calls them with the created Doctor
# (not the factory), so they are plain functions typed so, rather than decorated methods.
def _doctor_specialties(
    doctor: Doctor, create: bool, extracted: Sequence[Specialty] | None, **kwargs: object
) -> None:
    if not create:
        return
    doctor.specialties.set(extracted if extracted is not None else [SpecialtyFactory.create()])


def _doctor_insurances(
    doctor: Doctor, create: bool, extracted: Sequence[Insurance] | None, **kwargs: object
) -> None:
    if create and extracted:
        doctor.insurances.set(extracted)


def _doctor_schedule(
    doctor: Doctor, create: bool, extracted: WeeklySchedule | None, **kwargs: object
) -> None:
    if create and extracted:
        set_weekly_schedule(doctor, extracted)


class DoctorFactory(DjangoModelFactory[Doctor]):
    """A doctor; ``specialties``/``insurances`` take model lists, ``schedule`` a weekly dict."""

    class Meta:
        model = Doctor
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Dr. Médico {n}")
    crm = factory.Sequence(lambda n: f"CRM-SP {100000 + n}")
    price = Decimal("300.00")
    appointment_minutes = None
    active = True

    specialties = factory.PostGeneration(_doctor_specialties)
    insurances = factory.PostGeneration(_doctor_insurances)
    schedule = factory.PostGeneration(_doctor_schedule)


class AppointmentFactory(DjangoModelFactory[Appointment]):
    """A pending appointment; by default on a new doctor at ``MONDAY_10H``."""

    class Meta:
        model = Appointment

    patient_name = factory.Sequence(lambda n: f"Paciente {n}")
    phone = factory.Sequence(lambda n: f"55119{n:08d}")
    doctor = factory.SubFactory(DoctorFactory)
    specialty = factory.LazyAttribute(lambda o: o.doctor.specialties.first() or SpecialtyFactory.create())
    insurance = factory.SubFactory(InsuranceFactory, name="Particular")
    start = MONDAY_10H
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=30))
    status = AppointmentStatus.BOOKED
    confirmation_code = factory.Sequence(lambda n: f"T{n:05d}")


class ConversationSessionFactory(DjangoModelFactory[ConversationSession]):
    class Meta:
        model = ConversationSession
        django_get_or_create = ("phone",)

    phone = factory.Sequence(lambda n: f"55119{n:08d}")
    last_activity = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
