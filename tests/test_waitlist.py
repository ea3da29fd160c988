"""The waiting list end to end: joined in chat, a cancellation offers the slot, 1/2 or silence.

Everything runs through the real pipeline, database, cache, signals and tasks (eager on
the embedded default, the broker with Redis), with frozen clocks.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.engine.nlu.normalize import fold
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.outreach.waitlist import waitlist_expire_offers
from clinicbot.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus
from clinicbot.scheduling.services import appointment_cancel
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import outbox_send

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # a Wednesday
MONDAY = dt.date(2026, 5, 18)  # Dr. Henrique Bastos: 08:00-12:00 and 14:00-18:00
NINE = dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ)
HOLDER = "5519994400000"  # the patient whose 09:00 gets cancelled
ASK = "quero cardio com o dr henrique dia 18/05 as 9h pela unimed"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clinic")]


@pytest.fixture
def clinic(settings):
    # The offer is a task started by the cancellation's commit: run it in-process here
    # (tests/test_worker.py covers the broker and real workers).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load_clinic()


def fill_monday() -> None:
    """Every slot of Dr. Henrique's Monday taken (09:00 by HOLDER)."""
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    starts = [
        dt.datetime(2026, 5, 18, h, m, tzinfo=TZ) for h in (8, 9, 10, 11, 14, 15, 16, 17) for m in (0, 30)
    ]
    Appointment.objects.bulk_create(
        Appointment(
            patient_name="Paciente Antigo" if start != NINE else "Dono Do Horario",
            phone=HOLDER if start == NINE else f"55199955{i:05d}",
            doctor=doctor,
            specialty=specialty,
            insurance=insurance,
            start=start,
            end=start + dt.timedelta(minutes=30),
            confirmation_code=f"FULL{i:02d}",
        )
        for i, start in enumerate(starts, 1)
    )


def join(phone: str, name: str, at: dt.datetime = NOW) -> Patient:
    p = Patient(phone, at)
    reply = p.says(f"sou {name}, {ASK}")
    assert "lista de espera" in fold(reply)
    option = len(p.last.result.state.context.offered) + 1
    assert "lista de espera" in fold(p.says(str(option)))
    return p


def cancel_nine(at: dt.datetime) -> None:
    """The holder cancels the 09:00 through the bot."""
    holder = Patient(HOLDER, at)
    assert "cancelar" in fold(holder.says("quero cancelar minha consulta"))
    assert "cancelada" in fold(holder.says("sim"))


def entry(phone: str) -> WaitlistEntry:
    return WaitlistEntry.objects.get(phone=phone)


def last_bot_message(phone: str) -> ConversationMessage:
    return ConversationMessage.objects.filter(session__phone=phone, direction=Direction.BOT).latest("id")


def state_of(phone: str) -> str:
    return ConversationSession.objects.get(phone=phone).current_state


def test_joining_from_chat_stores_the_wish():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    e = entry("5519994400001")
    assert (e.status, e.patient_name, e.date_from, e.date_to) == (
        WaitlistStatus.WAITING,
        "Ana Paula Prado",
        MONDAY,
        MONDAY,
    )
    assert (e.doctor.name, e.specialty.name, e.insurance.name) == (
        "Dr. Henrique Bastos",
        "Cardiologia",
        "Unimed",
    )
    assert e.session.phone == "5519994400001"


def test_offer_then_accept_books_the_freed_slot():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    cancel_nine(NOW + dt.timedelta(hours=1))

    e = entry("5519994400001")
    assert e.status == WaitlistStatus.OFFERED
    assert e.offered_start == NINE
    assert e.offer_expires_at == NOW + dt.timedelta(hours=1, minutes=settings.WAITLIST_HOLD_MINUTES)
    offer = last_bot_message("5519994400001")
    assert "Vagou um horário" in offer.content and "09:00" in offer.content
    assert [c["id"] for c in offer.payload["choices"]] == ["1", "2"]
    assert OutboundNotification.objects.filter(type=NotificationType.WAITLIST_OFFER).count() == 1
    assert state_of("5519994400001") == "waitlist_offer"

    ana = Patient("5519994400001", NOW + dt.timedelta(hours=1, minutes=10))
    assert "Consulta marcada" in ana.says("1")
    booked = Appointment.objects.active().get(doctor__name="Dr. Henrique Bastos", start=NINE)
    assert (booked.phone, booked.patient_name) == ("5519994400001", "Ana Paula Prado")
    e.refresh_from_db()
    assert (e.status, e.appointment_id) == (WaitlistStatus.BOOKED, booked.id)


