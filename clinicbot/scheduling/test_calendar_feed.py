"""The per-doctor .ics feed, parsed back with the icalendar library: one revocable token
per doctor (stored hashed, shown once), patients by initials unless the clinic opts in."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.auth.models import User
from django.core.checks import run_checks
from django.test import Client, override_settings
from django.utils import timezone
from icalendar import Calendar

from clinicbot.clinics.models import Doctor, Insurance
from clinicbot.scheduling.calendar_feed import patient_initials
from clinicbot.scheduling.calendar_tokens import calendar_token_create, calendar_token_revoke
from clinicbot.scheduling.models import Appointment, CalendarToken
from clinicbot.testing import load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
FEED = "/calendar/dr-henrique-bastos.ics"
pytestmark = pytest.mark.django_db


@pytest.fixture
def henrique() -> Doctor:
    load_clinic()
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=7), dt.time(9, 0), tzinfo=TZ)
    Appointment.objects.create(
        patient_name="Marta Reis da Silva",
        phone="5519994400001",
        doctor=doctor,
        specialty=doctor.specialties.get(),
        insurance=Insurance.objects.get(name="Unimed"),
        start=start,
        end=start + dt.timedelta(minutes=30),
        confirmation_code="ICS001",
    )
    return doctor


def feed_event(token: str):
    response = Client().get(FEED, {"token": token})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


@override_settings(CALENDAR_PATIENT_NAMES=True)
def test_the_feed_lists_active_bookings_at_their_local_times(henrique):
    event = feed_event(calendar_token_create(doctor_id=henrique.id).secret)
    decoded = event.decoded("dtstart")
    assert decoded.hour == 9 and str(decoded.tzinfo) == "America/Sao_Paulo"
    assert event.decoded("dtend") - decoded == dt.timedelta(minutes=30)
    assert "Marta Reis da Silva" in str(event.get("summary"))
    assert "ICS001" in str(event.get("description"))


def test_by_default_the_feed_names_patients_by_initials_and_omits_the_code(henrique):
    event = feed_event(calendar_token_create(doctor_id=henrique.id).secret)
    text = str(event.to_ical(), "utf-8")
    assert str(event.get("summary")) == "Consulta: M. R. S."
    assert "Marta" not in text and "Reis" not in text and "ICS001" not in text
    assert "Cardiologia" in str(event.get("description"))


def test_initials_skip_connectives():
    assert patient_initials("Ana de Souza e Silva") == "A. S. S."
    assert patient_initials("") == "Paciente"


def test_a_doctors_token_opens_only_that_doctors_feed(henrique):
    token = calendar_token_create(doctor_id=henrique.id).secret
    other = Doctor.objects.exclude(id=henrique.id).first()
    other_feed = f"/calendar/{re.sub(r'[^a-z0-9]+', '-', other.name.lower()).strip('-')}.ics"
    assert Client().get(FEED, {"token": token}).status_code == 200
    assert Client().get(other_feed, {"token": token}).status_code == 403
    # Unknown doctors, wrong and missing tokens: one answer, telling nothing.
    assert Client().get("/calendar/dr-ninguem.ics", {"token": token}).status_code == 403
    assert Client().get(FEED, {"token": token[:-1] + "x"}).status_code == 403
    assert Client().get(FEED).status_code == 403


def test_a_revoked_token_stops_at_once_and_the_others_keep_working(henrique):
    phone = calendar_token_create(doctor_id=henrique.id, label="celular")
    desk = calendar_token_create(doctor_id=henrique.id, label="recepção")
    calendar_token_revoke(token_id=phone.token.id)
    assert Client().get(FEED, {"token": phone.secret}).status_code == 403
    assert Client().get(FEED, {"token": desk.secret}).status_code == 200


def test_only_a_hash_of_the_token_is_stored(henrique):
    issued = calendar_token_create(doctor_id=henrique.id)
    row = CalendarToken.objects.values().get(id=issued.token.id)
    assert issued.secret.startswith("cal_") and len(issued.secret) > 40
    assert all(issued.secret not in str(value) for value in row.values())


@override_settings(CALENDAR_TOKEN="cal-token")
def test_the_old_shared_token_opens_no_feed(henrique, monkeypatch):
    assert Client().get(FEED, {"token": "cal-token"}).status_code == 403
    monkeypatch.setenv("CALENDAR_TOKEN", "cal-token")
    assert "scheduling.W001" in [m.id for m in run_checks()]


def test_admin_shows_the_link_once_and_revokes_it(henrique):
    admin = Client()
    admin.force_login(User.objects.create_superuser("gerente", password="x"))
    page = admin.post(
        "/admin/scheduling/calendartoken/add/", {"doctor": henrique.id, "label": "celular"}, follow=True
    ).content.decode()
    (url,) = re.findall(r"http://testserver(/calendar/dr-henrique-bastos\.ics\?token=cal_[\w-]+)", page)
    assert Client().get(url).status_code == 200
    token = CalendarToken.objects.get()
    assert (
        url.split("token=")[1]
        not in admin.get(f"/admin/scheduling/calendartoken/{token.id}/change/").content.decode()
    )
    admin.post(
        "/admin/scheduling/calendartoken/",
        {"action": "revoke", "_selected_action": [str(token.id)]},
    )
    assert Client().get(url).status_code == 403
