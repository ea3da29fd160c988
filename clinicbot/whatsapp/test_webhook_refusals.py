"""Signed Meta webhooks that must not be answered as they are, through the real webhook and Graph API double.

Another business number's messages and malformed senders are refused (200 for the batch,
counted, nothing stored); deletions are ignored; an edit is answered as the new text;
opening the chat for the first time gets the greeting.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.conversations.pipeline import NON_TEXT_REPLY
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api, meta_signature, meta_text_webhook

SECRET = "refusals-secret"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with meta_cloud_api(secret=SECRET, CELERY_TASK_ALWAYS_EAGER=True) as server:
        load_clinic()
        yield server


def post(payload: dict) -> dict:
    body = json.dumps(payload).encode()
    response = Client().post(
        "/webhooks/meta/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
    )
    assert response.status_code == 200, response.content
    return response.json()


def refused(reason: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "clinicbot_webhook_messages_rejected_total", {"gateway": "meta", "reason": reason}
        )
        or 0.0
    )


def webhook(phone: str, *messages: dict) -> dict:
    """A signed-able Meta body from ``phone`` with these messages (our number: PNID-1)."""
    body = meta_text_webhook(phone=phone, text="x", message_id="unused", timestamp=int(time.time()))
    body["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": phone, "timestamp": str(int(time.time())), **m} for m in messages
    ]
    return body


def text(message_id: str, body: str) -> dict:
    return {"id": message_id, "type": "text", "text": {"body": body}}


def test_a_message_for_another_business_number_is_counted_and_never_answered_from_ours(api):
    before = refused("other_number")
    payload = webhook("5519991130001", text("wamid.O1", "oi"))
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "PNID-OTHER"
    assert post(payload)["rejected"] == 1
    assert not ConversationSession.objects.exists() and not ConversationMessage.objects.exists()
    assert api.requests == []
    assert refused("other_number") == before + 1


def test_a_malformed_sender_is_refused_and_the_rest_of_the_batch_answered(api):
    before = refused("bad_sender")
    good = text("wamid.G1", "quais convenios vcs aceitam?")
    body = webhook("5519991130002", good)
    forged = body["entry"][0]["changes"][0]["value"]["messages"]
    forged.append({**forged[0], "id": "wamid.F1", "from": "<WHATSAPP_USER_PHONE_NUMBER>"})
    forged.append({**forged[0], "id": "wamid.F2", "from": "9" * 300})
    answer = post(body)
    assert (answer["messages"], answer["rejected"]) == (1, 2)
    assert list(ConversationSession.objects.values_list("phone", flat=True)) == ["5519991130002"]
    assert any("Cassi" in t for t in api.texts_to("5519991130002"))
    assert {r["json"]["to"] for r in api.requests} == {"5519991130002"}
    assert refused("bad_sender") == before + 2


def test_a_deleted_message_is_ignored(api):
    phone = "5519991130003"
    post(webhook(phone, text("wamid.D0", "quero marcar dermatologia")))
    answered = len(api.texts_to(phone))
    post(webhook(phone, {"id": "wamid.D1", "type": "revoke", "revoke": {"original_message_id": "wamid.D0"}}))
    assert len(api.texts_to(phone)) == answered
    assert ConversationMessage.objects.filter(direction=Direction.USER).count() == 1


def test_an_edited_message_is_answered_as_the_new_text(api):
    phone = "5519991130004"
    post(webhook(phone, text("wamid.E0", "quais exames vcs fazem?")))
    edit = {
        "id": "wamid.E1",
        "type": "edit",
        "edit": {
            "original_message_id": "wamid.E0",
            "message": {"type": "text", "text": {"body": "quais convenios vcs aceitam?"}},
        },
    }
    post(webhook(phone, edit))
    replies = api.texts_to(phone)
    assert "Cassi" in replies[-1] and NON_TEXT_REPLY not in replies


def test_an_edit_meta_delivers_as_unsupported_gets_no_reply(api):
    phone = "5519991130005"
    post(webhook(phone, text("wamid.U0", "oi")))
    answered = len(api.texts_to(phone))
    unsupported = {
        "id": "wamid.U1",
        "type": "unsupported",
        "errors": [{"code": 131051, "title": "Message type unknown"}],
        "unsupported": {"type": "edit"},
    }
    post(webhook(phone, unsupported))
    assert len(api.texts_to(phone)) == answered


def test_opening_the_chat_for_the_first_time_gets_the_greeting(api):
    phone = "5519991130006"
    post(webhook(phone, {"id": "wamid.W1", "type": "request_welcome"}))
    replies = api.texts_to(phone)
    assert replies and "Como posso ajudar?" in replies[0] and NON_TEXT_REPLY not in replies
