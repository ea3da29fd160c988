"""Audit rows record which key hashed their phone; rows from before AUDIT_HASH_KEY stay findable."""

from __future__ import annotations

import hashlib
import hmac
import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from clinicbot.core.keys import PUBLISHED_KEYS
from clinicbot.privacy.models import PrivacyAction, PrivacyAuditEntry
from clinicbot.privacy.services import patient_data_export
from clinicbot.privacy.subject import hash_key_id, phone_hash

PHONE = "5519990007001"
pytestmark = pytest.mark.django_db


def legacy(key: str, digits: str = PHONE) -> str:
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


def test_new_audit_rows_name_the_key_of_their_hash():
    patient_data_export(phone=PHONE, actor="cli")
    entry = PrivacyAuditEntry.objects.get()
    assert (entry.phone_hash, entry.hash_key_id) == (phone_hash(PHONE), hash_key_id())


def test_the_migration_marks_rows_written_before_the_audit_key_as_legacy():
    old = PrivacyAuditEntry.objects.create(action=PrivacyAction.ERASE, actor="cli", phone_hash="ab" * 32)
    purge = PrivacyAuditEntry.objects.create(action=PrivacyAction.PURGE, actor="beat")
    migration = importlib.import_module("clinicbot.privacy.migrations.0002_audit_hash_key_id")

    migration.mark_legacy(apps, None)

    old.refresh_from_db()
    purge.refresh_from_db()
    assert (old.hash_key_id, purge.hash_key_id) == ("legacy", "")


def test_staff_find_a_phones_entries_by_typing_the_phone_current_and_legacy_rows(settings):
    settings.ADMINS = []
    patient_data_export(phone=PHONE, actor="cli")
    PrivacyAuditEntry.objects.create(
        action=PrivacyAction.ERASE, actor="cli", phone_hash=legacy(settings.SECRET_KEY), hash_key_id="legacy"
    )
    PrivacyAuditEntry.objects.create(
        action=PrivacyAction.ERASE,
        actor="cli",
        phone_hash=legacy(next(iter(PUBLISHED_KEYS))),
        hash_key_id="legacy",
    )
    other = PrivacyAuditEntry.objects.create(
        action=PrivacyAction.EXPORT,
        actor="cli",
        phone_hash=phone_hash("5519990007002"),
        hash_key_id=hash_key_id(),
    )
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("chefe", password="pw"))

    response = client.get("/admin/privacy/privacyauditentry/", {"q": "+55 (19) 99000-7001"})

    assert response.status_code == 200
    found = {e.pk for e in response.context["cl"].result_list}
    assert len(found) == 3 and other.pk not in found
