"""Webhook endpoints: authenticate, store durably, enqueue, answer fast.

A request is acknowledged with 200 only after its messages are committed to the
database; if the database is unreachable the answer is 503 so the gateway retries
instead of losing the message. Nothing about the patient is logged.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clinicbot.conversations.inbox import Incoming, inbox_store, statuses_apply
from clinicbot.core.cache import safe_get, safe_set
from clinicbot.core.client_ip import client_ip
from clinicbot.core.metrics import MESSAGES_IN, WEBHOOK_AUTH_FAILURES, WEBHOOK_MESSAGES_REJECTED

from .dispatch import dispatch_conversation
from .gateways.base import Gateway, WebhookAuthError, WebhookPayloadError, WebhookRequest
from .gateways.registry import GatewayConfigError, gateway_from_settings, gateway_named
from .outbox import outbox_confirm_refs
from .simulator_access import simulator_webhook_refusal

logger = logging.getLogger("clinicbot.webhook")


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def current_gateway() -> Gateway:
    return gateway_from_settings(settings)


def _client_ip(request: HttpRequest) -> str:
    return client_ip(request) or "?"


def _failures_key(ip: str) -> str:
    return f"webhook-authfail:{ip}"


def _locked_out(ip: str) -> JsonResponse | None:
    """A 429 for an address that failed authentication too often, whatever it sends now.

    Checked before the credentials: otherwise a guesser still learns which guess was right
    (200) among its 429s. One cache read per webhook; a gateway's own addresses never fail.
    """
    if int(safe_get(_failures_key(ip)) or 0) >= settings.WEBHOOK_AUTH_FAILURES_PER_10_MIN:
        return _error(429, "too_many_failures", "too many failed authentications; try later")
    return None


def _auth_failed(ip: str, gateway: Gateway) -> JsonResponse | None:
    """Count a failed authentication; a 429 once the address failed too often (else None)."""
    WEBHOOK_AUTH_FAILURES.labels(gateway=gateway.name).inc()
    key = _failures_key(ip)
    failures = int(safe_get(key) or 0)
    if failures >= settings.WEBHOOK_AUTH_FAILURES_PER_10_MIN:
        return _error(429, "too_many_failures", "too many failed authentications; try later")
    safe_set(key, failures + 1, 600)
    return None


@csrf_exempt
def whatsapp_webhook(request: HttpRequest, gateway_name: str = "", secret: str = "") -> HttpResponse:
    """A gateway's callback URL: ``/webhooks/meta/``, ``/webhooks/evolution/``, ``/webhooks/zapi/<secret>/``.

    ``/webhooks/whatsapp/`` serves the gateway that sends replies (``WHATSAPP_GATEWAY``); with
    the simulator gateway it needs a staff session or a signed body (see ``simulator_access``).
    """
    ip = _client_ip(request)
    locked_out = _locked_out(ip)
    if locked_out is not None:
        return locked_out
    try:
        gateway = gateway_named(gateway_name, settings) if gateway_name else current_gateway()
    except GatewayConfigError as exc:
        logger.error("webhook cannot be served: %s", exc)
        return _error(503, "misconfigured", "this WhatsApp gateway is not configured")
    try:
        body = request.body if request.method == "POST" else b""
    except RequestDataTooBig:
        return _error(413, "payload_too_large", f"body over {settings.WEBHOOK_MAX_BYTES} bytes")
    if gateway.name == "simulator":
        # The simulator gateway has no credentials of its own: only staff (or a signed
        # request) may post, and only while the simulator is enabled.
        refusal = simulator_webhook_refusal(request, body)
        if refusal is not None:
            return refusal
    webhook = WebhookRequest(
        method=request.method or "GET",
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        query=request.GET.dict(),
        path_secret=secret,
    )
    if request.method == "GET":
        challenge = gateway.handshake(webhook)
        if challenge is None:
            return _auth_failed(ip, gateway) or _error(403, "verification_failed", "invalid verify token")
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return _error(405, "method_not_allowed", "use POST")
    try:
        gateway.verify(webhook)
    except WebhookAuthError as exc:
        logger.warning("webhook rejected: %s (gateway %s, %d bytes)", exc, gateway.name, len(body))
        return _auth_failed(ip, gateway) or _error(401, "unauthorized", str(exc))
    try:
        parsed = gateway.parse(webhook)
    except WebhookPayloadError as exc:
        logger.warning("malformed webhook: %s (gateway %s, %d bytes)", exc, gateway.name, len(body))
        return _error(400, "bad_payload", str(exc))
    for refused in parsed.rejected:
        # Skipped, not a 4xx: the gateway would retry the whole batch (Meta: for days).
        WEBHOOK_MESSAGES_REJECTED.labels(gateway=gateway.name, reason=refused.reason).inc()
        logger.warning("webhook message refused: %s (gateway %s)", refused, gateway.name)
    items = [
        Incoming(
            gateway=gateway.name,
            gateway_id=m.gateway_id,
            conversation_key=m.conversation_key,
            phone=m.phone,
            text=m.text,
            kind=m.kind,
            timestamp=m.timestamp,
            contact_name=m.contact_name,
            choice_id=m.choice_id,
            media=m.media,
        )
        for m in parsed.messages
    ]
    try:
        session_ids = inbox_store(items=items, now=timezone.now())
        # First: a status naming a reply whose sender died mid-send marks it sent.
        outbox_confirm_refs(
            gateway=gateway.name, refs=[(s.ref, s.gateway_id) for s in parsed.statuses if s.ref]
        )
        statuses_apply(
            gateway=gateway.name, updates=[(s.gateway_id, s.status, s.error) for s in parsed.statuses]
        )
    except DataError as exc:
        # A value the database refuses (e.g. an id longer than any gateway sends): retrying
        # this body can never succeed, so it is a bad request, not an outage.
        logger.warning("webhook refused by the database: %s (gateway %s)", type(exc).__name__, gateway.name)
        return _error(400, "bad_payload", "a value in the body cannot be stored")
    except DatabaseError:
        logger.exception("webhook could not be stored; answering 503 so the gateway retries")
        return _error(503, "unavailable", "storage unavailable, retry later")
    for item in items:  # counted once stored (a redelivery is counted again: it was received)
        MESSAGES_IN.labels(gateway=gateway.name, type=item.kind).inc()
    delay = settings.MESSAGE_DEBOUNCE_MS / 1000
    for session_id in sorted(session_ids):
        # Debounce: "oi" / "quero marcar" / "cardiologia" sent within the window are
        # answered as one turn (the task re-checks the window when it runs). With the
        # broker down the conversation is answered by this process instead.
        dispatch_conversation(session_id, delay=delay)
    return JsonResponse(
        {
            "ok": True,
            "messages": len(items),
            "statuses": len(parsed.statuses),
            "ignored": parsed.ignored,
            "rejected": len(parsed.rejected),
        }
    )
