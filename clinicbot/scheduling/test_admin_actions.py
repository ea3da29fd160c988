"""Staff actions in admin: confirm, cancel, completed, no-show; hand a conversation back."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clinicbot.conversations.models import ConversationSession
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("staff", "", "pw"))
    load_clinic()
    return client


def booked(phone: str) -> Appointment:
    p = Patient(phone, NOW)
    p.says("sou Marta Reis, quero clinico geral amanha as 10h, unimed")
    p.says("sim")
    return Appointment.objects.get(phone=phone)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("confirm", AppointmentStatus.CONFIRMED),
        ("cancel", AppointmentStatus.CANCELLED),
        ("mark_completed", AppointmentStatus.COMPLETED),
        ("mark_no_show", AppointmentStatus.NO_SHOW),
    ],
)
def test_staff_actions_change_the_status(staff, action, status):
    appt = booked("5519995500001")
    response = staff.post("/admin/scheduling/appointment/", {"action": action, "_selected_action": [appt.id]})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.status == status


def test_handing_back_makes_the_assistant_answer_again(staff):
    p = Patient("5519995500002", NOW)
    p.says("quero falar com uma atendente")
    assert p.says("oi?") == ""
    session = ConversationSession.objects.get(phone="5519995500002")
    staff.post(
        "/admin/conversations/conversationsession/", {"action": "hand_back", "_selected_action": [session.id]}
    )
    assert "Olá" in p.says("oi")


def test_admin_pages_render(staff):
    booked("5519995500003")
    for url in (
        "/admin/",
        "/admin/scheduling/appointment/",
        "/admin/conversations/conversationsession/",
        "/admin/clinics/doctor/",
        "/admin/conversations/conversationmessage/",
        "/admin/outreach/outboundnotification/",
    ):
        assert staff.get(url).status_code == 200, url
    session = ConversationSession.objects.get(phone="5519995500003")
    assert (
        "Marta Reis"
        in staff.get(f"/admin/conversations/conversationsession/{session.id}/change/").content.decode()
    )
