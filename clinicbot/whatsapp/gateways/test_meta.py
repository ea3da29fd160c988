"""MetaGateway: handshake, signature, parsing, sending and error mapping (no database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json

import httpx
import pytest
import respx

from ._testkit import ODD_BODIES, RecordingServer, fixture_bytes, load_fixture, make_request, mutations
from .base import GatewayError, OutboundChoice, ParsedWebhook, WebhookAuthError, WebhookPayloadError
from .meta import MetaGateway

SECRET = "meta-app-secret-for-tests"
API = "https://graph.test"
SEND_URL = f"{API}/v21.0/109876543210001/messages"
PATIENT = "5511987654321"


def gateway(client: httpx.Client | None = None, api_base: str = API) -> MetaGateway:
    return MetaGateway(
        app_secret=SECRET,
        verify_token="verify-me",
        access_token="EAAG-test-token",
        phone_number_id="109876543210001",
        api_base=api_base,
        client=client,
    )


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def parse(source: str | dict) -> ParsedWebhook:
    """Parse a fixture (by name, raw bytes) or a payload dict."""
    body = fixture_bytes(source) if isinstance(source, str) else json.dumps(source).encode()
    return gateway().parse(make_request(body))


# ---------------------------------------------------------------------------- handshake
def test_handshake_returns_the_challenge_for_the_right_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert gateway().handshake(make_request(b"", method="GET", query=query)) == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me"},
        {},
    ],
)
def test_handshake_fails_without_mode_token_and_challenge(query: dict[str, str]) -> None:
    assert gateway().handshake(make_request(b"", method="GET", query=query)) is None


# ---------------------------------------------------------------------------- signature
def test_valid_signature_over_the_raw_escaped_body_is_accepted() -> None:
    body = fixture_bytes("meta_text")
    assert b"\\u" in body  # the accents/emoji are \\u-escaped, as Meta signs them
    gateway().verify(make_request(body, headers=signed(body)))


def test_reserialised_body_breaks_the_signature() -> None:
    """Signing must use the raw bytes: re-encoding the JSON (unescaped accents) changes them."""
    body = fixture_bytes("meta_text")
    reencoded = json.dumps(json.loads(body), ensure_ascii=False).encode()
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(body, headers=signed(reencoded)))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": "sha256="},
        {"X-Hub-Signature-256": "sha1=abcdef"},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha256=not-hex-ü"},
    ],
)
def test_bad_or_missing_signature_is_rejected(headers: dict[str, str]) -> None:
    body = fixture_bytes("meta_text")
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(body, headers=headers))


def test_signature_with_another_secret_or_tampered_body_is_rejected() -> None:
    body = fixture_bytes("meta_text")
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(body, headers=signed(body, "other-secret")))
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(body + b" ", headers=signed(body)))


def test_uppercase_hex_signature_is_accepted() -> None:
    body = fixture_bytes("meta_text")
    header = signed(body)["X-Hub-Signature-256"]
    gateway().verify(make_request(body, headers={"X-Hub-Signature-256": "sha256=" + header[7:].upper()}))


def test_without_app_secret_nothing_verifies() -> None:
    body = fixture_bytes("meta_text")
    gw = MetaGateway(app_secret="", verify_token="v", access_token="t", phone_number_id="1")
    with pytest.raises(WebhookAuthError):
        gw.verify(make_request(body, headers=signed(body, "")))


# ---------------------------------------------------------------------------- parsing
def test_text_message() -> None:
    parsed = parse("meta_text")
    (m,) = parsed.messages
    assert m.gateway_id.startswith("wamid.HBgN")
    assert (m.conversation_key, m.phone, m.kind, m.choice_id) == (PATIENT, PATIENT, "text", "")
    assert m.text == "Olá, quero marcar uma consulta de cardiologia amanhã às 9h 😊"
    assert m.contact_name == "Márcia Souza"
    assert m.timestamp == dt.datetime(2025, 10, 9, 8, 53, 20, tzinfo=dt.UTC)
    assert parsed.statuses == [] and parsed.ignored == 0


def test_old_meta_message_is_not_dropped() -> None:
    """Meta redelivers for days; dedup by wamid handles replays, age must not drop messages."""
    payload = load_fixture("meta_text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "946684800"  # year 2000
    (m,) = parse(payload).messages
    assert m.timestamp.year == 2000


@pytest.mark.parametrize(
    ("fixture", "text", "choice_id"),
    [
        ("meta_button_reply", "Confirmar", "confirm_appt_42"),
        ("meta_list_reply", "09:00", "slot_0900"),
        ("meta_template_button", "Confirmar", "CONFIRM"),
    ],
)
def test_choices(fixture: str, text: str, choice_id: str) -> None:
    (m,) = parse(fixture).messages
    assert (m.kind, m.text, m.choice_id) == ("choice", text, choice_id)


def test_media_and_unsupported_kinds_reactions_ignored() -> None:
    parsed = parse("meta_media")
    kinds = {m.gateway_id: (m.kind, m.text) for m in parsed.messages}
    assert kinds == {
        "wamid.IMG0001": ("media", ""),
        "wamid.AUD0001": ("audio", ""),
        "wamid.LOC0001": ("media", ""),
        "wamid.STK0001": ("media", ""),
        "wamid.UNS0001": ("unsupported", ""),
    }
    assert parsed.ignored == 1  # the reaction
    (audio,) = [m for m in parsed.messages if m.kind == "audio"]
    assert audio.media is not None
    assert (audio.media.source, audio.media.mime, audio.media.voice, audio.media.seconds) == (
        {"id": "1234567891"},
        "audio/ogg; codecs=opus",
        True,
        None,  # Meta declares no duration: it is measured after the download
    )
    assert all(m.media is None for m in parsed.messages if m.kind != "audio")


def test_group_message_is_ignored() -> None:
    parsed = parse("meta_group")
    assert parsed.messages == [] and parsed.ignored == 1


def test_business_app_echoes_are_ignored() -> None:
    parsed = parse("meta_echo")
    assert parsed.messages == [] and parsed.ignored == 1


def test_account_level_errors_are_ignored() -> None:
    parsed = parse("meta_account_error")
    assert parsed.messages == [] and parsed.statuses == [] and parsed.ignored == 1


def test_statuses_including_failed_with_error() -> None:
    parsed = parse("meta_statuses")
    assert [(s.gateway_id, s.status) for s in parsed.statuses] == [
        ("wamid.OUT0001", "sent"),
        ("wamid.OUT0001", "delivered"),
        ("wamid.OUT0001", "read"),
        ("wamid.OUT0002", "failed"),
    ]
    failed = parsed.statuses[-1]
    assert failed.error == "131047 Re-engagement message"
    assert failed.timestamp == dt.datetime.fromtimestamp(1760000103, tz=dt.UTC)
    assert all(s.error == "" for s in parsed.statuses[:-1])


def test_batch_with_several_entries_and_changes() -> None:
    text, status = load_fixture("meta_text"), load_fixture("meta_statuses")
    text["entry"].append(status["entry"][0])
    text["entry"][0]["changes"].append(load_fixture("meta_list_reply")["entry"][0]["changes"][0])
    parsed = parse(text)
    assert [m.kind for m in parsed.messages] == ["text", "choice"]
    assert len(parsed.statuses) == 4


def test_wa_id_from_contacts_when_from_is_missing() -> None:
    payload = load_fixture("meta_text")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    (m,) = parse(payload).messages
    assert m.conversation_key == PATIENT and m.phone == PATIENT


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_raise_only_payload_errors(body: bytes) -> None:
    try:
        result = gateway().parse(make_request(body))
    except WebhookPayloadError:
        return
    assert result.messages == [] and result.statuses == []  # e.g. {} is a valid, empty batch


@pytest.mark.parametrize("fixture", ["meta_text", "meta_media", "meta_statuses", "meta_list_reply"])
def test_fuzzed_fixtures_raise_only_payload_errors(fixture: str) -> None:
    for mutated in mutations(load_fixture(fixture), count=150, seed=len(fixture)):
        with contextlib.suppress(WebhookPayloadError):
            gateway().parse(make_request(mutated))


def test_message_without_id_is_malformed() -> None:
    payload = load_fixture("meta_text")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    with pytest.raises(WebhookPayloadError):
        parse(payload)


# ---------------------------------------------------------------------------- sending
def sent_json(route: respx.Route) -> dict:
    return json.loads(route.calls.last.request.content)


@respx.mock
def test_send_text_posts_to_the_graph_api_with_bearer_token() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    with httpx.Client() as client:
        assert gateway(client).send_text(PATIENT, "Olá!") == "wamid.SENT0001"
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer EAAG-test-token"
    assert sent_json(route) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": PATIENT,
        "type": "text",
        "text": {"preview_url": False, "body": "Olá!"},
    }


@respx.mock
def test_up_to_three_short_choices_become_reply_buttons() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    choices = [OutboundChoice("confirm_42", "Confirmar"), OutboundChoice("resched_42", "Remarcar")]
    with httpx.Client() as client:
        gateway(client).send_choices(PATIENT, "Confirma sua consulta amanhã às 9h?", choices)
    body = sent_json(route)
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Confirma sua consulta amanhã às 9h?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "confirm_42", "title": "Confirmar"}},
                {"type": "reply", "reply": {"id": "resched_42", "title": "Remarcar"}},
            ]
        },
    }


@respx.mock
def test_more_choices_or_long_titles_become_a_list() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    choices = [OutboundChoice(str(i), f"Seg 12/05 {8 + i}:00", "Dra. Lima") for i in range(1, 6)]
    with httpx.Client() as client:
        gateway(client).send_choices(PATIENT, "Escolha um horário", choices, button="Ver horários")
    interactive = sent_json(route)["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Ver horários"
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows[0] == {"id": "1", "title": "Seg 12/05 9:00", "description": "Dra. Lima"}
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("choices", "button"),
    [
        ([OutboundChoice(str(i), f"Opção {i}") for i in range(1, 12)], "Opções"),  # 11 rows
        ([OutboundChoice("1", "x" * 25)], "Opções"),  # row title > 24
        ([OutboundChoice("1", "a" * 21), OutboundChoice("2", "b", "d" * 73)], "Opções"),  # description > 72
        ([OutboundChoice("1", "a" * 21)], "Um rótulo longo demais!"),  # button label > 20
    ],
)
@respx.mock
def test_past_meta_limits_choices_fall_back_to_numbered_text(
    choices: list[OutboundChoice], button: str
) -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    with httpx.Client() as client:
        gateway(client).send_choices(PATIENT, "Escolha:", choices, button=button)
    body = sent_json(route)
    assert body["type"] == "text"
    assert body["text"]["body"].startswith("Escolha:\n\n1. ")
    assert f"{len(choices)}. {choices[-1].title}" in body["text"]["body"]


@respx.mock
def test_numbered_fallback_does_not_repeat_options_already_in_the_text() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    choices = [OutboundChoice(str(i), f"Opção {i}") for i in range(1, 12)]
    text = "Escolha:\n" + "\n".join(f"{i}. Opção {i}" for i in range(1, 12))
    with httpx.Client() as client:
        gateway(client).send_choices(PATIENT, text, choices)
    assert sent_json(route)["text"]["body"] == text


@respx.mock
def test_send_template_with_body_parameters() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json=load_fixture("meta_send_ok")))
    with httpx.Client() as client:
        gateway(client).send_template(PATIENT, "appointment_reminder", "pt_BR", ["Márcia", "12/05 09:00"])
    assert sent_json(route)["template"] == {
        "name": "appointment_reminder",
        "language": {"code": "pt_BR"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Márcia"}, {"type": "text", "text": "12/05 09:00"}],
            }
        ],
    }


def graph_error(code: int, message: str = "error") -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Abc"}}


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (429, graph_error(130429, "Rate limit hit"), False, "rate_limited"),
        (400, graph_error(131056, "Pair rate limit hit"), False, "rate_limited"),
        (400, graph_error(4, "Application request limit reached"), False, "rate_limited"),
        (400, graph_error(80007, "Rate limit issues"), False, "rate_limited"),
        (503, graph_error(131000, "Something went wrong"), False, "131000"),
        (500, {}, False, "http_500"),
        (502, {"not": "graph"}, False, "http_502"),
        (429, {}, False, "rate_limited"),
        (400, graph_error(131026, "Message undeliverable"), True, "not_on_whatsapp"),
        (400, graph_error(131047, "Re-engagement message"), True, "outside_window"),
        (400, graph_error(100, "Invalid parameter"), True, "invalid_param"),
        (401, graph_error(190, "Error validating access token"), True, "auth"),
        (404, {}, True, "http_404"),
    ],
)
@respx.mock
def test_error_mapping(status: int, body: dict, permanent: bool, code: str) -> None:
    respx.post(SEND_URL).mock(return_value=httpx.Response(status, json=body))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client).send_text(PATIENT, "Olá")
    assert (info.value.permanent, info.value.code, info.value.status_code) == (permanent, code, status)


@respx.mock
def test_network_errors_are_transient() -> None:
    respx.post(SEND_URL).mock(side_effect=httpx.ConnectError("refused"))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client).send_text(PATIENT, "Olá")
    assert info.value.permanent is False and info.value.code == "network"
    respx.post(SEND_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client).send_text(PATIENT, "Olá")
    assert info.value.permanent is False and info.value.code == "timeout"


@respx.mock
def test_success_without_message_id_is_not_retried() -> None:
    respx.post(SEND_URL).mock(return_value=httpx.Response(200, json={"messaging_product": "whatsapp"}))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client).send_text(PATIENT, "Olá")
    assert info.value.permanent is True and info.value.code == "bad_response"


def test_send_through_a_real_local_http_server(gateway_server: RecordingServer) -> None:
    gateway_server.reply_body = load_fixture("meta_send_ok")
    gw = gateway(api_base=gateway_server.url)  # no injected client: the real default path
    assert gw.send_text(PATIENT, "Olá, Márcia!") == "wamid.SENT0001"
    (request,) = gateway_server.requests
    assert request["path"] == "/v21.0/109876543210001/messages"
    assert request["headers"]["authorization"] == "Bearer EAAG-test-token"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"]["text"]["body"] == "Olá, Márcia!" and request["json"]["to"] == PATIENT
