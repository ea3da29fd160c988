"""Brazil's public holidays are closed by default, on top of the clinic file's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from clinicbot.clinics import snapshot
from clinicbot.clinics.holidays import public_holidays
from clinicbot.clinics.models import Holiday
from clinicbot.testing.factories import ClinicFactory


def test_national_holidays_include_christmas_tiradentes_and_good_friday():
    days = public_holidays(dt.date(2026, 12, 6))
    assert {dt.date(2026, 12, 25), dt.date(2027, 4, 21), dt.date(2027, 3, 26)} <= days
    assert dt.date(2026, 12, 24) not in days


@override_settings(HOLIDAYS_SUBDIVISION="SP")
def test_a_state_adds_its_own_holidays():
    assert dt.date(2026, 7, 9) in public_holidays(dt.date(2026, 1, 1))  # Revolução Constitucionalista


@override_settings(HOLIDAYS_COUNTRY="off")
def test_public_holidays_can_be_switched_off():
    assert public_holidays(dt.date(2026, 12, 6)) == frozenset()


@pytest.mark.django_db
def test_the_snapshot_closes_public_holidays_and_the_clinics_own():
    ClinicFactory()
    Holiday.objects.create(date=dt.date(2026, 12, 24), name="Véspera de Natal")
    snapshot.invalidate_snapshot()
    catalog = snapshot.get_catalog()
    assert dt.date(2026, 12, 25) in catalog.holidays
    assert dt.date(2026, 12, 24) in catalog.holidays
