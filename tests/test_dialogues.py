"""Whole conversations through the real pipeline (database, cache, engine), on our test clinic."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.cache import cache

from clinicbot.clinics import snapshot
from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations import pipeline
from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.engine.nlu.normalize import fold
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # a Wednesday

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clinic():
    load_clinic()


def restart() -> None:
    """What a server restart does: every cache and in-process memo is empty."""
    cache.clear()
    snapshot.forget_process_memo()
    pipeline.forget_process_state()


def active(phone: str) -> list[Appointment]:
    return list(Appointment.objects.active().filter(phone=phone).select_related("doctor"))


def test_restart_mid_booking_loses_nothing():
    p = Patient("5519990009001", NOW)
    p.says("oi, quero marcar cardiologista")
    p.says("unimed")
    restart()
    p.says("Joana Prado Lima")
    p.says("segunda que vem as 9h")
    restart()
    assert "Consulta marcada" in p.says("sim")
    (appt,) = active("5519990009001")
    assert appt.doctor.name == "Dr. Henrique Bastos"
    assert appt.start == dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ)
    assert appt.patient_name == "Joana Prado Lima"


def test_taken_slot_offers_nearest_free_times_and_books_the_pick():
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    Appointment.objects.create(
        patient_name="Outra Pessoa",
        phone="5519990000000",
        doctor=doctor,
        specialty=Specialty.objects.get(name="Cardiologia"),
        insurance=Insurance.objects.get(name="Unimed"),
        start=dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ),
        end=dt.datetime(2026, 5, 18, 9, 30, tzinfo=TZ),
        confirmation_code="TAKEN1",
    )
    p = Patient("5519990009002", NOW)
    reply = p.says("sou Marta Reis, quero cardio com o dr henrique segunda que vem as 9h pela unimed")
    assert "08:30" in reply and "09:30" in reply
    p.says("pode ser 9 e meia")
    p.says("sim")
    (appt,) = active("5519990009002")
    assert appt.start == dt.datetime(2026, 5, 18, 9, 30, tzinfo=TZ)


def test_every_message_and_reply_is_stored_in_order():
    p = Patient("5519990009003", NOW)
    p.says("oi")
    p.says("quais convenios vcs aceitam?")
    messages = list(
        ConversationMessage.objects.filter(session__phone="5519990009003").order_by("timestamp", "id")
    )
    assert [m.direction for m in messages] == [Direction.USER, Direction.BOT, Direction.USER, Direction.BOT]
    assert messages[2].intent == "ask_insurance"
    assert "Cassi" in messages[3].content


def test_handoff_keeps_the_assistant_silent_and_is_persisted():
    p = Patient("5519990009004", NOW)
    assert p.says("quero falar com uma atendente")
    assert p.says("oi, tem alguem ai?") == ""
    restart()
    assert p.says("???") == ""
    assert ConversationSession.objects.get(phone="5519990009004").handed_off


def test_cancel_frees_the_slot_for_another_patient():
    first = Patient("5519990009005", NOW)
    first.says("sou Ana Paula Souza, quero clinico geral amanha as 10h, unimed")
    first.says("sim")
    first.says("quero cancelar minha consulta")
    first.says("sim")
    assert Appointment.objects.filter(phone="5519990009005", status=AppointmentStatus.CANCELLED).count() == 1
    second = Patient("5519990009006", NOW)
    reply = second.says("sou Bia Torres, quero clinico geral amanha as 10h, unimed")
    assert "10:00" in reply and "confirmar" in fold(reply)


def test_emergency_answers_192_even_mid_booking():
    p = Patient("5519990009007", NOW)
    p.says("quero marcar pediatra")
    assert "192" in p.says("minha filha ta com falta de ar e os labios roxos")
    assert not active("5519990009007")


def test_huge_and_odd_messages_get_a_polite_reply_and_are_stored():
    p = Patient("5519990009008", NOW)
    assert p.says("😀" * 5000)
    assert p.says("a" * 1_000_000)
    assert p.says("   ") is not None
    assert (
        ConversationMessage.objects.filter(session__phone="5519990009008", direction=Direction.USER).count()
        == 3
    )


def test_an_engine_bug_still_stores_the_message_and_answers_politely(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline._policy, "handle", broken)
    p = Patient("5519990009009", NOW)
    reply = p.says("oi, quero marcar")
    assert "atendente" in reply
    stored = ConversationMessage.objects.filter(session__phone="5519990009009")
    assert [m.direction for m in stored] == [Direction.USER, Direction.BOT]
