"""The API respects the waiting list's hold: a freed slot offered to a waiting patient is theirs
until the hold runs out (the same rule the assistant follows, from the one booking service)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from clinicbot.testing.api import ApiClient, assert_error, next_weekday

# transaction=True: the offer is made by the cancellation's on-commit signal, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

HENRIQUE = "Dr. Henrique Bastos"  # cardiology, Mondays 08-12/14-18 in 30-minute slots; takes Unimed
HOLDER = "5519994400000"  # the patient who cancels the slot
ANA = "5519994400001"  # waiting for that Monday: the freed slot is offered to (held for) her
OTHER = "(19) 99330-0001"


@pytest.fixture
def held_slot(clinic: None, writer: ApiClient, settings) -> dt.datetime:  # type: ignore[no-untyped-def]
    """Dr. Henrique's next Monday 09:00, cancelled through the API and offered to Ana."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the offer task runs in-process
    slot = next_weekday(0, at=dt.time(9, 0))
    doctor = Doctor.objects.get(name=HENRIQUE)
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    taken = writer.post("/api/v1/appointments", _body(slot, phone=HOLDER, patient_name="Dono Do Horario"))
    assert taken.status_code == 201, taken.content
    WaitlistEntry.objects.create(
        phone=ANA,
        patient_name="Ana Paula Prado",
        specialty=specialty,
        doctor=doctor,
        insurance=insurance,
        date_from=slot.date(),
        date_to=slot.date(),
    )
    assert writer.post(f"/api/v1/appointments/{taken.json()['code']}/cancel").status_code == 200
    entry = WaitlistEntry.objects.get(phone=ANA)
    assert (entry.status, entry.offered_start) == (WaitlistStatus.OFFERED, slot)
    return slot


def _body(slot: dt.datetime, **overrides: object) -> dict[str, object]:
    body = {
        "patient_name": "Marta Reis",
        "phone": OTHER,
        "doctor_id": Doctor.objects.get(name=HENRIQUE).id,
        "insurance_id": Insurance.objects.get(name="Unimed").id,
        "start": slot.isoformat(),
    }
    return {**body, **overrides}


def test_the_api_cannot_book_a_slot_held_for_a_waiting_list_patient(held_slot, writer):
    error = assert_error(writer.post("/api/v1/appointments", _body(held_slot)), 409, "slot_held")
    assert "lista de espera" in error["message"]
    alternatives = {a["start"] for a in error["details"]["alternatives"]}
    assert alternatives and held_slot.isoformat() not in alternatives
    assert not Appointment.objects.active().filter(start=held_slot).exists()
    assert WaitlistEntry.objects.get(phone=ANA).status == WaitlistStatus.OFFERED


def test_the_patient_the_slot_is_held_for_can_still_book_it_through_the_api(held_slot, writer):
    response = writer.post(
        "/api/v1/appointments", _body(held_slot, phone=ANA, patient_name="Ana Paula Prado")
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.active().get(start=held_slot)
    assert appointment.phone == ANA
    entry = WaitlistEntry.objects.get(phone=ANA)  # the offer is fulfilled, not left to expire
    assert entry.status == WaitlistStatus.BOOKED and entry.appointment_id == appointment.id


def test_after_the_hold_runs_out_the_api_may_book_the_slot(held_slot, writer, monkeypatch):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.WAITLIST_HOLD_MINUTES + 1)
    monkeypatch.setattr("clinicbot.api.api._now", lambda: later)
    response = writer.post("/api/v1/appointments", _body(held_slot))
    assert response.status_code == 201, response.content
    assert Appointment.objects.active().get(start=held_slot).phone == "5519993300001"


def test_the_free_slots_listed_leave_out_a_held_slot(held_slot, reader):
    params = {"doctor_id": Doctor.objects.get(name=HENRIQUE).id, "date_from": held_slot.date()}
    starts = {s["start"] for s in reader.get("/api/v1/slots", {**params, "limit": 200}).json()["results"]}
    assert (held_slot + dt.timedelta(minutes=30)).isoformat() in starts
    assert held_slot.isoformat() not in starts
