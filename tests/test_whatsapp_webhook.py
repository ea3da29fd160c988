"""Meta webhooks end to end in one process: signature, durable storage, dedup, replies over real HTTP.

Tasks run eagerly here; tests/test_worker.py runs the same flow on a real Celery worker.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.core.models import GatewayCallLog
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import (
    meta_cloud_api,
    meta_signature,
    meta_text_webhook,
)
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import outbox_send

SECRET = "test-app-secret"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with (
        meta_cloud_api(
            secret=SECRET,
            CELERY_TASK_ALWAYS_EAGER=True,
        ) as server,
    ):
        load_clinic()
        yield server


def post(client: Client, payload: dict | bytes, *, secret: str = SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/webhooks/meta/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, secret),
    )


def test_handshake_echoes_the_challenge_only_with_the_right_token(api):
    c = Client()
    ok = c.get(
        "/webhooks/meta/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1234"},
    )
    assert ok.status_code == 200 and ok.content == b"1234"
    bad = c.get(
        "/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1234"}
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


def meta_message(phone: str, message: dict) -> dict:
    body = meta_text_webhook(phone=phone, text="x", message_id=message["id"], timestamp=int(time.time()))
    body["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": phone, "timestamp": str(int(time.time())), **message}
    ]
    return body


@pytest.mark.parametrize(
    "message",
    [
        {
            "id": "wamid.AUD",
            "type": "audio",
            "audio": {"id": "m1", "mime_type": "audio/ogg; codecs=opus", "voice": True},
        },
        {"id": "wamid.IMG", "type": "image", "image": {"id": "m2", "mime_type": "image/jpeg"}},
        {"id": "wamid.DOC", "type": "document", "document": {"id": "m3", "filename": "exame.pdf"}},
        {"id": "wamid.STK", "type": "sticker", "sticker": {"id": "m4", "mime_type": "image/webp"}},
        {"id": "wamid.LOC", "type": "location", "location": {"latitude": -23.5, "longitude": -46.6}},
        {"id": "wamid.CON", "type": "contacts", "contacts": [{"name": {"formatted_name": "Ana"}}]},
    ],
)
def test_non_text_messages_get_a_polite_reply_and_leave_the_state_alone(api, message):
    phone = "5519991110010"
    post(
        Client(),
        meta_text_webhook(
            phone=phone, text="quero marcar cardiologista", message_id="wamid.T0", timestamp=int(time.time())
        ),
    )
    state_before = ConversationMessage.objects.get(direction=Direction.USER).session.current_state
    assert post(Client(), meta_message(phone, message)).status_code == 200
    replies = api.texts_to(phone)
    assert "escrever" in replies[-1] or "texto" in replies[-1]
    session = ConversationMessage.objects.filter(direction=Direction.USER).last().session
    session.refresh_from_db()
    assert session.current_state == state_before
    assert ConversationMessage.objects.filter(direction=Direction.USER).count() == 2


def test_offered_times_go_as_an_interactive_list_and_the_pick_is_understood(api):
    phone = "5519991110011"
    post(
        Client(),
        meta_text_webhook(
            phone=phone,
            text="quero cardiologista pela unimed",
            message_id="wamid.I0",
            timestamp=int(time.time()),
        ),
    )
    interactive = [r["json"] for r in api.requests if r["json"].get("type") == "interactive"]
    assert interactive, "the offered times should be an interactive message"
    sent = interactive[-1]["interactive"]
    rows = (
        sent["action"]["sections"][0]["rows"]
        if sent["type"] == "list"
        else [b["reply"] for b in sent["action"]["buttons"]]
    )
    assert all(len(r["title"]) <= 24 for r in rows)
    pick = {
        "id": "wamid.I1",
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": rows[0]["id"], "title": rows[0]["title"]}},
    }
    assert post(Client(), meta_message(phone, pick)).status_code == 200
    assert "nome" in api.texts_to(phone)[-1].lower()


def test_outbound_is_retried_after_a_500_and_delivered_once(settings):
    with (
        meta_cloud_api(
            secret=SECRET,
            fail_first=1,
            CELERY_TASK_ALWAYS_EAGER=True,
        ) as server,
    ):
        load_clinic()
        body = meta_text_webhook(
            phone="5519991110012", text="oi", message_id="wamid.R1", timestamp=int(time.time())
        )
        post(Client(), body)
        bot = ConversationMessage.objects.get(direction=Direction.BOT)
        # The first call got a 503; the task retried (inline here) and the second went through.
        assert bot.delivery_status == DeliveryStatus.SENT and bot.attempts == 2
        # A late duplicate send finds nothing pending and sends nothing.
        assert outbox_send(gateway=gateway_from_settings(settings), session_id=bot.session_id).sent == 0
        assert len(server.texts_to("5519991110012")) == 1
        assert GatewayCallLog.objects.filter(ok=False).count() == 1


def test_a_phone_flooding_messages_gets_one_notice_then_silence(api, settings):
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    phone = "5519991110013"
    for i in range(6):
        body = meta_text_webhook(
            phone=phone, text=f"oi {i}", message_id=f"wamid.F{i}", timestamp=int(time.time())
        )
        response = post(Client(), body)
        assert response.status_code == 200, response.content
    texts = api.texts_to(phone)
    assert sum("muitas mensagens" in t for t in texts) == 1, texts
    assert len(texts) == 4  # three answers, one notice, then nothing


def test_repeated_failed_authentication_is_throttled(api, settings):
    settings.WEBHOOK_AUTH_FAILURES_PER_10_MIN = 3
    payload = meta_text_webhook(
        phone="5519991110014", text="oi", message_id="wamid.X", timestamp=int(time.time())
    )
    codes = [post(Client(), payload, secret="wrong").status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
