"""Operational HTTP endpoints."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .health import bearer_token_matches, health_report
from .metrics import render_latest


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No I/O, so it stays cheap and never flaps."""
    return JsonResponse({"status": "ok"})


def _authorized(request: HttpRequest, token: str) -> bool:
    """A bearer token matching ``token``, or a logged-in staff member."""
    if bearer_token_matches(authorization=request.headers.get("Authorization", ""), expected=token):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


@require_GET
def health_detailed(request: HttpRequest) -> JsonResponse:
    """Readiness and figures for operators: ``Authorization: Bearer $HEALTH_TOKEN`` or a staff session."""
    if not _authorized(request, settings.HEALTH_TOKEN):
        return JsonResponse({"error": "unauthorized"}, status=401)
    report = health_report()
    return JsonResponse(report.as_dict(), status=report.http_status)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition; ``Authorization: Bearer $METRICS_TOKEN`` when that setting is set."""
    if settings.METRICS_TOKEN and not _authorized(request, settings.METRICS_TOKEN):
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    body, content_type = render_latest()
    return HttpResponse(body, content_type=content_type)
