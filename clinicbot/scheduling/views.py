"""The iCalendar feed endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .calendar_feed import doctor_by_slug, doctor_calendar
from .calendar_tokens import calendar_token_verify


def doctor_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /calendar/<doctor-slug>.ics?token=cal_…`` — the doctor's own token (calendar apps cannot send headers).

    An unknown doctor and a wrong, revoked or other doctor's token get the same 403, so
    the answer tells nothing about which doctors or tokens exist.
    """
    doctor = doctor_by_slug(slug)
    token = request.GET.get("token", "")
    if doctor is None or calendar_token_verify(raw=token, doctor_id=doctor.id) is None:
        return JsonResponse({"error": "forbidden", "detail": "invalid or missing token"}, status=403)
    response = HttpResponse(
        doctor_calendar(doctor=doctor, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{slug}.ics"'
    # The feed holds patient data: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response
