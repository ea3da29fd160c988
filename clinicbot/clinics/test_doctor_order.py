"""Doctors in the order a Portuguese reader expects: accents, case and titles do not count."""

from __future__ import annotations

import re

import pytest

from clinicbot.clinics.models import Doctor
from clinicbot.core.text import person_sort_key, sort_key
from clinicbot.testing import DEMO_CLINIC, load_clinic

pytestmark = pytest.mark.django_db

# The demo clinic's doctors, by first name: Beatriz, Flávia, Heitor, Ícaro, Joana, …, Tiago.
EXPECTED = [
    "Dra. Beatriz Galvão",
    "Dra. Flávia Leão",
    "Dr. Heitor Accioly",
    "Dr. Ícaro Sobral",
    "Dra. Joana Marinho",
    "Dra. Marília Wanderley",
    "Dra. Renata Holanda",
    "Dr. Rodrigo Pessoa",
    "Dr. Severino Araújo",
    "Dr. Tiago Barreto",
    "Dr. Tiago Cavalcanti",
]


def test_sort_keys_ignore_accents_case_and_titles():
    assert sort_key("Ícaro") < sort_key("Tiago") and sort_key("Ótica") < sort_key("Pediatria")
    assert person_sort_key("Dra. Flávia Leão") == "flavia leao" == person_sort_key("dr flavia leão")


def test_doctors_are_listed_accent_aware_everywhere_staff_look(admin_client):
    load_clinic(DEMO_CLINIC)
    assert list(Doctor.objects.values_list("name", flat=True)) == EXPECTED

    changelist = admin_client.get("/admin/clinics/doctor/").content.decode()
    assert [n for n in re.findall(r">(Dra?\. [^<]+)</a></th>", changelist)] == EXPECTED
    filters = admin_client.get("/admin/scheduling/appointment/").content.decode()
    in_filter = [n for n in re.findall(r'doctor__id__exact=\d+">(Dra?\. [^<]+)<', filters)]
    assert in_filter == EXPECTED
    agenda = admin_client.get("/staff/agenda/").content.decode()
    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', agenda) == EXPECTED


def test_a_renamed_doctor_is_sorted_by_the_new_name():
    load_clinic(DEMO_CLINIC)
    doctor = Doctor.objects.get(name="Dr. Tiago Cavalcanti")
    doctor.name = "Dr. Álvaro Cavalcanti"
    doctor.save(update_fields=["name"])
    assert Doctor.objects.values_list("name", flat=True).first() == "Dr. Álvaro Cavalcanti"
