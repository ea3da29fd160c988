"""The one booking service: every slot rule, one error type with a reason, the index as last judge."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest
from django.core.cache import cache

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.ports import BookingError, BookingRequest
from clinicbot.scheduling.agenda import DatabaseBookings
from clinicbot.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus
from clinicbot.scheduling.services import slot_book, slot_move
from clinicbot.scheduling.slot_rules import Refusal, SlotRefused
from clinicbot.scheduling.waitlist import _HOLDS_UNTIL_KEY as HOLDS_UNTIL_KEY
from clinicbot.testing import load_clinic

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # a Wednesday
NINE = dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ)  # Monday: Dr. Henrique works 08-12 and 14-18
HENRIQUE = "Dr. Henrique Bastos"  # cardiology; takes Unimed, not NotreDame Intermédica
MARTA, ANA = "5519993300001", "5519994400001"


@pytest.fixture(autouse=True)
def clinic() -> None:
    load_clinic()


def request_at(start: dt.datetime, *, phone: str = MARTA, **overrides: object) -> BookingRequest:
    doctor = Doctor.objects.get(name=HENRIQUE)
    values: dict[str, object] = {
        "phone": phone,
        "patient_name": "Marta Reis",
        "doctor_id": doctor.id,
        "doctor_name": doctor.name,
        "specialty": "Cardiologia",
        "insurance": "Unimed",
        "start": start,
        "minutes": 30,
        **overrides,
    }
    return BookingRequest(**values)  # type: ignore[arg-type]


def hold_for_ana(start: dt.datetime, *, until: dt.datetime) -> WaitlistEntry:
    """The waiting list offered ``start`` to Ana, held for her until ``until``."""
    doctor = Doctor.objects.get(name=HENRIQUE)
    # As an offer does, forget the cached "nobody holds anything" (on commit; this test never commits).
    cache.delete(HOLDS_UNTIL_KEY)
    return WaitlistEntry.objects.create(
        phone=ANA,
        patient_name="Ana Paula Prado",
        specialty=Specialty.objects.get(name="Cardiologia"),
        doctor=doctor,
        insurance=Insurance.objects.get(name="Unimed"),
        date_from=start.date(),
        date_to=start.date(),
        created_at=NOW - dt.timedelta(days=1),
        status=WaitlistStatus.OFFERED,
        offered_doctor=doctor,
        offered_start=start,
        offer_expires_at=until,
    )


def refusal(request: BookingRequest, **kwargs: object) -> Refusal:
    with pytest.raises(SlotRefused) as refused:
        slot_book(request=request, now=NOW, **kwargs)  # type: ignore[arg-type]
    assert not Appointment.objects.filter(start=request.start).exists()
    return refused.value.reason


def test_a_free_slot_of_the_schedule_is_booked():
    appt = slot_book(request=request_at(NINE), now=NOW)
    assert (appt.start, appt.phone, appt.status) == (NINE, MARTA, AppointmentStatus.BOOKED)


@pytest.mark.parametrize(
    ("start", "overrides", "reason"),
    [
        (NOW - dt.timedelta(days=2), {}, Refusal.PAST),  # Monday 11th, a real slot, gone
        (NOW, {}, Refusal.PAST),  # the very minute is no longer bookable
        (NINE + dt.timedelta(weeks=10), {}, Refusal.BEYOND_HORIZON),
        (NINE + dt.timedelta(minutes=10), {}, Refusal.OFF_SCHEDULE),  # 09:10 is not a slot start
        (NINE + dt.timedelta(days=1), {}, Refusal.OFF_SCHEDULE),  # he does not work on Tuesdays
        (NINE, {"insurance": "NotreDame Intermédica"}, Refusal.INSURANCE_NOT_ACCEPTED),
        (NINE, {"specialty": "Dermatologia"}, Refusal.SPECIALTY_NOT_OFFERED),
        (NINE, {"doctor_id": 0}, Refusal.UNKNOWN_DOCTOR),
    ],
)
def test_a_slot_breaking_a_rule_is_refused_with_its_reason(start, overrides, reason):
    assert refusal(request_at(start, **overrides)) is reason


def test_a_holiday_is_refused_even_on_a_working_day():
    catalog = get_catalog()
    catalog = dataclasses.replace(catalog, holidays=catalog.holidays | {NINE.date()})
    assert refusal(request_at(NINE), catalog=catalog) is Refusal.HOLIDAY


def test_a_slot_held_for_a_waiting_list_patient_is_refused_to_others_but_not_to_them():
    hold_for_ana(NINE, until=NOW + dt.timedelta(minutes=30))
    assert refusal(request_at(NINE)) is Refusal.HELD
    appt = slot_book(request=request_at(NINE, phone=ANA, patient_name="Ana Paula Prado"), now=NOW)
    assert appt.phone == ANA


def test_once_the_hold_runs_out_the_slot_is_anyones():
    hold_for_ana(NINE, until=NOW + dt.timedelta(minutes=30))
    appt = slot_book(request=request_at(NINE), now=NOW + dt.timedelta(minutes=30))
    assert appt.phone == MARTA


def test_a_taken_slot_is_refused_by_the_unique_index():
    slot_book(request=request_at(NINE), now=NOW)
    assert refusal_on_taken(request_at(NINE, phone=ANA)) is Refusal.TAKEN
    assert Appointment.objects.active().get(start=NINE).phone == MARTA


def refusal_on_taken(request: BookingRequest) -> Refusal:
    with pytest.raises(SlotRefused) as refused:
        slot_book(request=request, now=NOW)
    return refused.value.reason


def test_moving_into_a_held_slot_is_refused_and_keeps_the_appointment():
    mine = slot_book(request=request_at(NINE + dt.timedelta(hours=1)), now=NOW)
    hold_for_ana(NINE, until=NOW + dt.timedelta(minutes=30))
    with pytest.raises(SlotRefused) as refused:
        slot_move(appointment_id=mine.id, request=request_at(NINE), now=NOW)
    assert refused.value.reason is Refusal.HELD
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED


def test_the_engine_port_gets_its_own_booking_error_for_a_refusal():
    hold_for_ana(NINE, until=NOW + dt.timedelta(minutes=30))
    bookings = DatabaseBookings(session_id=None, now=NOW)
    with pytest.raises(BookingError) as refused:
        bookings.book(request_at(NINE))
    assert type(refused.value) is BookingError  # the engine never sees scheduling's types
    assert str(refused.value) == "slot held for a waiting-list patient"
    with pytest.raises(BookingError, match="not a slot of this doctor"):
        bookings.book(request_at(NINE + dt.timedelta(minutes=10)))
