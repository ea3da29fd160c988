"""The hand-off link in a booking confirmation goes to third-party sites (the clinic's
attendance page, wa.me): it carries the booking's code and nothing about the patient."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.dialogue.confirmation import handoff_link
from clinicbot.scheduling.agenda import _info
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import Patient, load_clinic

pytestmark = pytest.mark.django_db
PHONE = "5519994400001"


@pytest.fixture
def booked() -> tuple[str, Appointment]:
    load_clinic()
    patient = Patient(PHONE, timezone.now())
    for text in ("quero marcar cardiologia pela unimed", "1", "Marta Reis"):
        patient.says(text)
    return patient.says("sim"), Appointment.objects.get(phone=PHONE)


def test_the_clinics_handoff_page_gets_only_the_booking_code(booked):
    reply, appt = booked
    (url,) = re.findall(r"https://\S+", reply)
    assert parse_qs(urlsplit(url).query) == {"codigo": [appt.confirmation_code]}
    assert "Marta" not in url and "Henrique" not in url


def test_the_wa_me_link_prefills_only_the_booking_code(booked):
    _, appt = booked
    catalog = get_catalog()
    catalog = dataclasses.replace(catalog, clinic=dataclasses.replace(catalog.clinic, handoff_url=""))
    link = handoff_link(catalog, _info(appt))
    (url,) = re.findall(r"https://wa\.me/\S+", link)
    assert unquote(urlsplit(url).query) == f"text=Consulta {appt.confirmation_code}"
