"""Staff logins: password rules, throttling of the admin and staff desk login, Portuguese lockout page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from clinicbot.core.client_ip import client_ip
from clinicbot.testing import recepcao_group

pytestmark = pytest.mark.django_db
PASSWORD = "Recepcao-2026-segura"
LOGIN = "/admin/login/"


@pytest.fixture
def rita():
    user = get_user_model().objects.create_user("rita", password=PASSWORD, is_staff=True)
    user.groups.add(recepcao_group())  # the front desk's permissions: the staff desk opens
    return user


def attempt(client: Client, password: str, *, next_url: str = "/admin/"):
    return client.post(
        f"{LOGIN}?next={next_url}", {"username": "rita", "password": password, "next": next_url}
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [("Ab1!xyz", "muito curta"), ("12345678901", "inteiramente numérica"), ("password123", "muito comum")],
)
def test_weak_staff_passwords_are_refused_in_portuguese(password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert reason in " ".join(refused.value.messages)


def test_a_strong_password_passes_the_validators(rita):
    validate_password("Agenda-da-clinica-42", user=rita)


@pytest.mark.parametrize("next_url", ["/admin/", "/staff/"])
def test_repeated_wrong_passwords_lock_the_login_in_portuguese_even_for_the_right_one(
    settings, rita, next_url
):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert attempt(client, "errada", next_url=next_url).status_code == 200  # the form again
    locked = attempt(client, "errada", next_url=next_url)

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Acesso bloqueado temporariamente" in page and "15 minutos" in page
    # Locked out: the right password does not get in either.
    assert attempt(client, PASSWORD, next_url=next_url).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address (a colleague at another desk) is not locked out.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert attempt(other, PASSWORD, next_url=next_url).status_code == 302


def test_a_successful_login_resets_the_count(settings, rita):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.8")
    attempt(client, "errada")
    attempt(client, "errada")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    attempt(client, "errada")
    attempt(client, "errada")
    assert attempt(client, PASSWORD).status_code == 302


def test_client_ip_trusts_only_the_configured_proxies(settings, rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what our proxy saw; the forged 6.6.6.6 is ignored
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_a_login_without_a_client_address_is_recorded_without_one(rita):
    # force_login's request has no REMOTE_ADDR: PostgreSQL's inet column must get NULL, not "?".
    client = Client()
    client.force_login(rita)
    assert client.get("/staff/").status_code == 200
