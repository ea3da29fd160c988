"""Build the configured gateway from Django settings (or any object with attributes)."""

from __future__ import annotations

from typing import Any

from .base import Gateway
from .evolution import EvolutionGateway
from .meta import MetaGateway
from .simulator import SimulatorGateway
from .zapi import ZapiGateway

GATEWAYS = ("meta", "evolution", "zapi", "simulator")


class GatewayConfigError(ValueError):
    """A setting the configured gateway needs is missing or invalid (like ImproperlyConfigured)."""


def _setting(settings_obj: Any, name: str, default: str = "") -> str:
    value = getattr(settings_obj, name, default)
    return default if value is None else str(value).strip()


def _required(settings_obj: Any, gateway: str, *names: str) -> dict[str, str]:
    values = {name: _setting(settings_obj, name) for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise GatewayConfigError(f"WHATSAPP_GATEWAY={gateway} needs {', '.join(missing)} to be set")
    return values


def _int_setting(settings_obj: Any, name: str, default: int) -> int:
    raw = getattr(settings_obj, name, default)
    try:
        value = int(raw if raw not in (None, "") else default)
    except (TypeError, ValueError) as exc:
        raise GatewayConfigError(f"{name} must be a whole number of seconds, got {raw!r}") from exc
    if value < 0:
        raise GatewayConfigError(f"{name} must not be negative")
    return value


def gateway_from_settings(settings_obj: Any) -> Gateway:
    """Return the gateway that sends replies: the one named by ``WHATSAPP_GATEWAY`` (default ``simulator``).

    Raises :class:`GatewayConfigError` (a ValueError) naming the first missing setting,
    so a misconfigured deployment fails loudly instead of accepting unauthenticated webhooks.
    """
    return gateway_named(
        _setting(settings_obj, "WHATSAPP_GATEWAY", "simulator").lower() or "simulator", settings_obj
    )


def gateway_named(name: str, settings_obj: Any) -> Gateway:
    """Build one gateway by name from its settings (every configured gateway may receive webhooks)."""
    if name == "simulator":
        return SimulatorGateway()
    if name == "meta":
        v = _required(
            settings_obj,
            name,
            "META_APP_SECRET",
            "META_VERIFY_TOKEN",
            "META_ACCESS_TOKEN",
            "META_PHONE_NUMBER_ID",
        )
        return MetaGateway(
            app_secret=v["META_APP_SECRET"],
            verify_token=v["META_VERIFY_TOKEN"],
            access_token=v["META_ACCESS_TOKEN"],
            phone_number_id=v["META_PHONE_NUMBER_ID"],
            api_base=_setting(settings_obj, "META_GRAPH_URL") or "https://graph.facebook.com",
            api_version=_setting(settings_obj, "META_GRAPH_VERSION") or "v21.0",
        )
    if name == "evolution":
        v = _required(settings_obj, name, "EVOLUTION_API_URL", "EVOLUTION_API_KEY", "EVOLUTION_INSTANCE")
        webhook_secret = _setting(settings_obj, "EVOLUTION_WEBHOOK_SECRET")
        jwt_secret = _setting(settings_obj, "EVOLUTION_JWT_SECRET")
        if not webhook_secret and not jwt_secret:
            # Evolution does not sign webhooks: without one of these anyone could post.
            raise GatewayConfigError(
                "WHATSAPP_GATEWAY=evolution needs EVOLUTION_WEBHOOK_SECRET or EVOLUTION_JWT_SECRET to be set"
            )
        return EvolutionGateway(
            base_url=v["EVOLUTION_API_URL"],
            api_key=v["EVOLUTION_API_KEY"],
            instance=v["EVOLUTION_INSTANCE"],
            webhook_secret=webhook_secret,
            jwt_secret=jwt_secret,
            max_age_seconds=_int_setting(settings_obj, "EVOLUTION_MAX_AGE_SECONDS", 600),
            jwt_max_lifetime_seconds=_int_setting(settings_obj, "EVOLUTION_JWT_MAX_LIFETIME_SECONDS", 3600),
        )
    if name == "zapi":
        v = _required(
            settings_obj, name, "ZAPI_INSTANCE_ID", "ZAPI_TOKEN", "ZAPI_CLIENT_TOKEN", "ZAPI_WEBHOOK_SECRET"
        )
        return ZapiGateway(
            base_url=_setting(settings_obj, "ZAPI_BASE_URL") or "https://api.z-api.io",
            instance_id=v["ZAPI_INSTANCE_ID"],
            token=v["ZAPI_TOKEN"],
            client_token=v["ZAPI_CLIENT_TOKEN"],
            path_secret=v["ZAPI_WEBHOOK_SECRET"],
            max_age_seconds=_int_setting(settings_obj, "ZAPI_MAX_AGE_SECONDS", 0),
        )
    raise GatewayConfigError(f"WHATSAPP_GATEWAY must be one of {', '.join(GATEWAYS)}, got {name!r}")
