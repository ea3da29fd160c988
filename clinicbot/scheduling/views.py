"""The iCalendar feed endpoint."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .calendar_feed import doctor_by_slug, doctor_calendar


def doctor_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /calendar/<doctor-slug>.ics?token=…`` — token-protected (calendar apps cannot send headers)."""
    token = request.GET.get("token", "")
    if not settings.CALENDAR_TOKEN or not hmac.compare_digest(
        token.encode(), settings.CALENDAR_TOKEN.encode()
    ):
        return JsonResponse({"error": "forbidden", "detail": "invalid or missing token"}, status=403)
    doctor = doctor_by_slug(slug)
    if doctor is None:
        return JsonResponse({"error": "not_found", "detail": "no such doctor"}, status=404)
    response = HttpResponse(
        doctor_calendar(doctor=doctor, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{slug}.ics"'
    return response
