"""Hostile input, property-based (hypothesis): the webhook parsers, the webhook views and the NLU.

Random Unicode, 1 MB texts, emoji floods, deeply nested JSON, wrong types in the right
places of real gateway payloads. The properties: a parser returns a result or raises its
one error type (``WebhookPayloadError``), never anything else; a view answers 200 or a
clear 4xx with a JSON body, never a 500 (nor a 503, which would make the gateway retry a
poison message forever); the NLU and the dialogue always answer, politely. Runs on both
database passes, with a fixed seed and bounded examples so CI stays stable and quick.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import zlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.engine.nlu.detect import BOOKING_STATES, CHOICE_STATES, CONFIRM_STATES, Understanding
from clinicbot.engine.tests.fakes import Conversation, make_catalog
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import FakeGatewayServer, meta_signature
from clinicbot.whatsapp.gateways._testkit import load_fixture
from clinicbot.whatsapp.gateways.base import Gateway, ParsedWebhook, WebhookPayloadError, WebhookRequest
from clinicbot.whatsapp.gateways.evolution import EvolutionGateway
from clinicbot.whatsapp.gateways.meta import MetaGateway
from clinicbot.whatsapp.gateways.zapi import ZapiGateway

pytestmark = [pytest.mark.reliability]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes on a new seed
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SLOW_FUZZ = settings(FUZZ, max_examples=25)  # examples that run the whole pipeline

META_SECRET, EVO_SECRET, ZAPI_SECRET = "fuzz-meta", "fuzz-evolution", "fuzz-zapi"
EVO_INSTANCE, ZAPI_INSTANCE = "clinica-fuzz", "ZAPI-FUZZ"
MB = 1_000_000

# ------------------------------------------------------------------ strategies
EMOJI = "😀😂🥲❤️👍🏽🙏🏿👨‍👩‍👧‍👦🇧🇷🩺💉🦷🧠🫀"
hostile_text = st.one_of(
    st.text(max_size=400),  # any Unicode (NUL, RTL marks, combining characters, astral planes)
    st.text(alphabet=EMOJI, min_size=200, max_size=3000),  # emoji flood
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(1, MB)),  # one character up to 1 MB
    st.sampled_from(["", " ", "\x00", "\u202e", "\ufeff", "%s%n{0}", "'; DROP TABLE x;--", "sim" * 5000]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _nested(depth: int) -> bytes:
    return b'{"entry":' + b"[" * depth + b"]" * depth + b"}"


def _replace_at(payload: Any, path: list[int], value: Any) -> Any:
    """``payload`` with the node picked by ``path`` (indexes into each container's items) replaced."""
    if not path or not isinstance(payload, dict | list) or not payload:
        return value
    keys = list(payload) if isinstance(payload, dict) else list(range(len(payload)))
    key = keys[path[0] % len(keys)]
    copy: Any = dict(payload) if isinstance(payload, dict) else list(payload)
    copy[key] = _replace_at(payload[key], path[1:], value)
    return copy


FIXTURES = {
    "meta": ["meta_text", "meta_button_reply", "meta_list_reply", "meta_statuses", "meta_media"],
    "evolution": [
        "evolution_text",
        "evolution_extended_text",
        "evolution_list_response",
        "evolution_statuses",
    ],
    "zapi": ["zapi_text", "zapi_buttons_response", "zapi_list_response", "zapi_status"],
}


def mutated_payloads(gateway: str) -> st.SearchStrategy[Any]:
    """Real payloads of ``gateway`` with one nested value replaced by something hostile."""
    return st.builds(
        _replace_at,
        st.sampled_from(FIXTURES[gateway]).map(load_fixture),
        st.lists(st.integers(0, 50), min_size=1, max_size=7),
        json_values,
    )


def bodies(gateway: str) -> st.SearchStrategy[bytes]:
    """Webhook bodies: mutated real payloads, random JSON, random bytes, deep nesting."""
    return st.one_of(
        mutated_payloads(gateway).map(lambda p: json.dumps(p).encode()),
        json_values.map(lambda p: json.dumps(p).encode()),
        st.binary(max_size=2000),
        st.integers(1, 200_000).map(_nested),
    )


# ------------------------------------------------------------------ parsers (no database)
GATEWAYS: dict[str, Gateway] = {
    "meta": MetaGateway(META_SECRET, "verify", "token", "PNID-1"),
    # No age filter: fuzzed timestamps must reach the parser's checks, not be dropped as replays.
    "evolution": EvolutionGateway("http://127.0.0.1:9", "key", EVO_INSTANCE, EVO_SECRET, max_age_seconds=0),
    "zapi": ZapiGateway(instance_id=ZAPI_INSTANCE, token="t", client_token="c", path_secret=ZAPI_SECRET),
}


def _check_parsed(parsed: ParsedWebhook) -> None:
    for message in parsed.messages:
        assert isinstance(message.gateway_id, str) and message.gateway_id
        assert isinstance(message.text, str) and isinstance(message.conversation_key, str)
        assert message.timestamp.tzinfo is not None
    for status in parsed.statuses:
        assert isinstance(status.gateway_id, str) and status.timestamp.tzinfo is not None


@pytest.mark.parametrize("name", list(GATEWAYS))
@FUZZ
@given(data=st.data())
@example(data=None)  # the fixed hostile bodies below, whatever hypothesis draws
def test_every_webhook_parser_returns_a_result_or_its_one_error_type(name, data):
    gateway = GATEWAYS[name]
    if data is None:
        candidates = [_nested(100_000), json.dumps({"entry": "a" * MB}).encode(), b"\xff" * 1000, b"NaN"]
    else:
        candidates = [data.draw(bodies(name))]
    for body in candidates:
        request = WebhookRequest(method="POST", headers={}, body=body, path_secret=ZAPI_SECRET)
        try:
            parsed = gateway.parse(request)
        except WebhookPayloadError:
            continue
        _check_parsed(parsed)


# ------------------------------------------------------------------ NLU and policy (no database)
NLU = Understanding(make_catalog())
STATES = sorted({"idle", *BOOKING_STATES, *CHOICE_STATES, *CONFIRM_STATES})


@FUZZ
@given(text=hostile_text, state=st.sampled_from(STATES), expect=st.sampled_from(["", "name", "date"]))
@example(text="😀" * MB, state="collecting", expect="name")
@example(text="a " * (MB // 2), state="idle", expect="")
def test_the_nlu_reads_any_text_in_any_state_quickly(text, state, expect):
    started = time.perf_counter()
    parse, _ = NLU.detect(text, state=state, today=dt.date(2027, 6, 1), now_time=dt.time(9, 0), expect=expect)
    assert isinstance(parse.intent, str) and parse.intent
    assert 0.0 <= parse.confidence <= 1.0
    assert time.perf_counter() - started < 5.0  # a 1 MB message must not stall a worker


@FUZZ
@given(texts=st.lists(hostile_text, min_size=1, max_size=4))
def test_the_dialogue_answers_any_sequence_of_hostile_messages(texts):
    conversation = Conversation()
    for text in texts:
        # Silence only once a person took over (a text read as a complaint or a request for one).
        assert conversation.says(text).strip() or conversation.state.handed_off


# ------------------------------------------------------------------ views through Django (database)
def _post(client: Client, name: str, body: bytes) -> Any:
    if name == "meta":
        return client.post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, META_SECRET),
        )
    if name == "evolution":
        return client.post(
            "/webhooks/evolution/",
            data=body,
            content_type="application/json",
            HTTP_X_WEBHOOK_SECRET=EVO_SECRET,
        )
    return client.post(f"/webhooks/zapi/{ZAPI_SECRET}/", data=body, content_type="application/json")


def _authentic(name: str, body: bytes) -> bytes:
    """Name our instance in object bodies, so authentication passes and the parser is reached."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if isinstance(data, dict) and name == "evolution":
        return json.dumps({**data, "instance": EVO_INSTANCE}).encode()
    if isinstance(data, dict) and name == "zapi":
        return json.dumps({**data, "instanceId": ZAPI_INSTANCE}).encode()
    return body


@pytest.fixture
def live_webhooks(db):
    """Every gateway configured, replies sent in-process to a local Graph/Evolution/Z-API double."""
    load_clinic()
    with (
        FakeGatewayServer() as api,
        override_settings(
            WHATSAPP_GATEWAY="meta",
            META_APP_SECRET=META_SECRET,
            META_VERIFY_TOKEN="verify",
            META_ACCESS_TOKEN="token",
            META_PHONE_NUMBER_ID="PNID-1",
            META_GRAPH_URL=api.url,
            EVOLUTION_API_URL=api.url,
            EVOLUTION_API_KEY="key",
            EVOLUTION_INSTANCE=EVO_INSTANCE,
            EVOLUTION_WEBHOOK_SECRET=EVO_SECRET,
            EVOLUTION_MAX_AGE_SECONDS=0,
            ZAPI_BASE_URL=api.url,
            ZAPI_INSTANCE_ID=ZAPI_INSTANCE,
            ZAPI_TOKEN="t",
            ZAPI_CLIENT_TOKEN="c",
            ZAPI_WEBHOOK_SECRET=ZAPI_SECRET,
            # Run the turn in-process so the fuzzed text goes through NLU, policy and outbox too.
            CELERY_TASK_ALWAYS_EAGER=True,
            RATE_LIMIT_MESSAGES_PER_MINUTE=100_000,
            WEBHOOK_AUTH_FAILURES_PER_10_MIN=100_000,
        ),
    ):
        yield api


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(GATEWAYS))
@SLOW_FUZZ
@given(data=st.data())
def test_every_webhook_view_answers_200_or_a_clear_4xx_to_hostile_bodies(live_webhooks, name, data):
    body = _authentic(name, data.draw(bodies(name)))
    response = _post(Client(), name, body)
    assert response.status_code in (200, 400, 413), (response.status_code, body[:300])
    assert response["Content-Type"] == "application/json"
    if response.status_code != 200:
        assert json.loads(response.content)["error"]


@pytest.mark.django_db
@SLOW_FUZZ
@given(text=hostile_text, n=st.integers(0, 10**9))
@example(text="quero marcar\x00 cardio", n=1)  # PostgreSQL refuses NUL: it must be dropped, not 503
def test_a_hostile_text_message_is_stored_and_answered_through_the_meta_webhook(live_webhooks, text, n):
    payload = load_fixture("meta_text")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "PNID-1"  # ours: not refused
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": f"wamid.FUZZ{n}", "text": {"body": text}})
    body = json.dumps(payload).encode()
    response = _post(Client(), "meta", body)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert response.json()["messages"] == 1  # stored, not refused


def test_a_value_the_database_cannot_store_is_a_400_not_a_503_the_gateway_would_retry_forever(
    db, live_webhooks
):
    payload = load_fixture("meta_text")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "PNID-1"  # ours: not refused
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid." + "9" * 300  # > the column
    response = _post(Client(), "meta", json.dumps(payload).encode())
    # SQLite does not enforce the column length and stores it; PostgreSQL refuses it.
    assert response.status_code == (400 if connection.vendor == "postgresql" else 200), response.content


def test_a_body_over_the_limit_is_refused_with_413(db, live_webhooks):
    body = json.dumps({"entry": [], "pad": "x" * (5 * 1024 * 1024)}).encode()
    assert _post(Client(), "meta", body).status_code == 413


@pytest.mark.django_db
@SLOW_FUZZ
@given(text=hostile_text)
def test_the_pipeline_answers_every_hostile_message_politely_on_a_loaded_clinic(live_webhooks, text):
    # Its own conversation per example: one handed to a person (a text read as a complaint or
    # a request for someone) rightly stays silent for the examples after it.
    phone = f"55199{zlib.crc32(text.encode('utf-8', 'surrogatepass')) % 10**8:08d}"
    outcome = handle_inbound(InboundText(phone=phone, text=text))
    assert outcome.result.replies, "no reply"
    assert all(reply.text.strip() for reply in outcome.result.replies)