def test_offer_then_timeout_passes_the_slot_to_the_next_patient():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    join("5519994400002", "Bruno Costa Lima", NOW + dt.timedelta(minutes=5))
    freed = NOW + dt.timedelta(hours=1)
    cancel_nine(freed)
    assert entry("5519994400001").status == WaitlistStatus.OFFERED
    assert entry("5519994400002").status == WaitlistStatus.WAITING

    hold = dt.timedelta(minutes=settings.WAITLIST_HOLD_MINUTES)
    assert waitlist_expire_offers(now=freed + hold - dt.timedelta(minutes=1)) == []
    assert entry("5519994400001").status == WaitlistStatus.OFFERED

    sessions = waitlist_expire_offers(now=freed + hold)
    assert sessions == [ConversationSession.objects.get(phone="5519994400002").id]
    assert entry("5519994400001").status == WaitlistStatus.EXPIRED
    assert state_of("5519994400001") == "idle"
    second = entry("5519994400002")
    assert second.status == WaitlistStatus.OFFERED
    assert second.offer_expires_at == freed + 2 * hold
    assert waitlist_expire_offers(now=freed + hold) == []  # a second run changes nothing

    bruno = Patient("5519994400002", freed + hold + dt.timedelta(minutes=2))
    assert "Consulta marcada" in bruno.says("sim, quero")
    assert (
        Appointment.objects.active().get(start=NINE, doctor__name="Dr. Henrique Bastos").phone
        == "5519994400002"
    )


def test_a_late_yes_after_the_hold_passed_on_does_not_book():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    join("5519994400002", "Bruno Costa Lima", NOW + dt.timedelta(minutes=5))
    freed = NOW + dt.timedelta(hours=1)
    cancel_nine(freed)
    waitlist_expire_offers(now=freed + dt.timedelta(hours=1))  # Ana's hold ran out: Bruno's turn

    ana = Patient("5519994400001", freed + dt.timedelta(hours=1, minutes=1))
    ana.says("1")
    assert not Appointment.objects.active().filter(phone="5519994400001").exists()
    assert entry("5519994400002").status == WaitlistStatus.OFFERED


def test_offer_then_refusal_passes_the_slot_to_the_next_patient():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    join("5519994400002", "Bruno Costa Lima", NOW + dt.timedelta(minutes=5))
    cancel_nine(NOW + dt.timedelta(hours=1))

    ana = Patient("5519994400001", NOW + dt.timedelta(hours=1, minutes=3))
    assert "proxima pessoa" in fold(ana.says("2"))
    assert entry("5519994400001").status == WaitlistStatus.DECLINED
    second = entry("5519994400002")
    assert second.status == WaitlistStatus.OFFERED
    assert second.offer_expires_at == NOW + dt.timedelta(hours=1, minutes=3 + settings.WAITLIST_HOLD_MINUTES)
    assert "Vagou um horário" in last_bot_message("5519994400002").content
    assert not Appointment.objects.active().filter(start=NINE, doctor__name="Dr. Henrique Bastos").exists()


def test_a_held_slot_is_not_offered_to_another_patient():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    cancel_nine(NOW + dt.timedelta(hours=1))  # 09:00 is free again, held for Ana

    carla = Patient("5519994400003", NOW + dt.timedelta(hours=1, minutes=5))
    carla.says(f"sou Carla Mendes Rocha, {ASK}")
    state = carla.last.result.state
    assert state.state == "choosing_slot"  # not the summary of 09:00
    assert "Dr. Henrique Bastos|2026-05-18|09:00" not in state.context.offered


def test_a_held_slot_cannot_be_booked_from_a_summary_shown_before_the_hold():
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    carla = Patient("5519994400003", NOW)
    carla.says(f"sou Carla Mendes Rocha, {ASK}")
    assert carla.last.result.state.state == "confirming"  # 09:00 was free
    # Meanwhile someone books 09:00, Ana joins the list for that Monday, and the 09:00 is cancelled.
    taken = Appointment.objects.create(
        patient_name="Dono Do Horario",
        phone=HOLDER,
        doctor=doctor,
        specialty=specialty,
        insurance=insurance,
        start=NINE,
        end=NINE + dt.timedelta(minutes=30),
        confirmation_code="HOLD01",
    )
    WaitlistEntry.objects.create(
        phone="5519994400001",
        patient_name="Ana Paula Prado",
        specialty=specialty,
        doctor=doctor,
        insurance=insurance,
        date_from=MONDAY,
        date_to=MONDAY,
        created_at=NOW,
    )
    appointment_cancel(appointment_id=taken.id, now=NOW + dt.timedelta(minutes=1))
    assert entry("5519994400001").status == WaitlistStatus.OFFERED

    carla.clock.at = NOW + dt.timedelta(minutes=2)
    assert "acabou de ser ocupado" in carla.says("sim")
    assert not Appointment.objects.active().filter(phone="5519994400003").exists()


