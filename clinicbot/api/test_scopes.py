"""Scopes per area (slots, appointments, conversations): a key reaches only what it was
given, new keys start with free slots only, and existing keys were migrated without the
patients' transcripts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinicbot.conversations.models import ConversationSession
from clinicbot.testing.api import ApiClient, assert_error, next_weekday

from .models import ApiKey, ApiScope
from .services import api_key_create

pytestmark = pytest.mark.django_db
PHONE = "5519994400001"


@pytest.fixture
def conversation(clinic) -> ConversationSession:
    from django.utils import timezone

    return ConversationSession.objects.create(
        phone=PHONE, patient_name="Marta Reis", last_activity=timezone.now()
    )


def client_with(*scopes: str) -> ApiClient:
    return ApiClient(api_key_create(name="integração", scopes=scopes).secret)


def test_a_key_created_with_the_defaults_cannot_read_transcripts(conversation):
    key = ApiClient(api_key_create(name="Site da clínica").secret)
    error = assert_error(key.get(f"/api/v1/conversations/{PHONE}"), 403, "insufficient_scope")
    assert error["details"] == {"required_scope": "conversations:read"}
    assert_error(key.get("/api/v1/appointments"), 403, "insufficient_scope")
    assert key.get("/api/v1/doctors").status_code == 200


# (method, path, body) of each operation and the one scope it needs.
OPERATIONS = [
    ("get", "/api/v1/slots?specialty_id={specialty}", ApiScope.SLOTS_READ),
    ("get", "/api/v1/appointments", ApiScope.APPOINTMENTS_READ),
    ("post", "/api/v1/appointments/NOCODE/cancel", ApiScope.APPOINTMENTS_WRITE),
    ("get", f"/api/v1/conversations/{PHONE}", ApiScope.CONVERSATIONS_READ),
]


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS, ids=[o[2] for o in OPERATIONS])
def test_each_operation_needs_its_own_scope_and_no_other(conversation, method, path, scope):
    from clinicbot.clinics.models import Specialty

    path = path.format(specialty=Specialty.objects.first().id)
    others = [s for s in ApiScope.values if s != scope]
    denied = getattr(client_with(*others), method)(path)
    assert_error(denied, 403, "insufficient_scope")
    allowed = getattr(client_with(scope), method)(path)
    assert allowed.status_code in (200, 404), allowed.content  # 404: no such booking code


def test_an_appointments_writer_books_without_any_read_scope(clinic):
    from clinicbot.clinics.models import Doctor

    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    response = client_with(ApiScope.APPOINTMENTS_WRITE).post(
        "/api/v1/appointments",
        {
            "patient_name": "Marta Reis",
            "phone": PHONE,
            "doctor_id": doctor.id,
            "insurance_id": doctor.insurances.get(name="Unimed").id,
            "start": next_weekday(0).isoformat(),
        },
    )
    assert response.status_code == 201, response.content


def test_the_admin_form_ticks_only_free_slots_to_start_with(admin_client):
    page = admin_client.get("/admin/api/apikey/add/").content.decode()
    checked = [line for line in page.splitlines() if "checked" in line and 'name="scopes"' in line]
    assert len(checked) == 1 and 'value="slots:read"' in checked[0]


@pytest.mark.django_db(transaction=True)
def test_existing_keys_are_migrated_without_the_transcripts_scope():
    executor = MigrationExecutor(connection)
    executor.migrate([("api", "0001_initial")])
    old_apps = executor.loader.project_state([("api", "0001_initial")]).apps
    OldKey = old_apps.get_model("api", "ApiKey")
    OldKey.objects.create(name="site", prefix="aaaaaaaa", key_hash="a" * 64, scope="read")
    OldKey.objects.create(name="erp", prefix="bbbbbbbb", key_hash="b" * 64, scope="write")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    scopes = dict(ApiKey.objects.values_list("name", "scopes"))
    assert scopes == {
        "site": ["appointments:read", "slots:read"],
        "erp": ["appointments:read", "appointments:write", "slots:read"],
    }
