"""Fifty patients racing for a doctor's ten free slots through the real conversation pipeline.

Each patient is a thread with its own database connection, talking to ``handle_inbound``
like the worker does: ask for the doctor, take the first offered time, confirm. All of
them confirm at the same instant; the losers are offered other times and try again
until they book or hear there is nothing left. The database decides: exactly ten
appointments, never one slot twice, and every loser gets a polite answer.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import load_clinic

from .conftest import needs_services

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), needs_services]

PATIENTS = 50
SLOTS = 10  # 08:00-13:00 in 30-minute consultations, one day in the booking window
MAX_TURNS = 40
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _clinic_file(tmp_path: Path) -> Path:
    """A clinic whose only doctor works one morning inside a 6-day booking window: 10 slots."""
    day = dt.datetime.now(zoneinfo.ZoneInfo("America/Sao_Paulo")).date() + dt.timedelta(days=3)
    weekday = _DAYS[day.weekday()]
    path = tmp_path / "clinic_race.yaml"
    path.write_text(
        f"""
clinic:
  name: Clínica Corrida
  phone: "+55 11 3000-0000"
  whatsapp: "+55 11 90000-0000"
  address: "Rua das Palmeiras, 100 - Centro, São Paulo - SP"
  timezone: America/Sao_Paulo
  appointment_minutes: 30
  opening_hours:
    {weekday}: ["07:00-19:00"]
specialties:
  - name: Cardiologia
    aliases: [cardio]
insurances:
  - name: Particular
    aliases: [sem convênio]
doctors:
  - name: Dra. Marta Quintela
    crm: "CRM-SP 100001"
    specialties: [Cardiologia]
    insurances: [Particular]
    price: 300.00
    schedule:
      {weekday}: ["08:00-13:00"]
""",
        encoding="utf-8",
    )
    return path


class RacingPatient(threading.Thread):
    """Wants any slot: takes the first offer, confirms, and takes the next offer when beaten."""

    def __init__(self, n: int, barrier: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.phone = f"55119777{n:05d}"
        self.name_ = f"Paciente {chr(65 + n % 26)}{chr(65 + n // 26)} Souza"
        self.barrier = barrier
        self.booked = False
        self.turns = 0
        self.last_reply = ""
        self.error: BaseException | None = None

    def say(self, text: str) -> tuple[str, bool, tuple[str, ...]]:
        self.turns += 1
        outcome = handle_inbound(InboundText(phone=self.phone, text=text))
        replies = outcome.result.replies
        self.last_reply = "\n".join(r.text for r in replies)
        return self.last_reply, any(r.choices for r in replies), outcome.result.events

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.error = exc
        finally:
            connection.close()  # each thread has its own connection

    def _run(self) -> None:
        _, offered, _ = self.say(f"quero marcar cardiologia particular, meu nome é {self.name_}")
        if offered:
            self.say("1")  # the summary
        self.barrier.wait(timeout=60)  # everyone says "sim" at the same instant
        text = "sim"
        while self.turns < MAX_TURNS:
            _, offered, events = self.say(text)
            if "booked" in events:
                self.booked = True
                return
            if offered:
                text = "1"  # beaten: take the first alternative
            elif text == "1" or "Posso confirmar" in self.last_reply:
                text = "sim"
            else:
                return  # nothing more to offer: the patient heard so


def test_fifty_patients_racing_for_ten_slots_get_exactly_ten_bookings(figure, tmp_path, settings):
    settings.BOOKING_HORIZON_DAYS = 6
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 1000
    load_clinic(_clinic_file(tmp_path))
    barrier = threading.Barrier(PATIENTS)
    patients = [RacingPatient(n, barrier) for n in range(PATIENTS)]
    started = time.monotonic()
    for patient in patients:
        patient.start()
    for patient in patients:
        patient.join(timeout=120)
    elapsed = time.monotonic() - started

    errors = [repr(p.error) for p in patients if p.error is not None]
    assert not errors, errors[:3]
    assert not any(p.is_alive() for p in patients), "a patient is still talking after 120 s"
    booked = list(Appointment.objects.values_list("doctor_id", "start", "phone"))
    per_slot = Counter((doctor, start) for doctor, start, _ in booked)
    losers = [p for p in patients if not p.booked]
    turns = sum(p.turns for p in patients)
    figure(
        "booking_race",
        f"{PATIENTS} patients for {SLOTS} slots: {len(booked)} booked, "
        f"{sum(n - 1 for n in per_slot.values())} double-booked, {len(losers)} told no slot, "
        f"{turns} turns, {elapsed:.1f} s",
    )
    assert len(booked) == SLOTS
    assert max(per_slot.values()) == 1
    assert sorted(p.phone for p in patients if p.booked) == sorted(phone for _, _, phone in booked)
    assert len(losers) == PATIENTS - SLOTS
    for patient in losers:  # a polite answer, and no offer that cannot be kept
        assert patient.last_reply.strip(), patient.phone
        assert "Consulta marcada" not in patient.last_reply
