"""The web simulator: a chat page where staff try the assistant as a patient would.

Access (staff only unless explicitly public, never public beside a real gateway, rate
limited) is decided in :mod:`.simulator_access`. The phone typed on the page names a
simulator conversation (``sim:<digits>``), never the WhatsApp patient with that number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from clinicbot.conversations.labels import intent_label, state_label
from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.core.phones import InvalidPhone, simulator_key

from .formatting import whatsapp_html
from .simulator_access import simulator_page_refusal

MAX_TEXT = 4096


def _simulator_access(
    *, counts: bool
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return simulator_page_refusal(request, counts=counts) or view(request, *args, **kwargs)

        return wrapper

    return decorate


@_simulator_access(counts=False)
@ensure_csrf_cookie  # the page's script posts with this cookie's token
def simulator_page(request: HttpRequest) -> HttpResponse:
    """The chat page."""
    return render(request, "whatsapp/simulator.html", {"phone": "5511900000099"})


@require_POST
@_simulator_access(counts=True)
def simulator_send(request: HttpRequest) -> JsonResponse:
    """POST {"phone", "text"} -> {"replies": [{"text", "html", "choices"}], "debug"?: {"intent", "state"}}.

    ``debug`` (in Portuguese) only for staff: a public visitor sees the conversation alone.
    """
    try:
        data = json.loads(request.body or b"{}")
        key = simulator_key(str(data.get("phone", "")))
        text = str(data.get("text", ""))[:MAX_TEXT]
    except (ValueError, InvalidPhone, AttributeError) as exc:
        return JsonResponse({"error": "bad_request", "detail": str(exc)}, status=400)
    if not text.strip():
        return JsonResponse({"error": "bad_request", "detail": "empty message"}, status=400)
    outcome = handle_inbound(InboundText(phone=key, text=text))
    body: dict[str, Any] = {
        "replies": [
            {
                "text": r.text,
                "html": whatsapp_html(r.text),  # *negrito*, _itálico_ and links as WhatsApp shows them
                "choices": [{"id": c.id, "title": c.title, "description": c.description} for c in r.choices],
            }
            for r in outcome.replies
        ]
    }
    if request.user.is_staff:
        # What the assistant understood, for staff trying it out — never for a public visitor.
        body["debug"] = {
            "intent": intent_label(outcome.result.parse.intent),
            "state": state_label(str(outcome.result.state.state)),
        }
    return JsonResponse(body)
