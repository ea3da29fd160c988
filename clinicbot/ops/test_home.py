"""The start page at ``/``: a Portuguese map of the screens, with nothing about patients."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from clinicbot.testing import Patient, load_clinic

pytestmark = pytest.mark.django_db


def test_the_root_is_a_portuguese_start_page_linking_every_screen(django_assert_num_queries):
    with django_assert_num_queries(0):  # static links only: it cannot show anybody's data
        response = Client().get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="pt-br">' in page and "assistente de WhatsApp da clínica" in page
    for href in ("/simulator/", "/staff/", "/admin/", "/ops/dashboard/", "/api/docs/", "/health"):
        assert f'href="{href}"' in page


def test_the_start_page_shows_no_patient_even_to_staff(admin_client):
    load_clinic()
    Patient("5511987650001", timezone.now()).says("oi, sou a Marta Reis e quero marcar cardiologia")

    page = admin_client.get("/").content.decode()

    assert "Marta" not in page and "5511987650001" not in page


def test_without_the_simulator_the_start_page_does_not_link_to_it(settings):
    settings.SIMULATOR_ENABLED = False
    assert 'href="/simulator/"' not in Client().get("/").content.decode()
