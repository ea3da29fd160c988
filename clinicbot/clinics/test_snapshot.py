"""The cached clinic snapshot: built once, served from cache, rebuilt after staff edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from clinicbot.clinics import snapshot
from clinicbot.clinics.holidays import public_holidays
from clinicbot.clinics.models import Holiday, MessageTemplate
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.core import cache as safe_cache
from clinicbot.testing.factories import ClinicFactory, DoctorFactory, InsuranceFactory, SpecialtyFactory

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def make_clinic():
    ClinicFactory()
    cardio = SpecialtyFactory(name="Cardiologia", aliases=["cardio"])
    unimed = InsuranceFactory(name="Unimed")
    particular = InsuranceFactory(name="Particular")
    doctor = DoctorFactory(
        name="Dra. Ana Souza",
        price=Decimal("350.00"),
        specialties=[cardio],
        insurances=[unimed, particular],
        schedule={"mon": ["08:00-12:00"], "wed": ["14:00-18:00"]},
    )
    return doctor, unimed


@pytest.fixture
def count_queries():
    """``with count_queries() as q: ...; len(q)`` — the number of queries the block made."""
    return lambda: CaptureQueriesContext(connection)


# --------------------------------------------------------------------------- caching
@pytest.mark.django_db
def test_snapshot_is_built_once_then_served_without_queries(django_assert_num_queries, count_queries):
    make_clinic()
    with count_queries() as first:
        catalog = get_catalog()
    assert len(first) > 0
    assert catalog.doctor("Dra. Ana Souza") is not None

    with django_assert_num_queries(0):
        again = get_catalog()
    assert again is catalog  # the process memo


@pytest.mark.django_db
def test_a_restarted_process_reads_the_snapshot_from_the_shared_cache(django_assert_num_queries):
    make_clinic()
    built = get_catalog()
    snapshot.forget_process_memo()  # another process / a restart: no memo, same cache

    with django_assert_num_queries(0):
        catalog = get_catalog()

    assert catalog == built


@pytest.mark.django_db
def test_snapshot_reflects_the_imported_data(django_assert_max_num_queries):
    doctor, _ = make_clinic()
    with django_assert_max_num_queries(12):
        catalog = get_catalog()

    info = catalog.doctor("Dra. Ana Souza")
    assert info is not None
    assert info.id == doctor.id
    assert info.price == Decimal("350.00")
    assert set(info.insurances) == {"Unimed", "Particular"}
    assert info.specialties == ("Cardiologia",)
    assert info.slot_minutes == 30
    assert [(r.start, r.end) for r in info.schedule[0]] == [(dt.time(8), dt.time(12))]
    assert [(r.start, r.end) for r in info.schedule[2]] == [(dt.time(14), dt.time(18))]
    assert catalog.specialty_id("Cardiologia") == doctor.specialties.get().id
    assert catalog.clinic.opening_hours[5][0].start == dt.time(8)


# --------------------------------------------------------------------------- invalidation
# transaction=True: the signals invalidate on commit, as in production (a test wrapped in
# one transaction would never commit, and would keep only the first on_commit callback).
@pytest.mark.django_db(transaction=True)
def test_editing_a_doctors_price_rebuilds_the_snapshot_at_the_next_read(count_queries):
    doctor, _ = make_clinic()
    assert get_catalog().doctor("Dra. Ana Souza").price == Decimal("350.00")

    doctor.price = Decimal("400.00")
    doctor.save()

    with count_queries() as rebuild:
        catalog = get_catalog()
    assert len(rebuild) > 0
    assert catalog.doctor("Dra. Ana Souza").price == Decimal("400.00")


@pytest.mark.django_db(transaction=True)
def test_removing_an_insurance_from_a_doctor_rebuilds_the_snapshot():
    doctor, unimed = make_clinic()
    assert "Unimed" in get_catalog().doctor("Dra. Ana Souza").insurances

    doctor.insurances.remove(unimed)

    assert get_catalog().doctor("Dra. Ana Souza").insurances == ("Particular",)


@pytest.mark.django_db(transaction=True)
def test_adding_a_holiday_rebuilds_the_snapshot():
    make_clinic()
    public = public_holidays(dt.date.today())
    assert get_catalog().holidays == public

    Holiday.objects.create(date=dt.date(2030, 4, 21), name="Tiradentes")

    assert get_catalog().holidays - public == {dt.date(2030, 4, 21)}


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_doctor_disappears_from_the_snapshot():
    doctor, _ = make_clinic()
    assert get_catalog().doctor("Dra. Ana Souza") is not None

    doctor.active = False
    doctor.save()

    assert get_catalog().doctor("Dra. Ana Souza") is None


@pytest.mark.django_db(transaction=True)
def test_a_message_template_edit_is_visible_in_the_catalog_templates():
    make_clinic()
    template = MessageTemplate.objects.create(key="greeting", text="Olá! Como posso ajudar?")
    assert get_catalog().templates["greeting"] == "Olá! Como posso ajudar?"

    template.text = "Bom dia! Em que posso ajudar?"
    template.save()

    assert get_catalog().templates == {"greeting": "Bom dia! Em que posso ajudar?"}


@pytest.mark.django_db(transaction=True)
def test_another_process_with_a_stale_memo_sees_the_edit():
    doctor, _ = make_clinic()
    get_catalog()
    stale_memo = snapshot._memo  # what another server process still holds

    doctor.price = Decimal("410.00")
    doctor.save()
    snapshot._memo = stale_memo

    assert get_catalog().doctor("Dra. Ana Souza").price == Decimal("410.00")


@pytest.mark.django_db(transaction=True)
def test_an_edit_that_is_rolled_back_keeps_the_cached_snapshot(django_assert_num_queries):
    doctor, _ = make_clinic()
    catalog = get_catalog()

    with pytest.raises(RuntimeError), transaction.atomic():
        doctor.price = Decimal("999.00")
        doctor.save()
        raise RuntimeError("staff cancelled")

    with django_assert_num_queries(0):
        assert get_catalog() is catalog


@pytest.mark.django_db(transaction=True)
def test_edits_invalidate_once_and_only_when_their_transaction_commits():
    doctor, _ = make_clinic()
    catalog = get_catalog()

    with transaction.atomic():
        Holiday.objects.create(date=dt.date(2030, 4, 21))
        doctor.price = Decimal("420.00")
        doctor.save()
        doctor.insurances.clear()
        queued = [item[1] for item in connection.run_on_commit]
        # Not committed yet: every reader still gets the snapshot of committed data.
        assert get_catalog() is catalog

    assert queued == [snapshot.invalidate_snapshot]
    rebuilt = get_catalog()
    assert rebuilt.holidays - public_holidays(dt.date.today()) == {dt.date(2030, 4, 21)}
    assert rebuilt.doctor("Dra. Ana Souza").price == Decimal("420.00")
    assert rebuilt.doctor("Dra. Ana Souza").insurances == ()


@pytest.mark.django_db(transaction=True)
def test_an_edit_made_while_the_cache_was_down_is_seen_when_it_comes_back():
    doctor, _ = make_clinic()
    get_catalog()  # cached, with its version token

    with override_settings(CACHES=DEAD_REDIS):
        safe_cache.reset_backoff()
        doctor.price = Decimal("430.00")
        doctor.save()
    safe_cache.reset_backoff()  # the cache is back, with the entries it had
    snapshot.forget_process_memo()

    assert get_catalog().doctor("Dra. Ana Souza").price == Decimal("430.00")
