"""API keys: only a hash is stored, verification, revocation, and the admin that issues them."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from .models import ApiKey, ApiScope
from .services import api_key_create, api_key_revoke, api_key_verify

pytestmark = pytest.mark.django_db


def test_only_the_sha256_of_the_key_is_stored_never_the_secret():
    issued = api_key_create(name="ERP", scopes=ApiScope.values)
    assert issued.secret.startswith(f"cbk_{issued.api_key.prefix}_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apikey")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    secret_part = issued.secret.rsplit("_", 1)[1]
    assert secret_part not in stored and issued.secret not in stored
    assert ApiKey.objects.get().key_hash == hashlib.sha256(issued.secret.encode()).hexdigest()


def test_a_key_verifies_and_records_when_it_was_used():
    issued = api_key_create(name="Site")
    key = api_key_verify(raw=issued.secret)
    assert key is not None and key.pk == issued.api_key.pk
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # wrong secret, right prefix
        lambda s: "cbk_zzzzzzzz_" + s.rsplit("_", 1)[1],  # unknown prefix
        lambda s: "not a key",
        lambda s: "",
    ],
)
def test_a_wrong_key_does_not_verify(mangle):
    issued = api_key_create(name="Site")
    assert api_key_verify(raw=mangle(issued.secret)) is None


def test_a_revoked_key_stops_working_and_keeps_its_first_revocation_time():
    issued = api_key_create(name="Site")
    first = api_key_revoke(api_key_id=issued.api_key.pk).revoked_at
    assert api_key_verify(raw=issued.secret) is None
    assert api_key_revoke(api_key_id=issued.api_key.pk).revoked_at == first


def test_a_key_allows_exactly_the_scopes_it_was_given():
    key = api_key_create(name="w", scopes=[ApiScope.APPOINTMENTS_WRITE]).api_key
    assert key.allows(ApiScope.APPOINTMENTS_WRITE)
    assert not key.allows(ApiScope.APPOINTMENTS_READ) and not key.allows(ApiScope.CONVERSATIONS_READ)


def test_a_key_without_a_known_scope_is_refused():
    with pytest.raises(ValueError):
        api_key_create(name="x", scopes=["admin"])
    with pytest.raises(ValueError):
        api_key_create(name="x", scopes=[])


def test_admin_creates_a_key_shows_the_secret_once_and_stores_only_its_hash(admin_client):
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "Prontuário eletrônico", "scopes": ["appointments:read", "appointments:write"]},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    page = response.content.decode()
    secrets_shown = [
        word
        for word in page.split()
        if word.startswith(f"cbk_{key.prefix}_") and word != f"cbk_{key.prefix}_…"
    ]
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    assert api_key_verify(raw=secret).pk == key.pk
    assert key.scopes == ["appointments:read", "appointments:write"] and key.created_by is not None
    # The change page never shows it again.
    page = admin_client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert secret not in page and f"cbk_{key.prefix}_" in page


def test_admin_revoke_action_disables_the_selected_keys(admin_client):
    issued = api_key_create(name="Site")
    other = api_key_create(name="ERP")
    response = admin_client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [issued.api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert api_key_verify(raw=issued.secret) is None
    assert api_key_verify(raw=other.secret) is not None
