"""Helpers shared by the gateway adapters: defensive JSON reading, timestamps, HTTP calls.

Webhook bodies come from the internet: every accessor here either returns the expected
type or raises :class:`WebhookPayloadError`, so an odd body can never surface as a
``KeyError`` / ``TypeError`` (a 500 the gateway would retry for days).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from clinicbot.core.phones import InvalidPhone, is_possible_international, normalize_phone
from clinicbot.core.text import storable_text

from .base import BAD_SENDER, GatewayError, MessageRejected, OutboundChoice, WebhookPayloadError

Clock = Callable[[], dt.datetime]

# Large enough for any real timestamp, small enough that datetime never overflows.
_MAX_EPOCH_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z


def utc_now() -> dt.datetime:
    """The default clock: aware UTC now."""
    return dt.datetime.now(dt.UTC)


def load_json_object(body: bytes) -> dict[str, Any]:
    """Decode a webhook body that must be a JSON object."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise WebhookPayloadError("body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise WebhookPayloadError("body is not a JSON object")
    return data


def try_json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None (used by ``verify``, which must not judge shape)."""
    try:
        return load_json_object(body)
    except WebhookPayloadError:
        return None


def get_dict(obj: Mapping[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    """``obj[key]`` as a dict; missing/null -> {} unless required; other types -> error."""
    value = obj.get(key)
    if value is None:
        if required:
            raise WebhookPayloadError(f"missing {key!r}")
        return {}
    if not isinstance(value, dict):
        raise WebhookPayloadError(f"{key!r} is not an object")
    return value


def get_list(obj: Mapping[str, Any], key: str) -> list[Any]:
    """``obj[key]`` as a list; missing/null -> []; other types -> error."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise WebhookPayloadError(f"{key!r} is not a list")
    return value


def dicts(items: Sequence[Any], what: str) -> list[dict[str, Any]]:
    """Check every item of a list is an object."""
    if not all(isinstance(item, dict) for item in items):
        raise WebhookPayloadError(f"{what} contains a non-object")
    return list(items)


def get_str(obj: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    """``obj[key]`` as a string; numbers are accepted (ids are sometimes numeric)."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise WebhookPayloadError(f"missing {key!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WebhookPayloadError(f"{key!r} is not a string")
    return storable_text(str(value))


def get_bool(obj: Mapping[str, Any], key: str) -> bool:
    """``obj[key]`` as a flag; only ``true`` counts (gateways send booleans, sometimes null)."""
    return obj.get(key) is True


def epoch_to_datetime(value: Any, *, milliseconds: bool = False) -> dt.datetime:
    """Unix seconds (or ms) given as int, float or digit string -> aware UTC datetime."""
    if isinstance(value, bool):
        raise WebhookPayloadError("timestamp is not a number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError as exc:
            raise WebhookPayloadError("timestamp is not a number") from exc
    if not isinstance(value, int | float) or value != value:  # NaN check
        raise WebhookPayloadError("timestamp is not a number")
    # Range-check before dividing: a huge int / 1000 would raise OverflowError.
    limit = _MAX_EPOCH_SECONDS * 1000 if milliseconds else _MAX_EPOCH_SECONDS
    if not 0 <= value <= limit:
        raise WebhookPayloadError("timestamp out of range")
    return dt.datetime.fromtimestamp(value / 1000 if milliseconds else value, tz=dt.UTC)


# Meta's business-scoped user id (users with a username): an ISO country code, a period,
# letters and digits. Capped at 64 characters, the conversation key's column.
_BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,61}")
# A WhatsApp "linked id" (Evolution, Z-API): digits, then "@lid".
_LID = re.compile(r"[0-9]{6,20}@lid")


def check_sender(raw: str, *, bsuid: bool = False, lid: bool = False) -> None:
    """Raise :class:`MessageRejected` unless ``raw`` can be a WhatsApp sender.

    A phone id (E.164 digits, a real country code, a possible length), or — where the
    gateway sends them — a BSUID (Meta) or an ``…@lid`` id. A signed webhook with
    "<WHATSAPP_USER_PHONE_NUMBER>", letters or 300 digits as the sender is a broken or
    forged client, not a patient: storing it would open a conversation nobody can answer.
    """
    if is_possible_international(raw):
        return
    if (bsuid and _BSUID.fullmatch(raw)) or (lid and _LID.fullmatch(raw)):
        return
    raise MessageRejected(BAD_SENDER, f"sender id of {len(raw)} characters")


def safe_phone(raw: str) -> str:
    """normalize_phone, or "" when the id is not a phone (the message is still usable)."""
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return ""


def numbered_text(text: str, choices: Sequence[OutboundChoice]) -> str:
    """Render choices as "1. title" lines under the text, the portable fallback.

    The dialogue engine already writes the numbered options into its reply text, so
    they are only appended when the text does not contain them yet (no doubled list).
    """
    lines = [f"{i}. {c.title}" for i, c in enumerate(choices, 1)]
    if all(line in text for line in lines):
        return text
    return f"{text}\n\n" + "\n".join(lines) if text else "\n".join(lines)


_client: tuple[int, httpx.Client] | None = None


def _process_client() -> httpx.Client:
    """One HTTP client per process, made on first use and again after a fork.

    Building a client loads the CA bundle (tens of milliseconds of CPU: it was the largest
    cost of sending a reply) and its pool keeps the connection to the gateway alive between
    sends. The gateway objects themselves are built per task, so the client is not theirs.
    """
    global _client
    pid = os.getpid()
    if _client is None or _client[0] != pid:  # a forked worker must not share the parent's sockets
        _client = (pid, httpx.Client())
    return _client[1]


def post_json(
    client: httpx.Client | None,
    url: str,
    *,
    headers: Mapping[str, str],
    payload: Mapping[str, Any],
    timeout: float,
) -> httpx.Response:
    """POST JSON; network failures become a transient :class:`GatewayError`.

    Without an injected client the process's shared one is used (see
    :func:`_process_client`). Failures after the request went out (a read timeout, a
    connection dropped before the answer) are ``uncertain``: the gateway may have accepted
    the message, and WhatsApp gateways offer no idempotency key, so the outbox waits for a
    status webhook before sending it again. Failures to connect are certain: nothing left.
    """
    try:
        return (client or _process_client()).post(url, json=payload, headers=dict(headers), timeout=timeout)
    except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise GatewayError("gateway timed out connecting", permanent=False, code="timeout") from exc
    except httpx.TimeoutException as exc:
        uncertain = isinstance(exc, httpx.ReadTimeout)  # a write timeout: the request never arrived whole
        raise GatewayError("gateway timed out", permanent=False, code="timeout", uncertain=uncertain) from exc
    except httpx.HTTPError as exc:
        # The class name only: the URL may embed credentials (Z-API puts the token there).
        sent = isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError)
        raise GatewayError(
            f"gateway unreachable ({type(exc).__name__})", permanent=False, code="network", uncertain=sent
        ) from exc


def response_json(response: httpx.Response) -> dict[str, Any]:
    """The response body as a dict ({} when it is not a JSON object)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def http_status_error(response: httpx.Response, detail: str, code: str = "") -> GatewayError:
    """Default mapping of an HTTP error: 408/425/429/5xx are worth retrying, other 4xx not."""
    status = response.status_code
    transient = status in (408, 425, 429) or status >= 500
    return GatewayError(
        f"HTTP {status}: {detail}"[:500],
        permanent=not transient,
        status_code=status,
        code=code or ("rate_limited" if status == 429 else f"http_{status}"),
    )
