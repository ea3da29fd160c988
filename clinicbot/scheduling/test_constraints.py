"""The agenda's invariants: one active appointment per doctor and start, atomic moves."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction

from clinicbot.engine.ports import BookingError, BookingRequest
from clinicbot.scheduling import services
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    new_confirmation_code,
)
from clinicbot.testing.factories import (
    MONDAY_10H,
    AppointmentFactory,
    DoctorFactory,
    InsuranceFactory,
    SpecialtyFactory,
)

UNAMBIGUOUS = set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")


@pytest.fixture
def doctor():
    return DoctorFactory(
        name="Dra. Ana Souza",
        specialties=[SpecialtyFactory(name="Cardiologia")],
        insurances=[InsuranceFactory(name="Unimed"), InsuranceFactory(name="Particular")],
        schedule={"mon": ["08:00-12:00"]},
    )


def request_for(doctor, start=MONDAY_10H, phone="5511999990001", name="Ana Beatriz Costa") -> BookingRequest:
    return BookingRequest(
        phone=phone,
        patient_name=name,
        doctor_id=doctor.id,
        doctor_name=doctor.name,
        specialty="Cardiologia",
        insurance="Unimed",
        start=start,
        minutes=30,
    )


# --------------------------------------------------------------------------- the database
@pytest.mark.django_db
@pytest.mark.parametrize("first", [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED])
@pytest.mark.parametrize("second", [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED])
def test_database_rejects_a_second_active_appointment_for_the_same_doctor_and_start(doctor, first, second):
    AppointmentFactory(doctor=doctor, start=MONDAY_10H, status=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(doctor=doctor, start=MONDAY_10H, status=second)

    assert Appointment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "inactive", [AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]
)
def test_database_allows_a_new_appointment_in_a_slot_whose_appointment_is_inactive(doctor, inactive):
    AppointmentFactory(doctor=doctor, start=MONDAY_10H, status=inactive)

    AppointmentFactory(doctor=doctor, start=MONDAY_10H, status=AppointmentStatus.BOOKED)

    assert Appointment.objects.filter(doctor=doctor, start=MONDAY_10H).count() == 2


@pytest.mark.django_db
def test_database_allows_the_same_start_with_another_doctor_or_another_start(doctor):
    other = DoctorFactory(name="Dr. Bruno Lima")
    AppointmentFactory(doctor=doctor, start=MONDAY_10H)

    AppointmentFactory(doctor=other, start=MONDAY_10H)
    AppointmentFactory(doctor=doctor, start=MONDAY_10H + dt.timedelta(minutes=30))

    assert Appointment.objects.active().count() == 3


@pytest.mark.django_db
def test_database_rejects_an_appointment_that_ends_before_it_starts(doctor):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(doctor=doctor, start=MONDAY_10H, end=MONDAY_10H)


# --------------------------------------------------------------------------- booking
@pytest.mark.django_db
def test_booking_creates_a_pending_appointment_with_the_requested_data(doctor):
    appt = appointment_book(request=request_for(doctor))

    row = Appointment.objects.select_related("specialty", "insurance").get(pk=appt.pk)
    assert row.status == AppointmentStatus.BOOKED
    assert row.start == MONDAY_10H
    assert row.end == MONDAY_10H + dt.timedelta(minutes=30)
    assert (row.specialty.name, row.insurance.name) == ("Cardiologia", "Unimed")
    assert row.confirmation_code == appt.confirmation_code


@pytest.mark.django_db
def test_booking_a_taken_slot_raises_booking_error_and_the_transaction_stays_usable(doctor):
    with transaction.atomic():
        first = appointment_book(request=request_for(doctor))

        with pytest.raises(BookingError):
            appointment_book(request=request_for(doctor, phone="5511999990002", name="Outra Pessoa"))

        # A broken transaction (PostgreSQL: "current transaction is aborted") fails here.
        assert Appointment.objects.count() == 1
        later = appointment_book(request=request_for(doctor, start=MONDAY_10H + dt.timedelta(minutes=30)))

    assert set(Appointment.objects.active().values_list("pk", flat=True)) == {first.pk, later.pk}


@pytest.mark.django_db
def test_booking_a_slot_freed_by_a_cancellation_succeeds(doctor):
    first = appointment_book(request=request_for(doctor))
    appointment_cancel(appointment_id=first.pk)

    again = appointment_book(request=request_for(doctor, phone="5511999990002"))

    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.CANCELLED
    assert Appointment.objects.get(pk=again.pk).status == AppointmentStatus.BOOKED


@pytest.mark.django_db
def test_booking_with_an_unknown_insurance_is_a_booking_error(doctor):
    bad = BookingRequest(
        phone="5511999990001",
        patient_name="X",
        doctor_id=doctor.id,
        specialty="Cardiologia",
        insurance="Inexistente",
        start=MONDAY_10H,
        minutes=30,
    )
    with pytest.raises(BookingError):
        appointment_book(request=bad)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_cancelling_twice_is_harmless(doctor):
    appt = appointment_book(request=request_for(doctor))
    appointment_cancel(appointment_id=appt.pk)
    assert appointment_cancel(appointment_id=appt.pk).status == AppointmentStatus.CANCELLED


# --------------------------------------------------------------------------- rescheduling
@pytest.mark.django_db
def test_rescheduling_cancels_the_old_appointment_and_books_the_new_slot(doctor):
    old = appointment_book(request=request_for(doctor))
    new_start = MONDAY_10H + dt.timedelta(hours=1)

    new = appointment_reschedule(appointment_id=old.pk, request=request_for(doctor, start=new_start))

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert new.status == AppointmentStatus.BOOKED
    assert new.start == new_start
    assert new.rescheduled_from_id == old.pk


@pytest.mark.django_db
def test_rescheduling_into_a_taken_slot_keeps_the_old_appointment_active(doctor):
    mine = appointment_book(request=request_for(doctor))
    taken = MONDAY_10H + dt.timedelta(hours=1)
    appointment_book(request=request_for(doctor, start=taken, phone="5511999990002", name="Outra Pessoa"))

    with pytest.raises(BookingError):
        appointment_reschedule(appointment_id=mine.pk, request=request_for(doctor, start=taken))

    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED
    assert Appointment.objects.count() == 2
    assert Appointment.objects.active().count() == 2


@pytest.mark.django_db
def test_rescheduling_a_cancelled_appointment_is_refused(doctor):
    appt = appointment_book(request=request_for(doctor))
    appointment_cancel(appointment_id=appt.pk)

    with pytest.raises(BookingError):
        appointment_reschedule(
            appointment_id=appt.pk, request=request_for(doctor, start=MONDAY_10H + dt.timedelta(hours=1))
        )
    assert Appointment.objects.count() == 1


# --------------------------------------------------------------------------- codes
def test_confirmation_codes_are_six_unambiguous_characters():
    codes = [new_confirmation_code() for _ in range(2000)]

    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{6}", code), code
        assert set(code) <= UNAMBIGUOUS, code
        assert not set(code) & set("01OIL"), code
    assert len(set(codes)) == len(codes)


@pytest.mark.django_db
def test_booked_appointments_get_distinct_codes(doctor):
    codes = [
        appointment_book(
            request=request_for(
                doctor, start=MONDAY_10H + dt.timedelta(minutes=30 * i), phone=f"55119999900{i:02d}"
            )
        ).confirmation_code
        for i in range(8)
    ]
    assert len(set(codes)) == 8
    assert set(Appointment.objects.values_list("confirmation_code", flat=True)) == set(codes)


@pytest.mark.django_db
def test_database_rejects_a_repeated_confirmation_code(doctor):
    AppointmentFactory(doctor=doctor, confirmation_code="ABC234")
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            doctor=doctor, start=MONDAY_10H + dt.timedelta(hours=1), confirmation_code="ABC234"
        )


@pytest.mark.django_db
def test_a_repeated_code_is_a_booking_error_not_a_broken_transaction(doctor, monkeypatch):
    monkeypatch.setattr(services, "new_confirmation_code", lambda length=6: "ABC234")
    with transaction.atomic():
        appointment_book(request=request_for(doctor))
        with pytest.raises(BookingError):
            appointment_book(request=request_for(doctor, start=MONDAY_10H + dt.timedelta(hours=1)))
        assert Appointment.objects.count() == 1
