"""Z-API, like Evolution, ignores messages older than its age limit (history replayed after a reconnect)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from clinicbot.conversations.models import ConversationMessage
from clinicbot.testing import load_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zapi(settings):
    settings.ZAPI_INSTANCE_ID = "I1"
    settings.ZAPI_TOKEN = "t"
    settings.ZAPI_CLIENT_TOKEN = "c"
    settings.ZAPI_WEBHOOK_SECRET = "path-secret"
    settings.ZAPI_BASE_URL = "http://127.0.0.1:9"  # replies are not the point here
    load_clinic()


def deliver(message_id: str, age_seconds: int) -> dict:
    body = {
        "instanceId": "I1",
        "type": "ReceivedCallback",
        "phone": "5511999990031",
        "messageId": message_id,
        "momment": int((time.time() - age_seconds) * 1000),
        "text": {"message": "oi"},
    }
    response = Client().post("/webhooks/zapi/path-secret/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    return response.json()


def test_a_replayed_hour_old_message_is_acknowledged_and_ignored_by_default():
    assert deliver("old-1", age_seconds=3600) == {
        "ok": True,
        "messages": 0,
        "statuses": 0,
        "ignored": 1,
        "rejected": 0,
    }
    assert deliver("new-1", age_seconds=5)["messages"] == 1
    assert list(
        ConversationMessage.objects.filter(direction="user").values_list("gateway_message_id", flat=True)
    ) == ["zapi:new-1"]


def test_the_age_limit_is_a_setting(settings):
    settings.ZAPI_MAX_AGE_SECONDS = 0  # off: every message counts
    assert deliver("old-2", age_seconds=3600)["messages"] == 1
