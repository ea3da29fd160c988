"""Staff cancel an appointment: the patient is told once, through the gateway, as a template if needed."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api

from .notices import appointment_cancel_notify

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
BOOKED_AT = dt.datetime(2027, 5, 4, 10, 0, tzinfo=TZ)  # a Tuesday, after the real clock
APPOINTMENT = dt.datetime(2027, 5, 19, 10, 0, tzinfo=TZ)  # Wednesday two weeks later

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with (
        meta_cloud_api(
            secret="s",
            CELERY_TASK_ALWAYS_EAGER=True,  # the outbox runs in-process after the commit
        ) as server,
    ):
        load_clinic()
        yield server


def book(phone: str) -> Appointment:
    p = Patient(phone, BOOKED_AT)
    p.says("sou Marta Reis, quero clinico geral dia 19/05 as 10h, unimed")
    assert "Consulta marcada" in p.says("sim")
    appt = Appointment.objects.get(phone=phone)
    assert appt.start == APPOINTMENT
    return appt


def test_staff_cancel_in_admin_notifies_the_patient_through_the_gateway(api):
    appt = book("5519997700001")
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("recepcao", "", "pw"))
    response = staff.post(
        "/admin/scheduling/appointment/", {"action": "cancel", "_selected_action": [appt.id]}, follow=True
    )
    assert "1 consulta cancelada; 1 paciente avisado." in response.content.decode()
    assert Appointment.objects.get(id=appt.id).status == AppointmentStatus.CANCELLED
    (request,) = api.requests
    assert request["json"]["to"] == "5519997700001"
    notice = ConversationMessage.objects.get(session__phone="5519997700001", payload__has_key="notification")
    assert notice.direction == Direction.BOT and notice.delivery_status == DeliveryStatus.SENT
    assert "cancelar a sua consulta de Clínica Geral" in notice.content and "19/05" in notice.content


def test_within_the_24_hour_window_the_notice_is_plain_text(api):
    appt = book("5519997700002")
    assert appointment_cancel_notify(appointment_id=appt.id, now=BOOKED_AT + dt.timedelta(hours=3))
    (request,) = api.requests
    assert request["json"]["type"] == "text"
    assert "Marta" in request["json"]["text"]["body"]


def test_outside_the_window_the_notice_is_the_approved_template(api):
    appt = book("5519997700003")
    assert appointment_cancel_notify(appointment_id=appt.id, now=BOOKED_AT + dt.timedelta(days=5))
    (request,) = api.requests
    assert request["json"]["type"] == "template"
    assert request["json"]["template"]["name"] == "cancelamento_consulta"
    params = [p["text"] for p in request["json"]["template"]["components"][0]["parameters"]]
    assert params[:3] == ["Marta", "Clínica Geral", appt.doctor.name] and "10:00" in params


def test_cancelling_twice_notifies_once(api):
    appt = book("5519997700004")
    now = BOOKED_AT + dt.timedelta(hours=1)
    assert appointment_cancel_notify(appointment_id=appt.id, now=now)
    assert not appointment_cancel_notify(appointment_id=appt.id, now=now)
    assert len(api.requests) == 1
    assert OutboundNotification.objects.filter(type=NotificationType.CANCELLATION).count() == 1


def test_a_past_appointment_is_cancelled_without_a_notice(api):
    appt = book("5519997700005")
    assert not appointment_cancel_notify(appointment_id=appt.id, now=APPOINTMENT + dt.timedelta(hours=1))
    assert Appointment.objects.get(id=appt.id).status == AppointmentStatus.CANCELLED
    assert api.requests == []
