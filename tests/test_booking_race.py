"""Two patients confirm the same last free slot at the same instant (PostgreSQL, real threads).

Each thread runs the real pipeline on its own database connection; the partial unique
index settles the race: exactly one booking, and the other patient is told the slot was
just taken and offered the nearest free times (and the waiting list, the day being full).
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations.pipeline import InboundText, TurnOutcome, handle_inbound
from clinicbot.core.clock import FrozenClock
from clinicbot.engine.nlu.normalize import fold
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import Patient, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # a Wednesday
LAST = dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ)  # the only free slot of Dr. Henrique's Monday
PHONES = ("5519995500001", "5519995500002")

pytestmark = pytest.mark.django_db(transaction=True)


def fill_monday_but_nine() -> None:
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    starts = [
        dt.datetime(2026, 5, 18, h, m, tzinfo=TZ) for h in (8, 9, 10, 11, 14, 15, 16, 17) for m in (0, 30)
    ]
    Appointment.objects.bulk_create(
        Appointment(
            patient_name="Paciente Antigo",
            phone=f"55199966{i:05d}",
            doctor=doctor,
            specialty=specialty,
            insurance=insurance,
            start=start,
            end=start + dt.timedelta(minutes=30),
            confirmation_code=f"RACE{i:02d}",
        )
        for i, start in enumerate(starts, 1)
        if start != LAST
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no real race")
def test_two_patients_confirming_the_last_slot_at_once_get_one_booking_and_one_alternative():
    load_clinic()
    fill_monday_but_nine()
    for phone, name in zip(PHONES, ("Ana Paula Prado", "Bruno Costa Lima"), strict=True):
        reply = Patient(phone, NOW).says(
            f"sou {name}, quero cardio com o dr henrique dia 18/05 as 9h pela unimed"
        )
        assert "Posso confirmar" in reply  # both see the summary of the same last slot

    barrier = threading.Barrier(2)
    outcomes: dict[str, TurnOutcome] = {}
    errors: list[BaseException] = []

    def confirm(phone: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[phone] = handle_inbound(InboundText(phone=phone, text="sim"), clock=FrozenClock(NOW))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=confirm, args=(phone,)) for phone in PHONES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors

    (booked,) = Appointment.objects.active().filter(start=LAST, doctor__name="Dr. Henrique Bastos")
    assert booked.phone in PHONES
    loser = next(p for p in PHONES if p != booked.phone)
    winner_reply = "\n".join(r.text for r in outcomes[booked.phone].replies)
    loser_replies = outcomes[loser].replies
    loser_reply = "\n".join(r.text for r in loser_replies)
    assert "Consulta marcada" in winner_reply
    assert "acabou de ser ocupado" in loser_reply
    assert "horários livres mais próximos" in loser_reply
    assert "lista de espera" in fold(loser_reply)
    assert outcomes[loser].result.state.state == "choosing_slot"
    assert len(loser_replies[-1].choices) >= 2  # the alternatives, then the waiting list
    assert not Appointment.objects.active().filter(phone=loser).exists()
