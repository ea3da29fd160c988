"""One meaning of an appointment's status in every place that shows it (issue 15, item 9).

A chat booking the patient was told is "Consulta marcada! ✅" is *agendada* / ``booked``
in admin, the staff agenda, the API, the clinic-system push and the calendar feed; the
patient's answer "1" to the reminder makes it *presença confirmada* / ``confirmed`` there
too, and "minhas consultas" in the chat says the same.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client, override_settings
from icalendar import Calendar

from clinicbot.api.models import ApiScope
from clinicbot.api.services import api_key_create
from clinicbot.integrations.models import SyncEvent
from clinicbot.outreach.reminders import notifications_send_due
from clinicbot.scheduling.calendar_tokens import calendar_token_create
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.api import ApiClient, next_weekday

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
BOOKED_AT = next_weekday(2, at=dt.time(10, 0))  # a coming Wednesday (the feed shows what is ahead)
PHONE = "5519993300007"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def everywhere(admin_client):
    """What each place says about the patient's appointment."""
    load_clinic()
    api = ApiClient(api_key_create(name="Prontuário", scopes=[ApiScope.APPOINTMENTS_READ]).secret)

    def look(appointment: Appointment) -> dict[str, str]:
        token = calendar_token_create(doctor_id=appointment.doctor_id).secret
        feed = Client().get(f"/calendar/dr-henrique-bastos.ics?token={token}").content
        (event,) = Calendar.from_ical(feed).walk("VEVENT")
        agenda = admin_client.get(
            "/staff/agenda/",
            {"medico": appointment.doctor_id, "data": appointment.start.astimezone(TZ).date()},
        ).content.decode()
        return {
            "admin": admin_client.get("/admin/scheduling/appointment/").content.decode(),
            "agenda": agenda,
            "api": api.get("/api/v1/appointments", {"phone": PHONE}).json()["results"][0]["status"],
            "push": [e.event for e in SyncEvent.objects.order_by("id")],
            "feed": f"{event['STATUS']} {event['DESCRIPTION']}",
        }

    return look


@override_settings(
    CLINIC_SYSTEM_WEBHOOK_URL="http://127.0.0.1:1/hook",
    CLINIC_SYSTEM_WEBHOOK_SECRET="s",
    CLINIC_SYSTEM_WEBHOOK_MAX_ATTEMPTS=1,
    REMINDER_LEAD_HOURS=[24],
)
def test_a_chat_booking_is_booked_everywhere_and_the_reminders_1_confirms_it_everywhere(everywhere):
    patient = Patient(PHONE, BOOKED_AT)
    patient.says("sou Marta Reis, quero cardio com o dr henrique segunda que vem as 9h pela unimed")
    assert "Consulta marcada" in patient.says("sim")
    appointment = Appointment.objects.get(phone=PHONE)

    booked = everywhere(appointment)
    assert appointment.status == AppointmentStatus.BOOKED == "booked"
    assert ">agendada<" in booked["admin"] and "pendente" not in booked["admin"]
    assert "agendada" in booked["agenda"]
    assert booked["api"] == "booked"
    assert booked["push"] == ["booking.created"]
    assert booked["feed"].startswith("CONFIRMED ") and "agendada" in booked["feed"]  # not TENTATIVE
    assert "agendada" in patient.says("quais são minhas consultas?")

    notifications_send_due(now=appointment.start - dt.timedelta(hours=23))
    patient.clock.at = appointment.start - dt.timedelta(hours=22)
    patient.says("1")
    appointment.refresh_from_db()

    confirmed = everywhere(appointment)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert ">presença confirmada<" in confirmed["admin"]
    assert "presença confirmada" in confirmed["agenda"]
    assert confirmed["api"] == "confirmed"
    assert confirmed["push"] == ["booking.created", "booking.confirmed"]
    assert confirmed["feed"].startswith("CONFIRMED ") and "presença confirmada" in confirmed["feed"]
    assert "confirmada" in patient.says("quais são minhas consultas?")
