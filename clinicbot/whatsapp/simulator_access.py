"""Who may talk to the assistant through the simulator (page and ``/webhooks/whatsapp/``).

* The simulator answers only while ``SIMULATOR_ENABLED`` is on (404 otherwise).
* It is staff-only. ``SIMULATOR_PUBLIC=1`` opens the page to anyone, but never while a
  real gateway (Meta, Evolution, Z-API) is configured: a deployment that talks to real
  patients has no anonymous way in.
* ``POST /webhooks/whatsapp/`` with the simulator gateway takes a staff session (with its
  CSRF token) or a body signed with ``SIMULATOR_WEBHOOK_SECRET``; it is never public.
* Every session or anonymous caller is rate-limited (``SIMULATOR_RATE_LIMIT_PER_MINUTE``), per
  user or address; signed requests come from the clinic's own scripts and are not.

Whatever gets in talks only to the simulator's own conversations (``sim:`` keys, see
:func:`clinicbot.core.phones.simulator_key`), never to a WhatsApp patient's.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware

from clinicbot.core.ratelimit import rate_hit

SIGNATURE_HEADER = "X-Clinicbot-Signature"
# Settings whose presence means a real gateway can receive or send (every configured gateway may receive).
_REAL_GATEWAY_SETTINGS = (
    "META_APP_SECRET",
    "META_ACCESS_TOKEN",
    "EVOLUTION_API_URL",
    "EVOLUTION_API_KEY",
    "ZAPI_INSTANCE_ID",
    "ZAPI_TOKEN",
)


def real_gateway_configured(settings_obj: Any = settings) -> bool:
    """True when replies go out through a real gateway or any real gateway has credentials."""
    name = str(getattr(settings_obj, "WHATSAPP_GATEWAY", "") or "simulator").strip().lower()
    return name != "simulator" or any(
        str(getattr(settings_obj, s, "") or "").strip() for s in _REAL_GATEWAY_SETTINGS
    )


def simulator_public(settings_obj: Any = settings) -> bool:
    """True when anyone (no login) may use the simulator page: enabled, opted in, no real gateway."""
    return bool(
        settings_obj.SIMULATOR_ENABLED
        and settings_obj.SIMULATOR_PUBLIC
        and not real_gateway_configured(settings_obj)
    )


def unauthenticated_inbound(settings_obj: Any = settings) -> list[str]:
    """The ways a message can reach the assistant without authentication (for the health report)."""
    return ["simulator_public"] if simulator_public(settings_obj) else []


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF check for a session-authenticated call to a csrf_exempt view."""

    def _no_response(_: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
        raise AssertionError

    check = CsrfViewMiddleware(_no_response)
    check.process_request(request)
    return check.process_view(request, _no_response, (), {})


def signature_valid(body: bytes, header: str, secret: str = "") -> bool:
    """``sha256=<hex HMAC-SHA256 of the body>`` under ``SIMULATOR_WEBHOOK_SECRET`` (never with an empty secret)."""
    secret = secret or settings.SIMULATOR_WEBHOOK_SECRET
    scheme, _, digest = (header or "").partition("=")
    if not secret or scheme != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower().encode("ascii", "replace").decode())


def _rate_refusal(request: HttpRequest) -> JsonResponse | None:
    user = getattr(request, "user", None)
    who = (
        f"u{user.pk}" if user is not None and user.is_authenticated else request.META.get("REMOTE_ADDR", "?")
    )
    decision = rate_hit(f"simulator:{who}", limit=settings.SIMULATOR_RATE_LIMIT_PER_MINUTE)
    if decision.allowed:
        return None
    response = _error(429, "rate_limited", "Muitas mensagens em pouco tempo. Aguarde um minuto, por favor.")
    response["Retry-After"] = str(decision.retry_after)
    return response


def simulator_page_refusal(request: HttpRequest, *, counts: bool) -> HttpResponse | None:
    """Why this request may not use the simulator page or its API (None: it may).

    ``counts``: the request sends a message, so it counts against the rate limit.
    Anonymous visitors of a staff-only simulator are sent to the admin login.
    """
    if not settings.SIMULATOR_ENABLED:
        return _error(404, "not_found", "simulator disabled")
    if not simulator_public() and not _is_staff(request):
        if request.method == "GET":
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path(), "admin:login")
        return _error(403, "forbidden", "O simulador é só para a equipe: entre pelo admin.")
    return _rate_refusal(request) if counts else None


def simulator_webhook_refusal(request: HttpRequest, body: bytes) -> HttpResponse | None:
    """Why this call of ``/webhooks/whatsapp/`` (simulator gateway) is refused (None: accepted).

    A valid signature needs no session; a staff session must also pass the CSRF check, so
    another site cannot post through a logged-in browser.
    """
    if not settings.SIMULATOR_ENABLED:
        return _error(404, "not_found", "simulator disabled")
    if signature_valid(body, request.headers.get(SIGNATURE_HEADER, "")):
        return None
    if not _is_staff(request):
        return _error(401, "unauthorized", "staff session or signed request required")
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    return _rate_refusal(request)
