"""gateway_from_settings and the simulator gateway (no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ._testkit import ODD_BODIES, make_request
from .base import OutboundChoice, WebhookPayloadError
from .evolution import EvolutionGateway
from .meta import MetaGateway
from .registry import GatewayConfigError, gateway_from_settings
from .simulator import SimulatorGateway
from .zapi import ZapiGateway

META = {
    "META_APP_SECRET": "s",
    "META_VERIFY_TOKEN": "v",
    "META_ACCESS_TOKEN": "t",
    "META_PHONE_NUMBER_ID": "123",
}
EVOLUTION = {"EVOLUTION_API_URL": "http://evo", "EVOLUTION_API_KEY": "k", "EVOLUTION_INSTANCE": "i"}
ZAPI = {"ZAPI_INSTANCE_ID": "i", "ZAPI_TOKEN": "t", "ZAPI_CLIENT_TOKEN": "c", "ZAPI_WEBHOOK_SECRET": "w"}


def test_default_is_the_simulator() -> None:
    assert isinstance(gateway_from_settings(SimpleNamespace()), SimulatorGateway)


def test_meta_with_defaults_and_overrides() -> None:
    gw = gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="meta", **META))
    assert isinstance(gw, MetaGateway)
    assert (gw.api_base, gw.api_version) == ("https://graph.facebook.com", "v21.0")
    gw = gateway_from_settings(
        SimpleNamespace(
            WHATSAPP_GATEWAY="META", META_GRAPH_URL="http://x/", META_GRAPH_VERSION="v23.0", **META
        )
    )
    assert (gw.api_base, gw.api_version) == ("http://x", "v23.0")


@pytest.mark.parametrize("missing", sorted(META))
def test_meta_names_the_missing_setting(missing: str) -> None:
    values = {**META, missing: ""}
    with pytest.raises(ValueError, match=missing):
        gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="meta", **values))


def test_evolution_needs_a_webhook_secret_or_jwt_secret() -> None:
    with pytest.raises(GatewayConfigError, match="EVOLUTION_WEBHOOK_SECRET or EVOLUTION_JWT_SECRET"):
        gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="evolution", **EVOLUTION))
    gw = gateway_from_settings(
        SimpleNamespace(
            WHATSAPP_GATEWAY="evolution",
            EVOLUTION_JWT_SECRET="j",
            EVOLUTION_MAX_AGE_SECONDS="120",
            **EVOLUTION,
        )
    )
    assert isinstance(gw, EvolutionGateway) and gw.max_age is not None and gw.max_age.total_seconds() == 120
    assert gw.jwt_max_lifetime == 3600  # webhook JWTs live an hour at most unless configured
    gw = gateway_from_settings(
        SimpleNamespace(
            WHATSAPP_GATEWAY="evolution",
            EVOLUTION_JWT_SECRET="j",
            EVOLUTION_JWT_MAX_LIFETIME_SECONDS="900",
            **EVOLUTION,
        )
    )
    assert isinstance(gw, EvolutionGateway) and gw.jwt_max_lifetime == 900
    with pytest.raises(GatewayConfigError, match="EVOLUTION_MAX_AGE_SECONDS"):
        gateway_from_settings(
            SimpleNamespace(
                WHATSAPP_GATEWAY="evolution",
                EVOLUTION_JWT_SECRET="j",
                EVOLUTION_MAX_AGE_SECONDS="ten",
                **EVOLUTION,
            )
        )


@pytest.mark.parametrize("missing", sorted(ZAPI))
def test_zapi_names_the_missing_setting(missing: str) -> None:
    with pytest.raises(GatewayConfigError, match=missing):
        gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="zapi", **{**ZAPI, missing: None}))
    gw = gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="zapi", **ZAPI))
    assert isinstance(gw, ZapiGateway) and gw.base_url == "https://api.z-api.io"


def test_unknown_gateway_is_rejected() -> None:
    with pytest.raises(GatewayConfigError, match="WHATSAPP_GATEWAY"):
        gateway_from_settings(SimpleNamespace(WHATSAPP_GATEWAY="twilio"))


def test_simulator_parses_and_records_sends() -> None:
    gw = SimulatorGateway()
    gw.verify(make_request(b"anything"))
    parsed = gw.parse(make_request({"phone": "+55 (11) 98765-4321", "text": "oi", "id": "sim-1"}))
    (m,) = parsed.messages
    assert (m.gateway_id, m.phone, m.conversation_key, m.text, m.kind) == (
        "sim-1",
        "sim:5511987654321",
        "sim:5511987654321",
        "oi",
        "text",
    )
    first = gw.send_text(m.phone, "olá")
    second = gw.send_choices(m.phone, "escolha", [OutboundChoice("1", "A")])
    third = gw.send_template(m.phone, "lembrete", "pt_BR", ["amanhã"])
    assert [s.id for s in gw.sent] == [first, second, third] and len({first, second, third}) == 3
    assert [s.kind for s in gw.sent] == ["text", "choices", "template"]
    assert gw.sent[1].choices == (OutboundChoice("1", "A"),)


@pytest.mark.parametrize("body", [*ODD_BODIES, b'{"phone": "abc", "text": "x"}', b'{"text": "x"}'])
def test_simulator_answers_odd_bodies_with_payload_errors_only(body: bytes) -> None:
    try:
        parsed = SimulatorGateway().parse(make_request(body))
    except WebhookPayloadError:
        return
    assert [m.kind for m in parsed.messages] == ["text"]  # e.g. a Z-API body that happens to hold a phone
