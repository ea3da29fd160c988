"""The API and the WhatsApp assistant booking the same slot: the unique index decides, the loser gets a 409."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from clinicbot.clinics.models import Doctor, Insurance
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import Patient
from clinicbot.testing.api import TZ, ApiClient, assert_error, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "5519993300001"


def bot_reaches_the_summary(slot: dt.datetime, phone: str = PHONE) -> Patient:
    """A patient whose next "sim" books Dr. Henrique at ``slot``."""
    patient = Patient(phone, dt.datetime.now(TZ))
    reply = patient.says(
        f"sou Marta Reis, quero cardio com o dr henrique dia {slot:%d/%m} as {slot:%H}h pela unimed"
    )
    assert "confirm" in reply.lower(), reply
    return patient


def api_booking(slot: dt.datetime) -> dict[str, object]:
    return {
        "patient_name": "Paciente do Prontuário",
        "phone": "19 98888-0000",
        "doctor_id": Doctor.objects.get(name="Dr. Henrique Bastos").id,
        "insurance_id": Insurance.objects.get(name="Unimed").id,
        "start": slot.isoformat(),
    }


def test_a_slot_the_bot_booked_is_409_for_the_api_with_alternatives(clinic, writer):
    slot = next_weekday(0, at=dt.time(9, 0))
    patient = bot_reaches_the_summary(slot)
    assert "Consulta marcada" in patient.says("sim")
    error = assert_error(writer.post("/api/v1/appointments", api_booking(slot)), 409, "slot_taken")
    assert slot.isoformat() not in {a["start"] for a in error["details"]["alternatives"]}
    assert Appointment.objects.active().filter(start=slot).count() == 1


def test_a_slot_the_api_booked_first_is_refused_to_the_bot_which_offers_others(clinic, writer):
    slot = next_weekday(0, at=dt.time(9, 0))
    patient = bot_reaches_the_summary(slot)
    assert writer.post("/api/v1/appointments", api_booking(slot)).status_code == 201
    reply = patient.says("sim")
    assert "Consulta marcada" not in reply
    booked = Appointment.objects.active().get(start=slot)
    assert booked.patient_name == "Paciente do Prontuário"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="true concurrency needs PostgreSQL")
def test_the_api_and_the_bot_racing_for_one_slot_make_exactly_one_booking(clinic, write_key):
    assert connection.vendor == "postgresql"
    results: dict[str, object] = {}
    for attempt in range(3):  # a few rounds so both orders get a chance
        slot = next_weekday(0, at=dt.time(8 + attempt, 0))
        patient = bot_reaches_the_summary(slot, phone=f"55199933000{10 + attempt}")
        body = api_booking(slot)
        barrier = threading.Barrier(2)

        def bot(patient: Patient = patient, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                results["bot"] = patient.says("sim")
            finally:
                connections.close_all()

        def api(body: dict[str, object] = body, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                results["api"] = ApiClient(write_key.secret).post("/api/v1/appointments", body)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=bot), threading.Thread(target=api)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        bot_won = "Consulta marcada" in str(results["bot"])
        response = results["api"]
        assert response.status_code in (201, 409), response.content
        assert bot_won == (response.status_code == 409)
        if response.status_code == 409:
            assert_error(response, 409, "slot_taken")
        assert Appointment.objects.active().filter(start=slot).count() == 1
