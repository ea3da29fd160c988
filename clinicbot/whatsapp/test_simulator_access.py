"""The simulator cannot act as a patient: staff only, never public beside a real gateway,
rate-limited, its conversations apart from WhatsApp's; its webhook needs staff or a signature."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.core import ratelimit
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import outbox_send

pytestmark = pytest.mark.django_db

PATIENT_PHONE = "5511987654321"
META = {
    "WHATSAPP_GATEWAY": "meta",
    "META_APP_SECRET": "s",
    "META_VERIFY_TOKEN": "v",
    "META_ACCESS_TOKEN": "t",
    "META_PHONE_NUMBER_ID": "1",
}


@pytest.fixture
def staff(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("recepcao", password="x", is_staff=True))
    return client


@pytest.fixture
def marta() -> Appointment:
    """A WhatsApp patient with an upcoming booking."""
    load_clinic()
    patient = Patient(PATIENT_PHONE, timezone.now())
    for text in ("quero marcar cardiologia pela unimed", "1", "Marta Reis", "sim"):
        patient.says(text)
    return Appointment.objects.get(phone=PATIENT_PHONE)


def simulate(client: Client, text: str, phone: str = PATIENT_PHONE):
    return client.post(
        "/simulator/api/messages", {"phone": phone, "text": text}, content_type="application/json"
    )


def test_anonymous_visitors_cannot_use_the_simulator_by_default():
    load_clinic()
    assert simulate(Client(), "oi").status_code == 403
    page = Client().get("/simulator/")
    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    assert not ConversationMessage.objects.exists()


@pytest.mark.parametrize(
    "gateway",
    [META, {"WHATSAPP_GATEWAY": "simulator", "META_APP_SECRET": "s"}],
    ids=["replies through Meta", "Meta only receiving"],
)
def test_the_simulator_is_never_public_while_a_real_gateway_is_configured(settings, gateway):
    load_clinic()
    settings.SIMULATOR_PUBLIC = True
    for name, value in gateway.items():
        setattr(settings, name, value)
    assert simulate(Client(), "oi").status_code == 403
    assert Client().get("/simulator/").status_code == 302


def test_an_explicitly_public_simulator_without_a_real_gateway_answers_anyone(settings):
    load_clinic()
    settings.SIMULATOR_PUBLIC = True
    response = simulate(Client(), "oi")
    assert response.status_code == 200 and response.json()["replies"]


def test_a_disabled_simulator_answers_404_even_to_staff(settings, staff):
    settings.SIMULATOR_ENABLED = False
    assert staff.get("/simulator/").status_code == 404
    assert simulate(staff, "oi").status_code == 404


def test_a_simulator_phone_never_reaches_the_whatsapp_patient_with_that_number(marta, staff):
    real_session = ConversationSession.objects.get(phone=PATIENT_PHONE)
    real_messages = ConversationMessage.objects.filter(session=real_session).count()

    asked = simulate(staff, "quero cancelar minha consulta").json()
    shown = " ".join(r["text"] for r in asked["replies"])
    assert "Henrique" not in shown and "Marta" not in shown, shown
    assert asked["debug"]["state"] != "confirmando cancelamento"
    simulate(staff, "sim")

    marta.refresh_from_db()
    assert marta.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
    assert ConversationMessage.objects.filter(session=real_session).count() == real_messages
    simulated = ConversationSession.objects.get(phone=f"sim:{PATIENT_PHONE}")
    assert simulated.patient_name == "" and simulated.messages.count() == 4


def test_a_booking_made_in_the_simulator_is_not_the_patients(marta, staff):
    for text in ("quero marcar cardiologia pela unimed", "1", "Joana Prado", "sim"):
        simulate(staff, text)
    simulated = Appointment.objects.get(phone=f"sim:{PATIENT_PHONE}")
    assert simulated.patient_name == "Joana Prado"
    # The patient's own conversation still sees only her booking.
    listed = Patient(PATIENT_PHONE, timezone.now()).says("quero cancelar minha consulta")
    assert "08:00" in listed and "08:30" not in listed, listed


def test_replies_in_a_simulator_conversation_never_go_out_through_whatsapp(settings):
    now = timezone.now()
    with meta_cloud_api() as graph_api:
        simulated = ConversationSession.objects.create(phone=f"sim:{PATIENT_PHONE}", last_activity=now)
        real = ConversationSession.objects.create(phone=PATIENT_PHONE, last_activity=now)
        for session in (simulated, real):
            ConversationMessage.objects.create(
                session=session,
                direction=Direction.STAFF,
                content="Olá, aqui é a recepção.",
                delivery_status=DeliveryStatus.PENDING,
                timestamp=now,
            )
        gateway = gateway_from_settings(settings)
        assert outbox_send(gateway=gateway, session_id=simulated.id).sent == 1
        assert graph_api.requests == []
        assert outbox_send(gateway=gateway, session_id=real.id).sent == 1  # the real one still goes out
        assert len(graph_api.texts_to(PATIENT_PHONE)) == 1


def test_the_simulator_is_rate_limited_per_user(settings, staff, monkeypatch):
    load_clinic()
    settings.SIMULATOR_RATE_LIMIT_PER_MINUTE = 3
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)  # one fixed minute
    assert [simulate(staff, "oi").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = simulate(staff, "oi")
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert "Aguarde" in refused.json()["detail"]


# --- /webhooks/whatsapp/ (the simulator gateway's webhook) ------------------------------------


def post_webhook(client: Client, body: dict[str, str], **headers: str):
    return client.post("/webhooks/whatsapp/", json.dumps(body), content_type="application/json", **headers)


def test_the_simulator_webhook_refuses_anonymous_posts_by_default():
    response = post_webhook(Client(), {"phone": PATIENT_PHONE, "text": "oi"})
    assert response.status_code == 401
    assert not ConversationMessage.objects.exists()


def test_disabling_the_simulator_closes_its_webhook_even_for_staff(settings, staff):
    settings.SIMULATOR_ENABLED = False
    assert post_webhook(staff, {"phone": PATIENT_PHONE, "text": "oi"}).status_code == 404
    assert not ConversationMessage.objects.exists()


def test_staff_post_to_the_simulator_webhook_with_their_csrf_token(django_user_model):
    load_clinic()
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ti", password="x", is_staff=True))
    # Without the token (e.g. a form on another site posting through the staff's browser): refused.
    assert post_webhook(client, {"phone": PATIENT_PHONE, "text": "oi"}).status_code == 403
    client.get("/admin/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_webhook(client, {"phone": PATIENT_PHONE, "text": "oi"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert ConversationSession.objects.filter(phone=f"sim:{PATIENT_PHONE}").exists()
    assert not ConversationSession.objects.filter(phone=PATIENT_PHONE).exists()


def test_a_signed_request_is_accepted_without_a_session(settings):
    load_clinic()
    settings.SIMULATOR_WEBHOOK_SECRET = "sim-secret"
    body = json.dumps({"phone": PATIENT_PHONE, "text": "oi"}).encode()
    good = "sha256=" + hmac.new(b"sim-secret", body, hashlib.sha256).hexdigest()
    bad = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    post = Client().post
    assert (
        post("/webhooks/whatsapp/", body, "application/json", HTTP_X_CLINICBOT_SIGNATURE=bad).status_code
        == 401
    )
    assert (
        post("/webhooks/whatsapp/", body, "application/json", HTTP_X_CLINICBOT_SIGNATURE=good).status_code
        == 200
    )
    assert ConversationSession.objects.filter(phone=f"sim:{PATIENT_PHONE}").exists()


def test_health_reports_a_deployment_open_to_unauthenticated_messages_as_unhealthy(settings, staff):
    assert staff.get("/health/detailed").json()["inbound"] == {"authenticated": True, "unauthenticated": []}
    settings.SIMULATOR_PUBLIC = True
    response = staff.get("/health/detailed")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["inbound"] == {"authenticated": False, "unauthenticated": ["simulator_public"]}


def test_the_understanding_line_is_for_staff_and_in_portuguese(settings, staff):
    load_clinic()
    body = simulate(staff, "quero marcar cardiologia").json()
    assert body["debug"] == {"intent": "marcar consulta", "state": "coletando dados"}
    settings.SIMULATOR_PUBLIC = True
    public = simulate(Client(), "quero marcar cardiologia").json()
    assert "debug" not in public and "intent" not in public and "state" not in public
