"""EvolutionGateway: secret/JWT auth, instance check, ignore rules, statuses, sending (no database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import httpx
import pytest
import respx

from ._jwt import sign_hs256
from ._testkit import ODD_BODIES, RecordingServer, fixture_bytes, load_fixture, make_request, mutations
from .base import GatewayError, OutboundChoice, ParsedWebhook, WebhookAuthError, WebhookPayloadError
from .evolution import EvolutionGateway

BASE = "https://evo.test"
SEND_URL = f"{BASE}/message/sendText/clinica-sp"
SECRET = "evo-webhook-secret-for-tests"
JWT_SECRET = "evo-jwt-key-for-tests"
PATIENT = "5511987654321"
SENT_AT = dt.datetime.fromtimestamp(1760000000, tz=dt.UTC)  # messageTimestamp of the fixtures
FRESH = SENT_AT + dt.timedelta(seconds=30)


def gateway(
    *, now: dt.datetime = FRESH, client: httpx.Client | None = None, base_url: str = BASE, **kwargs: Any
) -> EvolutionGateway:
    options: dict[str, Any] = {"webhook_secret": SECRET, "jwt_secret": JWT_SECRET, **kwargs}
    return EvolutionGateway(
        base_url=base_url,
        api_key="evo-api-key",
        instance="clinica-sp",
        client=client,
        clock=lambda: now,
        **options,
    )


def parse(source: str | dict, **kwargs: Any) -> ParsedWebhook:
    body = fixture_bytes(source) if isinstance(source, str) else json.dumps(source).encode()
    return gateway(**kwargs).parse(make_request(body))


def secret_headers() -> dict[str, str]:
    return {"X-Webhook-Secret": SECRET}


def bearer(claims: dict[str, Any], secret: str = JWT_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_hs256(claims, secret)}"}


def jwt_claims(exp_offset: int = 600) -> dict[str, Any]:
    now = int(FRESH.timestamp())
    return {"app": "evolution", "action": "webhook", "iat": now, "exp": now + exp_offset}


# ---------------------------------------------------------------------------- verification
def test_secret_header_is_accepted() -> None:
    gateway().verify(make_request(fixture_bytes("evolution_text"), headers=secret_headers()))


def test_configurable_secret_header_name() -> None:
    gw = gateway(secret_header="X-Clinic-Token")
    gw.verify(make_request(fixture_bytes("evolution_text"), headers={"X-Clinic-Token": SECRET}))
    with pytest.raises(WebhookAuthError):
        gw.verify(make_request(fixture_bytes("evolution_text"), headers=secret_headers()))


def test_valid_jwt_is_accepted_without_secret_header() -> None:
    gateway().verify(make_request(fixture_bytes("evolution_text"), headers=bearer(jwt_claims())))


@pytest.mark.parametrize(
    "claims",
    [
        {"app": "evolution"},  # no exp: once leaked, valid forever
        {"app": "evolution", "iat": int(FRESH.timestamp())},
        {**jwt_claims(), "exp": int(FRESH.timestamp()) + 10 * 365 * 86400},  # exp ten years ahead
        {**jwt_claims(), "iat": int(FRESH.timestamp()) - 30 * 86400},  # issued a month ago, still valid
    ],
)
def test_jwt_without_exp_or_with_an_unbounded_lifetime_is_rejected(claims: dict[str, Any]) -> None:
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(fixture_bytes("evolution_text"), headers=bearer(claims)))


def test_the_jwt_lifetime_bound_is_configurable() -> None:
    claims = {**jwt_claims(), "exp": int(FRESH.timestamp()) + 7200}
    gateway(jwt_max_lifetime_seconds=86400).verify(
        make_request(fixture_bytes("evolution_text"), headers=bearer(claims))
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Webhook-Secret": ""},
        {"X-Webhook-Secret": "wrong"},
        {"X-Webhook-Secret": SECRET + "x"},
        {"Authorization": f"Bearer {sign_hs256(jwt_claims(), 'other-key')}"},  # wrong key
        {"Authorization": f"Bearer {sign_hs256(jwt_claims(-3600), JWT_SECRET)}"},  # expired
        {"Authorization": f"Bearer {sign_hs256({'exp': 'never'}, JWT_SECRET)}"},  # exp not a number
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer a.b"},
        {"Authorization": "Bearer ü.ü.ü"},
        {"Authorization": f"Basic {sign_hs256(jwt_claims(), JWT_SECRET)}"},
        # alg "none" with an empty signature: the classic downgrade
        {"Authorization": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhcHAiOiJldm9sdXRpb24ifQ."},
    ],
)
def test_missing_or_bad_credentials_are_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(fixture_bytes("evolution_text"), headers=headers))


def test_tampered_jwt_signature_is_rejected() -> None:
    token = sign_hs256(jwt_claims(), JWT_SECRET)
    header, payload, signature = token.split(".")
    forged = sign_hs256({**jwt_claims(), "app": "other"}, "x").split(".")[1]
    with pytest.raises(WebhookAuthError):
        gateway().verify(
            make_request(
                fixture_bytes("evolution_text"),
                headers={"authorization": f"Bearer {header}.{forged}.{signature}"},
            )
        )


def test_other_instance_is_rejected_even_with_the_right_secret() -> None:
    payload = load_fixture("evolution_text")
    payload["instance"] = "outra-clinica"
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(payload, headers=secret_headers()))
    del payload["instance"]
    with pytest.raises(WebhookAuthError):
        gateway().verify(make_request(payload, headers=secret_headers()))


def test_no_secret_configured_means_nothing_verifies() -> None:
    gw = gateway(webhook_secret="", jwt_secret="")
    with pytest.raises(WebhookAuthError):
        gw.verify(make_request(fixture_bytes("evolution_text"), headers={"X-Webhook-Secret": ""}))


def test_malformed_authentic_body_is_left_to_parse() -> None:
    gw = gateway()
    gw.verify(make_request(b"not json", headers=secret_headers()))
    with pytest.raises(WebhookPayloadError):
        gw.parse(make_request(b"not json", headers=secret_headers()))


# ---------------------------------------------------------------------------- parsing
def test_text_message() -> None:
    parsed = parse("evolution_text")
    (m,) = parsed.messages
    assert (m.gateway_id, m.conversation_key, m.phone) == ("3EB0A1B2C3D4E5F60001", PATIENT, PATIENT)
    assert (m.kind, m.text, m.contact_name) == (
        "text",
        "Quero marcar consulta com a Dra. Lima",
        "Márcia Souza",
    )
    assert m.timestamp == SENT_AT
    assert parsed.ignored == 0


def test_extended_text_message_of_older_versions() -> None:
    (m,) = parse("evolution_extended_text").messages
    assert (m.kind, m.text) == ("text", "Pode ser às 10h?")


@pytest.mark.parametrize(
    ("fixture", "text", "choice_id"),
    [
        ("evolution_buttons_response", "Confirmar", "confirm_42"),
        ("evolution_list_response", "09:00", "slot_0900"),
    ],
)
def test_choices(fixture: str, text: str, choice_id: str) -> None:
    (m,) = parse(fixture).messages
    assert (m.kind, m.text, m.choice_id) == ("choice", text, choice_id)


def test_media_message() -> None:
    (m,) = parse("evolution_image").messages
    assert (m.kind, m.text, m.media) == ("media", "", None)


def _audio_payload(**extra: object) -> dict:
    payload = load_fixture("evolution_image")
    payload["data"]["message"] = {
        "audioMessage": {
            "mimetype": "audio/ogg; codecs=opus",
            "seconds": 7,
            "ptt": True,
            "url": "https://mmg.whatsapp.net/v/x.enc",
            "mediaKey": "a2V5",
            "contextInfo": {"big": "x" * 100},
        },
        **extra,
    }
    payload["data"]["messageType"] = "audioMessage"
    return payload


def test_a_voice_note_names_the_message_to_fetch_it_with_and_its_declared_length() -> None:
    (m,) = parse(_audio_payload()).messages
    assert (m.kind, m.text) == ("audio", "")
    assert m.media is not None and m.media.inline is None
    assert (m.media.mime, m.media.voice, m.media.seconds) == ("audio/ogg; codecs=opus", True, 7)
    sent = m.media.source["message"]
    assert sent["key"]["id"] == "3EB0A1B2C3D4E5F60005"
    assert sent["message"]["audioMessage"]["mediaKey"] == "a2V5"
    assert "contextInfo" not in sent["message"]["audioMessage"]  # what getBase64FromMediaMessage needs only


def test_a_voice_note_with_base64_in_the_webhook_carries_its_bytes() -> None:
    (m,) = parse(_audio_payload(base64="T2dnUwACAAAA")).messages
    assert m.media is not None and m.media.inline == b"OggS\x00\x02\x00\x00\x00"


def test_unknown_message_type_is_unsupported_and_reaction_ignored() -> None:
    payload = load_fixture("evolution_text")
    payload["data"]["message"] = {"pollCreationMessageV3": {"name": "?"}}
    (m,) = parse(payload).messages
    assert (m.kind, m.text) == ("unsupported", "")
    payload["data"]["message"] = {"reactionMessage": {"text": "👍", "key": {"id": "3EB0OUT0001"}}}
    assert parse(payload).ignored == 1


def test_lid_chat_keeps_the_lid_and_takes_the_phone_from_remote_jid_alt() -> None:
    (m,) = parse("evolution_lid").messages
    assert (m.conversation_key, m.phone) == ("81896604192873@lid", PATIENT)


def test_lid_chat_with_sender_pn_or_without_any_phone() -> None:
    payload = load_fixture("evolution_lid")
    key = payload["data"]["key"]
    key["remoteJidAlt"], key["senderPn"] = None, f"{PATIENT}@s.whatsapp.net"
    (m,) = parse(payload).messages
    assert m.phone == PATIENT
    del key["senderPn"]
    (m,) = parse(payload).messages
    assert (m.conversation_key, m.phone) == ("81896604192873@lid", "")


def test_data_may_be_a_list() -> None:
    parsed = parse("evolution_list_of_messages")
    assert [m.text for m in parsed.messages] == ["primeira", "segunda"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fromMe", True),
        ("remoteJid", "120363019502650977@g.us"),
        ("remoteJid", "status@broadcast"),
        ("remoteJid", "1234567890@broadcast"),
        ("remoteJid", "120363000000000000@newsletter"),
    ],
)
def test_ignore_rules(field: str, value: object) -> None:
    payload = load_fixture("evolution_text")
    payload["data"]["key"][field] = value
    parsed = parse(payload)
    assert parsed.messages == [] and parsed.ignored == 1


def test_history_set_is_ignored() -> None:
    parsed = parse("evolution_history_set")
    assert parsed.messages == [] and parsed.ignored == 1


def test_other_events_are_ignored() -> None:
    parsed = parse("evolution_connection_update")
    assert parsed.messages == [] and parsed.statuses == [] and parsed.ignored == 1
    payload = load_fixture("evolution_text")
    payload["event"] = "send.message"  # our own sends echoed back
    assert parse(payload).messages == []


def test_old_evolution_message_is_dropped_as_a_replay() -> None:
    assert parse("evolution_text", now=SENT_AT + dt.timedelta(seconds=599)).messages
    late = parse("evolution_text", now=SENT_AT + dt.timedelta(seconds=601))
    assert late.messages == [] and late.ignored == 1
    assert parse("evolution_text", now=SENT_AT + dt.timedelta(hours=1), max_age_seconds=7200).messages
    assert parse("evolution_text", now=SENT_AT + dt.timedelta(days=9), max_age_seconds=0).messages  # 0 = off


def test_event_name_in_upper_snake_case_and_string_or_long_timestamps() -> None:
    payload = load_fixture("evolution_text")
    payload["event"] = "MESSAGES_UPSERT"
    payload["data"]["messageTimestamp"] = "1760000000"
    assert parse(payload).messages[0].timestamp == SENT_AT
    payload["data"]["messageTimestamp"] = {"low": 1760000000, "high": 0, "unsigned": True}
    assert parse(payload).messages[0].timestamp == SENT_AT


def test_statuses() -> None:
    parsed = parse("evolution_statuses")
    assert [(s.gateway_id, s.status) for s in parsed.statuses] == [
        ("3EB0OUT0001", "sent"),
        ("3EB0OUT0001", "delivered"),
        ("3EB0OUT0001", "read"),
        ("3EB0OUT0002", "failed"),
    ]
    assert parsed.statuses[-1].error
    assert parsed.statuses[0].timestamp == dt.datetime(2025, 10, 9, 8, 53, 30, tzinfo=dt.UTC)  # date_time
    assert parsed.ignored == 2  # PENDING, and the receipt of the patient's own message


def test_legacy_status_shape_with_numeric_status() -> None:
    payload = load_fixture("evolution_statuses")
    payload["data"] = {
        "key": {"remoteJid": f"{PATIENT}@s.whatsapp.net", "fromMe": True, "id": "3EB0X"},
        "update": {"status": 3},
    }
    (s,) = parse(payload).statuses
    assert (s.gateway_id, s.status) == ("3EB0X", "delivered")


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_raise_only_payload_errors(body: bytes) -> None:
    try:
        result = gateway().parse(make_request(body))
    except WebhookPayloadError:
        return
    assert result.messages == [] and result.statuses == []


@pytest.mark.parametrize(
    "fixture", ["evolution_text", "evolution_lid", "evolution_list_response", "evolution_statuses"]
)
def test_fuzzed_fixtures_raise_only_payload_errors(fixture: str) -> None:
    for mutated in mutations(load_fixture(fixture), count=150, seed=len(fixture)):
        with contextlib.suppress(WebhookPayloadError):
            gateway().parse(make_request(mutated))


def test_verify_never_raises_anything_but_auth_errors_on_odd_bodies() -> None:
    for body in ODD_BODIES:
        with contextlib.suppress(WebhookAuthError):
            gateway().verify(make_request(body, headers=secret_headers()))


def test_missing_key_or_timestamp_is_malformed() -> None:
    payload = load_fixture("evolution_text")
    del payload["data"]["messageTimestamp"]
    with pytest.raises(WebhookPayloadError):
        parse(payload)
    payload = load_fixture("evolution_text")
    del payload["data"]["key"]
    with pytest.raises(WebhookPayloadError):
        parse(payload)


# ---------------------------------------------------------------------------- sending
@respx.mock
def test_send_text_posts_number_and_text_with_apikey() -> None:
    route = respx.post(SEND_URL).mock(
        return_value=httpx.Response(201, json=load_fixture("evolution_send_ok"))
    )
    with httpx.Client() as client:
        assert gateway(client=client).send_text(PATIENT, "Olá!") == "3EB0SENT0001"
    request = route.calls.last.request
    assert request.headers["apikey"] == "evo-api-key"
    assert json.loads(request.content) == {"number": PATIENT, "text": "Olá!"}


@respx.mock
def test_send_to_a_lid_jid_and_instance_names_are_url_quoted() -> None:
    route = respx.post(f"{BASE}/message/sendText/cl%C3%ADnica%20bh").mock(
        return_value=httpx.Response(201, json=load_fixture("evolution_send_ok"))
    )
    gw = EvolutionGateway(base_url=BASE + "/", api_key="k", instance="clínica bh", webhook_secret="s")
    with httpx.Client() as client:
        gw.client = client
        gw.send_text("81896604192873@lid", "Oi")
    assert json.loads(route.calls.last.request.content)["number"] == "81896604192873@lid"


@respx.mock
def test_choices_are_sent_as_numbered_text() -> None:
    route = respx.post(SEND_URL).mock(
        return_value=httpx.Response(201, json=load_fixture("evolution_send_ok"))
    )
    choices = [OutboundChoice("confirm_42", "Confirmar"), OutboundChoice("resched_42", "Remarcar")]
    with httpx.Client() as client:
        gateway(client=client).send_choices(PATIENT, "Confirma a consulta?", choices)
    assert (
        json.loads(route.calls.last.request.content)["text"]
        == "Confirma a consulta?\n\n1. Confirmar\n2. Remarcar"
    )


@respx.mock
def test_template_falls_back_to_text() -> None:
    route = respx.post(SEND_URL).mock(
        return_value=httpx.Response(201, json=load_fixture("evolution_send_ok"))
    )
    with httpx.Client() as client:
        gateway(client=client).send_template(PATIENT, "reminder", "pt_BR", ["Lembrete:", "amanhã 9h"])
    assert json.loads(route.calls.last.request.content)["text"] == "Lembrete: amanhã 9h"


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (400, load_fixture("evolution_send_not_exists"), True, "not_on_whatsapp"),
        (
            400,
            {"status": 400, "error": "Bad Request", "response": {"message": ["text must be a string"]}},
            True,
            "http_400",
        ),
        (
            401,
            {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}},
            True,
            "http_401",
        ),
        (
            404,
            {"status": 404, "error": "Not Found", "response": {"message": ["instance does not exist"]}},
            True,
            "http_404",
        ),
        (429, {}, False, "rate_limited"),
        (500, {"status": 500, "error": "Internal Server Error"}, False, "http_500"),
        (503, {}, False, "http_503"),
    ],
)
@respx.mock
def test_error_mapping(status: int, body: dict, permanent: bool, code: str) -> None:
    respx.post(SEND_URL).mock(return_value=httpx.Response(status, json=body))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client=client).send_text(PATIENT, "Olá")
    assert (info.value.permanent, info.value.code, info.value.status_code) == (permanent, code, status)


@respx.mock
def test_network_error_is_transient_and_missing_id_is_permanent() -> None:
    route = respx.post(SEND_URL).mock(side_effect=httpx.ConnectError("refused"))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client=client).send_text(PATIENT, "Olá")
    assert info.value.permanent is False
    route.mock(side_effect=None, return_value=httpx.Response(201, json={"status": "PENDING"}))
    with httpx.Client() as client, pytest.raises(GatewayError) as info:
        gateway(client=client).send_text(PATIENT, "Olá")
    assert info.value.permanent is True and info.value.code == "bad_response"


def test_send_through_a_real_local_http_server(gateway_server: RecordingServer) -> None:
    gateway_server.reply_status = 201
    gateway_server.reply_body = load_fixture("evolution_send_ok")
    gw = gateway(base_url=gateway_server.url)
    choices = [OutboundChoice("1", "Seg 09:00"), OutboundChoice("2", "Seg 10:00")]
    assert gw.send_choices(PATIENT, "Escolha um horário:", choices) == "3EB0SENT0001"
    (request,) = gateway_server.requests
    assert request["path"] == "/message/sendText/clinica-sp"
    assert request["headers"]["apikey"] == "evo-api-key"
    assert request["json"] == {"number": PATIENT, "text": "Escolha um horário:\n\n1. Seg 09:00\n2. Seg 10:00"}
