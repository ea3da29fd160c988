"""The web simulator: a chat page where staff try the assistant as a patient would."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.core.phones import InvalidPhone, normalize_phone

MAX_TEXT = 4096


def _enabled() -> None:
    if not settings.SIMULATOR_ENABLED:
        raise Http404("simulator disabled")


def _simulator_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only, except on the embedded default (a local demo) where anyone may try it."""
    guarded = staff_member_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _enabled()
        if settings.SIMULATOR_PUBLIC:
            return view(request, *args, **kwargs)
        return guarded(request, *args, **kwargs)

    return wrapper


@_simulator_access
@ensure_csrf_cookie  # the page's script posts with this cookie's token
def simulator_page(request: HttpRequest) -> HttpResponse:
    _enabled()
    return render(request, "whatsapp/simulator.html", {"phone": "5511900000099"})


@_simulator_access
@require_POST
def simulator_send(request: HttpRequest) -> JsonResponse:
    """POST {"phone": "...", "text": "..."} -> {"replies": [{"text": ..., "choices": [...]}]}."""
    _enabled()
    try:
        data = json.loads(request.body or b"{}")
        phone = normalize_phone(str(data.get("phone", "")))
        text = str(data.get("text", ""))[:MAX_TEXT]
    except (ValueError, InvalidPhone, AttributeError) as exc:
        return JsonResponse({"error": "bad_request", "detail": str(exc)}, status=400)
    if not text.strip():
        return JsonResponse({"error": "bad_request", "detail": "empty message"}, status=400)
    outcome = handle_inbound(InboundText(phone=phone, text=text))
    return JsonResponse(
        {
            "replies": [
                {
                    "text": r.text,
                    "choices": [
                        {"id": c.id, "title": c.title, "description": c.description} for c in r.choices
                    ],
                }
                for r in outcome.replies
            ],
            "state": outcome.result.state.state,
            "intent": outcome.result.parse.intent,
        }
    )