def test_the_cancelling_patient_is_not_offered_their_own_slot():
    fill_monday()
    join(HOLDER, "Dono Do Horario")  # also waiting for something that Monday
    join("5519994400001", "Ana Paula Prado", NOW + dt.timedelta(minutes=5))
    cancel_nine(NOW + dt.timedelta(hours=1))
    assert entry(HOLDER).status == WaitlistStatus.WAITING
    assert entry("5519994400001").status == WaitlistStatus.OFFERED


def test_a_slot_outside_the_wished_period_is_not_offered():
    fill_monday()
    p = Patient("5519994400001", NOW)
    p.says("sou Ana Paula Prado, quero cardio com o dr henrique dia 18/05 a tarde pela unimed")
    option = len(p.last.result.state.context.offered) + 1
    p.says(str(option))
    assert entry("5519994400001").period == "afternoon"
    cancel_nine(NOW + dt.timedelta(hours=1))  # 09:00 is a morning slot
    assert entry("5519994400001").status == WaitlistStatus.WAITING


def test_a_cancellation_in_admin_offers_the_slot_too(admin_client):
    # Admin runs on the wall clock: use a Monday ahead of it.
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    start = dt.datetime.combine(monday, dt.time(9, 0), tzinfo=TZ)
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    appt = Appointment.objects.create(
        patient_name="Dono Do Horario",
        phone=HOLDER,
        doctor=doctor,
        specialty=specialty,
        insurance=insurance,
        start=start,
        end=start + dt.timedelta(minutes=30),
        confirmation_code="ADM001",
    )
    WaitlistEntry.objects.create(
        phone="5519994400001",
        patient_name="Ana Paula Prado",
        specialty=specialty,
        insurance=insurance,
        date_from=monday,
        date_to=monday + dt.timedelta(days=4),
    )
    response = admin_client.post(
        "/admin/scheduling/appointment/", {"action": "cancel", "_selected_action": [appt.id]}
    )
    assert response.status_code == 302
    assert Appointment.objects.get(id=appt.id).status == AppointmentStatus.CANCELLED
    e = entry("5519994400001")
    assert (e.status, e.offered_doctor_id, e.offered_start) == (WaitlistStatus.OFFERED, doctor.id, start)
    assert "Vagou um horário" in last_bot_message("5519994400001").content


def test_outside_the_24_hour_window_the_offer_goes_as_a_meta_template():
    fill_monday()
    with (
        meta_cloud_api(
            secret="s",
        ) as api,
    ):
        join("5519994400001", "Ana Paula Prado")
        cancel_nine(NOW + dt.timedelta(days=2))  # Ana last wrote two days ago
        offer = last_bot_message("5519994400001")
        assert offer.payload["template"]["name"] == settings.WAITLIST_TEMPLATE_NAME
        outbox_send(gateway=gateway_from_settings(settings), session_id=offer.session_id)
        sent = [r["json"] for r in api.requests if r["json"].get("to") == "5519994400001"]
        assert sent[-1]["type"] == "template"
        assert sent[-1]["template"]["name"] == settings.WAITLIST_TEMPLATE_NAME
        params = [p["text"] for p in sent[-1]["template"]["components"][0]["parameters"]]
        assert "Ana" in params and "09:00" in params


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no real race")
def test_two_expiry_runs_racing_pass_an_offer_on_once():
    fill_monday()
    join("5519994400001", "Ana Paula Prado")
    join("5519994400002", "Bruno Costa Lima", NOW + dt.timedelta(minutes=5))
    freed = NOW + dt.timedelta(hours=1)
    cancel_nine(freed)
    later = freed + dt.timedelta(hours=1)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(waitlist_expire_offers(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(len(r) for r in results) == [0, 1]
    assert entry("5519994400002").status == WaitlistStatus.OFFERED
    assert OutboundNotification.objects.filter(type=NotificationType.WAITLIST_OFFER).count() == 2


def test_the_command_expires_offers_on_the_wall_clock():
    now = timezone.now()
    start = now + dt.timedelta(days=3)
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    local_day = start.astimezone(TZ).date()
    common = {"specialty": specialty, "insurance": insurance, "date_from": local_day, "date_to": local_day}
    WaitlistEntry.objects.create(
        phone="5519994400001",
        patient_name="Ana Paula Prado",
        status=WaitlistStatus.OFFERED,
        offered_doctor=doctor,
        offered_start=start,
        offer_expires_at=now - dt.timedelta(minutes=1),
        created_at=now - dt.timedelta(hours=2),
        **common,
    )
    WaitlistEntry.objects.create(
        phone="5519994400002",
        patient_name="Bruno Costa Lima",
        created_at=now - dt.timedelta(hours=1),
        **common,
    )
    out = io.StringIO()
    call_command("expire_waiting_list_offers", stdout=out)
    assert "1 vaga oferecida ao próximo da lista." in out.getvalue()
    assert entry("5519994400001").status == WaitlistStatus.EXPIRED
    assert entry("5519994400002").status == WaitlistStatus.OFFERED
