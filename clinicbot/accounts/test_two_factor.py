"""The TOTP second factor: enforced with STAFF_REQUIRE_2FA, enrolment page, verification, throttling."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "Recepcao-2026-segura"


def code(device: TOTPDevice) -> str:
    """What the staff member's phone shows right now."""
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.fixture
def staff_client() -> tuple[Client, object]:
    user = get_user_model().objects.create_user("rita", password=PASSWORD, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_without_enforcement_staff_without_a_device_work_as_before(staff_client):
    client, _ = staff_client
    assert client.get("/staff/").status_code == 200


def test_enforced_staff_must_enrol_before_any_staff_page(settings, staff_client, no_throttle):
    settings.STAFF_REQUIRE_2FA = True
    client, user = staff_client
    for page in ("/staff/", "/admin/", "/ops/dashboard/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/conta/2fa/?next=")

    enrol = client.get("/conta/2fa/?next=/staff/")
    assert enrol.status_code == 200
    text = enrol.content.decode()
    assert "<svg" in text and "Ativar a verificação em duas etapas" in text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.get("/conta/2fa/").context["secret"] == enrol.context["secret"]  # a reload keeps the key

    wrong = client.post("/conta/2fa/", {"token": "000000", "next": "/staff/"})
    assert "Código incorreto ou expirado" in wrong.content.decode()
    done = client.post("/conta/2fa/", {"token": code(device), "next": "/staff/"})
    assert done.status_code == 302 and done["Location"] == "/staff/"
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/staff/").status_code == 200


def test_a_new_login_of_an_enrolled_person_asks_for_the_code(settings, staff_client, no_throttle):
    _, user = staff_client
    device = TOTPDevice.objects.create(user=user, name="celular", confirmed=True)
    client = Client()
    login = client.post(
        "/admin/login/?next=/staff/", {"username": "rita", "password": PASSWORD, "next": "/staff/"}
    )
    assert login.status_code == 302

    response = client.get("/staff/")  # even without enforcement: she enrolled
    assert response.status_code == 302 and response["Location"] == "/conta/2fa/verificar/?next=%2Fstaff%2F"
    page = client.get(response["Location"])
    assert "Digite o código de 6 dígitos" in page.content.decode()
    assert "Código incorreto" in client.post("/conta/2fa/verificar/", {"token": "123456"}).content.decode()
    ok = client.post("/conta/2fa/verificar/", {"token": code(device), "next": "/staff/"})
    assert ok.status_code == 302 and ok["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_wrong_codes_are_throttled(staff_client):
    client, user = staff_client
    device = TOTPDevice.objects.create(user=user, name="celular", confirmed=True)
    client.post("/conta/2fa/verificar/", {"token": "000000"})
    # Right after a wrong guess even the right code waits (django-otp's growing delay).
    assert client.post("/conta/2fa/verificar/", {"token": code(device)}).status_code == 200
    assert client.get("/staff/").status_code == 302


def test_unverified_sessions_still_reach_probes_and_logout_and_leave_others_alone(settings, staff_client):
    settings.STAFF_REQUIRE_2FA = True
    client, _ = staff_client
    assert client.get("/health").status_code == 200
    assert client.post("/admin/logout/").status_code in (200, 302)
    anonymous = Client().get("/staff/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")


def test_the_next_parameter_cannot_send_anyone_elsewhere(settings, staff_client, no_throttle):
    settings.STAFF_REQUIRE_2FA = True
    client, user = staff_client
    client.get("/conta/2fa/")
    device = TOTPDevice.objects.get(user=user)
    done = client.post("/conta/2fa/", {"token": code(device), "next": "https://evil.example/"})
    assert done["Location"] == "/staff/"
