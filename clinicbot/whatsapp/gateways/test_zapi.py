"""ZapiGateway: URL-secret auth, instance check, ignore rules, statuses, sending (no database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import httpx
import pytest
import respx

from ._testkit import ODD_BODIES, RecordingServer, fixture_bytes, load_fixture, make_request, mutations
from .base import GatewayError, OutboundChoice, ParsedWebhook, WebhookAuthError, WebhookPayloadError
from .zapi import ZapiGateway

BASE = "https://zapi.test"
INSTANCE = "3C9F1A2B4D5E6F708192A3B4C5D6E7F8"
TOKEN = "F1E2D3C4B5A6978877665544"
SEND_URL = f"{BASE}/instances/{INSTANCE}/token/{TOKEN}/send-text"
PATH_SECRET = "k7Qv2mX9pL4rT8wZ1nB6yH3sD5fG0jAe"
PATIENT = "5511987654321"
SENT_AT = dt.datetime.fromtimestamp(1760000000, tz=dt.UTC)


def gateway(*, client: httpx.Client | None = None, base_url: str = BASE, **kwargs: Any) -> ZapiGateway:
    return ZapiGateway(
        base_url=base_url,
        instance_id=INSTANCE,
        token=TOKEN,
        client_token="client-security-token",
        path_secret=PATH_SECRET,
        client=client,
        **kwargs,
    )


def parse(source: str | dict, **kwargs: Any) -> ParsedWebhook:
    body = fixture_bytes(source) if isinstance(source, str) else json.dumps(source).encode()
    return gateway(**kwargs).parse(make_request(body, path_secret=PATH_SECRET))


# ---------------------------------------------------------------------------- verification
def test_right_path_secret_and_instance_are_accepted() -> None:
    gateway().verify(make_request(fixture_bytes("zapi_text"), path_secret=PATH_SECRET))


@pytest.mark.parametrize("secret", ["", "wrong", PATH_SECRET[:-1], PATH_SECRET + "x", "ü" * 8])
def test_wrong_or_missing_path_secret_is_rejected(secret: str) -> None:
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(fixture_bytes("zapi_text"), path_secret=secret))


def test_other_or_missing_instance_is_rejected() -> None:
    payload = load_fixture("zapi_text")
    payload["instanceId"] = "OTHERINSTANCE"
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(payload, path_secret=PATH_SECRET))
    del payload["instanceId"]
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(payload, path_secret=PATH_SECRET))


def test_without_configured_secret_nothing_verifies() -> None:
    gw = ZapiGateway(instance_id=INSTANCE, token=TOKEN, client_token="c", path_secret="")
    with pytest.raises(WebhookAuthError):
        gw.verify(make_request(fixture_bytes("zapi_text"), path_secret=""))


def test_verify_never_raises_anything_but_auth_errors_on_odd_bodies() -> None:
    for body in ODD_BODIES:
        with contextlib.suppress(WebhookAuthError):
            gateway().verify(make_request(body, path_secret=PATH_SECRET))


# ---------------------------------------------------------------------------- parsing
def test_text_message() -> None:
    parsed = parse("zapi_text")
    (m,) = parsed.messages
    assert (m.gateway_id, m.conversation_key, m.phone) == ("3EB0C431C26A1916AA01", PATIENT, PATIENT)
    assert (m.kind, m.text, m.contact_name) == (
        "text",
        "Bom dia, tem horário para dermatologista?",
        "Márcia Souza",
    )
    assert m.timestamp == SENT_AT  # "momment" is in milliseconds
    assert parsed.ignored == 0


@pytest.mark.parametrize(
    ("fixture", "text", "choice_id"),
    [
        ("zapi_buttons_response", "Confirmar", "confirm_42"),
        ("zapi_list_response", "09:00", "slot_0900"),  # type spelled "ReceivedCallBack"
    ],
)
def test_choices(fixture: str, text: str, choice_id: str) -> None:
    (m,) = parse(fixture).messages
    assert (m.kind, m.text, m.choice_id) == ("choice", text, choice_id)


def test_media_and_unsupported_and_reaction() -> None:
    (m,) = parse("zapi_audio").messages
    assert (m.kind, m.text) == ("audio", "")
    assert m.media is not None
    assert (m.media.source, m.media.mime, m.media.voice, m.media.seconds) == (
        {"url": "https://storage.z-api.io/x.ogg"},
        "audio/ogg; codecs=opus",
        True,
        7,
    )
    payload = load_fixture("zapi_text")
    del payload["text"]
    payload["poll"] = {"question": "?"}
    (m,) = parse(payload).messages
    assert (m.kind, m.text) == ("unsupported", "")
    del payload["poll"]
    payload["reaction"] = {"value": "👍", "referencedMessage": {"messageId": "3EB0OUTZ0001"}}
    assert parse(payload).ignored == 1


def test_lid_only_chat_uses_the_chat_lid() -> None:
    payload = load_fixture("zapi_text")
    payload["phone"] = ""
    (m,) = parse(payload).messages
    assert (m.conversation_key, m.phone) == ("81896604192873@lid", "")
    payload["phone"] = "81896604192873@lid"
    (m,) = parse(payload).messages
    assert (m.conversation_key, m.phone) == ("81896604192873@lid", "")


def test_group_message_is_ignored() -> None:
    parsed = parse("zapi_group")
    assert parsed.messages == [] and parsed.ignored == 1
    payload = load_fixture("zapi_group")
    payload["isGroup"] = False  # the "-group" phone suffix alone is enough
    assert parse(payload).messages == []


@pytest.mark.parametrize(
    "flag", ["fromMe", "isNewsletter", "broadcast", "isStatusReply", "waitingMessage", "isEdit"]
)
def test_ignore_flags(flag: str) -> None:
    payload = load_fixture("zapi_text")
    payload[flag] = True
    parsed = parse(payload)
    assert parsed.messages == [] and parsed.ignored == 1


def test_system_notification_is_ignored() -> None:
    payload = load_fixture("zapi_text")
    del payload["text"]
    payload["notification"] = "CALL_MISSED_VOICE"
    assert parse(payload).messages == []


def test_age_filter_is_off_by_default_and_optional() -> None:
    now = SENT_AT + dt.timedelta(days=2)
    assert parse("zapi_text", clock=lambda: now).messages
    late = parse("zapi_text", clock=lambda: now, max_age_seconds=600)
    assert late.messages == [] and late.ignored == 1


def test_message_status_callback() -> None:
    parsed = parse("zapi_status")
    assert [(s.gateway_id, s.status) for s in parsed.statuses] == [
        ("3EB0OUTZ0001", "read"),
        ("3EB0OUTZ0002", "read"),
    ]
    assert parsed.statuses[0].timestamp == dt.datetime.fromtimestamp(1760000100, tz=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("SENT", "sent"), ("RECEIVED", "delivered"), ("PLAYED", "read"), ("READ_BY_ME", None)],
)
def test_status_mapping(raw: str, expected: str | None) -> None:
    payload = load_fixture("zapi_status")
    payload["status"] = raw
    parsed = parse(payload)
    if expected is None:
        assert parsed.statuses == [] and parsed.ignored == 1  # our own read receipt
    else:
        assert {s.status for s in parsed.statuses} == {expected}


def test_delivery_callback_is_ignored() -> None:
    parsed = parse("zapi_delivery")
    assert parsed.messages == [] and parsed.statuses == [] and parsed.ignored == 1


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_raise_only_payload_errors(body: bytes) -> None:
    try:
        result = gateway().parse(make_request(body, path_secret=PATH_SECRET))
    except WebhookPayloadError:
        return
    assert result.messages == [] and result.statuses == []


@pytest.mark.parametrize("fixture", ["zapi_text", "zapi_list_response", "zapi_status", "zapi_audio"])
def test_fuzzed_fixtures_raise_only_payload_errors(fixture: str) -> None:
    for mutated in mutations(load_fixture(fixture), count=150, seed=len(fixture)):
        with contextlib.suppress(WebhookPayloadError):
            gateway().parse(make_request(mutated, path_secret=PATH_SECRET))


def test_missing_message_id_or_moment_is_malformed() -> None:
    for field in ("messageId", "momment"):
        payload = load_fixture("zapi_text")
        del payload[field]
        with pytest.raises(WebhookPayloadError):
            parse(payload)


# ---------------------------------------------------------------------------- sending
@respx.mock
def test_send_text_posts_phone_and_message_with_client_token() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("zapi_send_ok")))
    with httpx.Client() as client:
        assert gateway(client=client).send_text(PATIENT, "Olá!") == "7EB0F01A5ED3E1E8F4C2"
    request = route.calls.last.request
    assert request.headers["client-token"] == "client-security-token"
    assert json.loads(request.content) == {"phone": PATIENT, "message": "Olá!"}


@respx.mock
def test_zaap_id_is_used_when_message_id_is_missing() -> None:
    respx.post(SEND_URL).mock(return_value=httpx.Response(200, json={"zaapId": "39BB16"}))
    with httpx.Client() as client:
        assert gateway(client=client).send_text(PATIENT, "Olá!") == "39BB16"


@respx.mock
def test_choices_are_sent_as_numbered_text() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("zapi_send_ok")))
    choices = [OutboundChoice("slot_0900", "09:00"), OutboundChoice("slot_1000", "10:00")]
    with httpx.Client() as client:
        gateway(client=client).send_choices(PATIENT, "Escolha um horário", choices)
    assert (
        json.loads(route.calls.last.request.content)["message"] == "Escolha um horário\n\n1. 09:00\n2. 10:00"
    )


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (400, {"error": "null not allowed"}, True, "http_400"),
        (401, {"error": "your client-token is not configured"}, True, "http_401"),
        (404, {"error": "Instance not found"}, True, "http_404"),
        (429, {}, False, "rate_limited"),
        (500, {}, False, "http_500"),
        (200, {"error": "something odd"}, True, "bad_response"),
    ],
)
@respx.mock
def test_error_mapping(status: int, body: dict, permanent: bool, code: str) -> None:
    respx.post(SEND_URL).mock(return_value=httpx.Response(status, json=body))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client=client).send_text(PATIENT, "Olá")
    assert (info.value.permanent, info.value.code, info.value.status_code) == (permanent, code, status)
    assert TOKEN not in str(info.value)  # the URL holds the token: never in error messages


@respx.mock
def test_network_error_is_transient_and_does_not_leak_the_token() -> None:
    respx.post(SEND_URL).mock(side_effect=httpx.ConnectError(f"cannot reach {SEND_URL}"))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client=client).send_text(PATIENT, "Olá")
    assert info.value.permanent is False and TOKEN not in str(info.value)


def test_send_through_a_real_local_http_server(gateway_server: RecordingServer) -> None:
    gateway_server.reply_body = load_fixture("zapi_send_ok")
    gw = gateway(base_url=gateway_server.url)
    assert gw.send_text(PATIENT, "Sua consulta está confirmada.") == "7EB0F01A5ED3E1E8F4C2"
    (request,) = gateway_server.requests
    assert request["path"] == f"/instances/{INSTANCE}/token/{TOKEN}/send-text"
    assert request["headers"]["client-token"] == "client-security-token"
    assert request["json"] == {"phone": PATIENT, "message": "Sua consulta está confirmada."}


# ----------------------------------------------------------------------------- media URLs
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x.ogg",  # this machine
        "https://10.0.0.5/x.ogg",  # the clinic's network
        "https://192.168.1.20:8443/x.ogg",
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]/x.ogg",
        "http://8.8.8.8/x.ogg",  # public, but not HTTPS
        "file:///etc/passwd",
        "https:///nohost.ogg",
    ],
)
def test_an_audio_url_into_a_private_network_or_without_https_is_refused(url):
    from clinicbot.whatsapp.gateways.media import media_url_allowed

    assert not media_url_allowed(url)


def test_an_audio_url_on_a_public_https_address_or_a_listed_host_is_fetched():
    from clinicbot.whatsapp.gateways.media import media_url_allowed

    assert media_url_allowed("https://8.8.8.8/x.ogg")
    assert media_url_allowed("http://127.0.0.1:9000/x.ogg", ("127.0.0.1",))
