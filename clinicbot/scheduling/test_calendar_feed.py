"""The per-doctor .ics feed, parsed back with the icalendar library."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from icalendar import Calendar

from clinicbot.clinics.models import Doctor, Insurance
from clinicbot.scheduling.models import Appointment
from clinicbot.testing_support import load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
pytestmark = pytest.mark.django_db


@override_settings(CALENDAR_TOKEN="cal-token")
def test_the_feed_lists_active_bookings_at_their_local_times():
    load_clinic()
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=7), dt.time(9, 0), tzinfo=TZ)
    Appointment.objects.create(
        patient_name="Marta Reis",
        phone="5519994400001",
        doctor=doctor,
        specialty=doctor.specialties.get(),
        insurance=Insurance.objects.get(name="Unimed"),
        start=start,
        end=start + dt.timedelta(minutes=30),
        confirmation_code="ICS001",
    )
    response = Client().get("/calendar/dr-henrique-bastos.ics", {"token": "cal-token"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    decoded = event.decoded("dtstart")
    assert decoded == start and decoded.hour == 9
    assert str(decoded.tzinfo) == "America/Sao_Paulo"
    assert event.decoded("dtend") - decoded == dt.timedelta(minutes=30)
    assert "Marta Reis" in str(event.get("summary"))


@override_settings(CALENDAR_TOKEN="cal-token")
def test_the_feed_needs_the_token_and_an_existing_doctor():
    load_clinic()
    assert Client().get("/calendar/dr-henrique-bastos.ics").status_code == 403
    assert Client().get("/calendar/dr-henrique-bastos.ics", {"token": "nope"}).status_code == 403
    assert Client().get("/calendar/dr-ninguem.ics", {"token": "cal-token"}).status_code == 404


def test_feeds_are_off_without_a_configured_token():
    assert Client().get("/calendar/x.ics", {"token": ""}).status_code == 403
