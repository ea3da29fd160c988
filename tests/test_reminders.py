"""Appointment reminders: due once, sent once (template outside the 24 h window), answered with 1/2/3."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection

from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.outreach.models import OutboundNotification
from clinicbot.outreach.reminders import notifications_send_due
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import outbox_send

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
BOOKED_AT = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # Wednesday
APPOINTMENT = dt.datetime(2026, 5, 18, 9, 0, tzinfo=TZ)  # the Monday after
PHONE = "5519993300001"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with (
        meta_cloud_api(
            secret="s",
            REMINDER_LEAD_HOURS=[24, 2],
        ) as server,
    ):
        load_clinic()
        yield server


def book() -> Patient:
    p = Patient(PHONE, BOOKED_AT)
    p.says("sou Marta Reis, quero cardio com o dr henrique segunda que vem as 9h pela unimed")
    assert "Consulta marcada" in p.says("sim")
    return p


def send_due(at: dt.datetime) -> list[int]:
    sessions = notifications_send_due(now=at)
    for session_id in sessions:
        outbox_send(
            gateway=gateway_from_settings(__import__("django.conf").conf.settings), session_id=session_id
        )
    return sessions


def test_a_reminder_keeps_the_rate_window_and_the_days_funnel_of_the_session(api):
    """The reminder changes the dialogue only: the worker's rate window and the ops funnel stay."""
    book()
    row = ConversationSession.objects.get(phone=PHONE)
    arrivals = [BOOKED_AT.timestamp()]
    row.context = {**row.context, "recent_arrivals": arrivals}  # as the worker keeps it
    row.save(update_fields=["context"])
    funnel = row.context["_ops_days"]
    assert funnel  # the booking reached the funnel's last stage

    send_due(APPOINTMENT - dt.timedelta(hours=23))

    row.refresh_from_db()
    assert row.current_state == "confirming_reminder"
    assert row.context["recent_arrivals"] == arrivals
    assert row.context["_ops_days"] == funnel


def test_nothing_is_due_before_the_lead_time(api):
    book()
    assert send_due(APPOINTMENT - dt.timedelta(hours=25)) == []
    assert not OutboundNotification.objects.exists()


def test_the_reminder_is_sent_once_even_when_two_beats_race(api):
    book()
    at = APPOINTMENT - dt.timedelta(hours=23)
    if connection.vendor == "postgresql":
        results: list[list[int]] = []
        threads = [
            threading.Thread(target=lambda: results.append(notifications_send_due(now=at))) for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(len(r) for r in results) == [0, 1]
    else:  # SQLite serialises writers: the second run finds the claim already taken
        assert len(notifications_send_due(now=at)) == 1
        assert notifications_send_due(now=at) == []
    assert OutboundNotification.objects.count() == 1
    assert (
        ConversationMessage.objects.filter(direction=Direction.BOT, payload__has_key="notification").count()
        == 1
    )


def test_outside_the_24_hour_window_meta_gets_the_template(api):
    book()  # the patient's last message is five days before the reminder
    send_due(APPOINTMENT - dt.timedelta(hours=23))
    (request,) = [r["json"] for r in api.requests]
    assert request["type"] == "template"
    assert request["template"]["language"]["code"] == "pt_BR"
    params = [p["text"] for p in request["template"]["components"][0]["parameters"]]
    assert "Marta" in params and "09:00" in params


def test_within_the_window_the_reminder_is_plain_text(api):
    p = book()
    p.clock.at = APPOINTMENT - dt.timedelta(hours=3)
    p.says("oi, tudo certo pra segunda?")  # the patient wrote recently
    send_due(APPOINTMENT - dt.timedelta(hours=2))
    assert api.requests[-1]["json"]["type"] == "text"
    assert "Responda *1*" in api.requests[-1]["json"]["text"]["body"]


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("1", AppointmentStatus.CONFIRMED),
        ("confirmo", AppointmentStatus.CONFIRMED),
        ("2", AppointmentStatus.CANCELLED),
        ("cancelar", AppointmentStatus.CANCELLED),
    ],
)
def test_each_reminder_answer(api, answer, status):
    p = book()
    send_due(APPOINTMENT - dt.timedelta(hours=23))
    p.clock.at = APPOINTMENT - dt.timedelta(hours=22)
    p.says(answer)
    assert Appointment.objects.get(phone=PHONE).status == status


def test_answering_3_starts_rescheduling(api):
    p = book()
    send_due(APPOINTMENT - dt.timedelta(hours=23))
    p.clock.at = APPOINTMENT - dt.timedelta(hours=22)
    reply = p.says("3")
    assert "remarcar" in reply.lower()
    assert p.last.result.state.context.mode == "reschedule"
