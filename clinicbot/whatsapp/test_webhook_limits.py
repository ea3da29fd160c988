"""The webhook auth-failure limiter: an address that guessed wrong too often gets 429 even for the right secret."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
RIGHT = "zapi-path-secret-of-the-clinic"
BODY = json.dumps({"instanceId": "I1", "type": "DeliveryCallback"})


@pytest.fixture(autouse=True)
def zapi(settings):
    settings.WEBHOOK_AUTH_FAILURES_PER_10_MIN = 3
    settings.ZAPI_INSTANCE_ID = "I1"
    settings.ZAPI_TOKEN = "t"
    settings.ZAPI_CLIENT_TOKEN = "c"
    settings.ZAPI_WEBHOOK_SECRET = RIGHT
    settings.META_APP_SECRET = "app-secret"
    settings.META_VERIFY_TOKEN = "verify-me"
    settings.META_ACCESS_TOKEN = "token"
    settings.META_PHONE_NUMBER_ID = "123"


def zapi_post(client: Client, secret: str, **extra: str) -> int:
    return client.post(
        f"/webhooks/zapi/{secret}/", BODY, content_type="application/json", **extra
    ).status_code


def test_after_too_many_wrong_guesses_even_the_right_path_secret_gets_429():
    guesser = Client(REMOTE_ADDR="203.0.113.50")
    assert [zapi_post(guesser, f"guess-{n}") for n in range(4)] == [401, 401, 401, 429]

    # The guess that happens to be right is not confirmed to this address.
    assert zapi_post(guesser, RIGHT) == 429
    # Z-API itself, from its own address, is served as usual.
    assert zapi_post(Client(REMOTE_ADDR="198.51.100.20"), RIGHT) == 200


def test_the_meta_handshake_is_limited_the_same_way():
    guesser = Client(REMOTE_ADDR="203.0.113.51")
    params = {"hub.mode": "subscribe", "hub.challenge": "42"}
    codes = [
        guesser.get("/webhooks/meta/", {**params, "hub.verify_token": f"g{n}"}).status_code for n in range(4)
    ]
    assert codes == [403, 403, 403, 429]
    assert guesser.get("/webhooks/meta/", {**params, "hub.verify_token": "verify-me"}).status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(4):
        zapi_post(proxy, f"guess-{n}", HTTP_X_FORWARDED_FOR="203.0.113.52")
    assert zapi_post(proxy, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.52") == 429
    # The gateway's deliveries through the same proxy are not caught by the guesser's lockout.
    assert zapi_post(proxy, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.21") == 200
