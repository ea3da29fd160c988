"""Meta webhooks end to end in one process: signature, durable storage, dedup, replies over real HTTP.

Tasks run eagerly here; tests/test_worker.py runs the same flow on a real Celery worker.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client, override_settings

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.ops.models import GatewayCallLog
from clinicbot.testing_support import load_clinic
from clinicbot.testing_support.fake_gateway import FakeGatewayServer, meta_signature, meta_text_webhook

SECRET = "test-app-secret"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with (
        FakeGatewayServer() as server,
        override_settings(
            WHATSAPP_GATEWAY="meta",
            META_APP_SECRET=SECRET,
            META_VERIFY_TOKEN="verify-me",
            META_ACCESS_TOKEN="token",
            META_PHONE_NUMBER_ID="PNID-1",
            META_API_BASE=server.url,
            CELERY_TASK_ALWAYS_EAGER=True,
        ),
    ):
        load_clinic()
        yield server


def post(client: Client, payload: dict | bytes, *, secret: str = SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/webhooks/whatsapp/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, secret),
    )


def test_handshake_echoes_the_challenge_only_with_the_right_token(api):
    c = Client()
    ok = c.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1234"},
    )
    assert ok.status_code == 200 and ok.content == b"1234"
    bad = c.get(
        "/webhooks/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1234"}
    )
    assert bad.status_code == 403


def test_a_text_message_is_stored_answered_and_marked_sent(api):
    response = post(
        Client(),
        meta_text_webhook(
            phone="5519991110001",
            text="quais convenios vcs aceitam?",
            message_id="wamid.A1",
            timestamp=int(time.time()),
        ),
    )
    assert response.status_code == 200, response.content
    assert any("Cassi" in t for t in api.texts_to("5519991110001"))
    inbound = ConversationMessage.objects.get(direction=Direction.USER)
    assert inbound.processed_at is not None and inbound.intent == "ask_insurance"
    bot = ConversationMessage.objects.get(direction=Direction.BOT)
    assert bot.delivery_status == DeliveryStatus.SENT and bot.gateway_message_id.startswith("meta:wamid.FAKE")
    assert GatewayCallLog.objects.filter(gateway="meta", ok=True).count() == 1


def test_a_redelivered_webhook_is_answered_once(api):
    payload = meta_text_webhook(
        phone="5519991110002", text="oi", message_id="wamid.DUP", timestamp=int(time.time())
    )
    for _ in range(3):
        assert post(Client(), payload).status_code == 200
    assert len(api.texts_to("5519991110002")) == 1
    assert ConversationMessage.objects.filter(direction=Direction.USER).count() == 1


def test_an_old_meta_message_is_still_answered(api):
    payload = meta_text_webhook(
        phone="5519991110003", text="oi", message_id="wamid.OLD", timestamp=int(time.time()) - 3 * 86400
    )
    assert post(Client(), payload).status_code == 200
    assert len(api.texts_to("5519991110003")) == 1


def test_bad_signature_is_401_and_stores_nothing(api):
    payload = meta_text_webhook(
        phone="5519991110004", text="oi", message_id="wamid.B1", timestamp=int(time.time())
    )
    response = post(Client(), payload, secret="wrong")
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert not ConversationMessage.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"entry": 5}', b'"x"'])
def test_malformed_bodies_get_400_not_500(api, body):
    response = post(Client(), body)
    assert response.status_code in (400, 200)
    assert response.status_code != 500
    assert response["Content-Type"].startswith("application/json")


def test_a_status_update_moves_delivery_forward_only(api):
    post(
        Client(),
        meta_text_webhook(
            phone="5519991110005", text="oi", message_id="wamid.S1", timestamp=int(time.time())
        ),
    )
    bot = ConversationMessage.objects.get(direction=Direction.BOT)
    wamid = bot.gateway_message_id.split(":", 1)[1]

    def status(value: str) -> dict:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "W",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "PNID-1"},
                                "statuses": [
                                    {
                                        "id": wamid,
                                        "status": value,
                                        "timestamp": str(int(time.time())),
                                        "recipient_id": "5519991110005",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }

    post(Client(), status("read"))
    post(Client(), status("delivered"))  # late and out of order: ignored
    bot.refresh_from_db()
    assert bot.delivery_status == DeliveryStatus.READ
    assert (
        not ConversationMessage.objects.filter(direction=Direction.USER, session__phone="5519991110005")
        .exclude(processed_at=None)
        .count()
        > 1
    )


def test_a_huge_message_gets_a_reply_and_is_stored_truncated(api):
    payload = meta_text_webhook(
        phone="5519991110006", text="🙂" * 200_000, message_id="wamid.BIG", timestamp=int(time.time())
    )
    assert post(Client(), payload).status_code == 200
    assert len(api.texts_to("5519991110006")) >= 1
