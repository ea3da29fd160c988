"""Operational HTTP endpoints."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinicbot.core.metrics import render_latest

from .health import bearer_token_matches, health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start page at ``/``: where each screen is. Static links only — no query, no patient data."""
    return render(request, "ops/home.html", {"simulator_enabled": settings.SIMULATOR_ENABLED})


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


# Headers a reverse proxy adds: a request carrying one came from elsewhere, even though the
# proxy itself connects from 127.0.0.1.
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _from_loopback(request: HttpRequest) -> bool:
    """A direct connection from this machine (not relayed by a proxy on it)."""
    if any(request.META.get(h) for h in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", ""))).is_loopback
    except ValueError:
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition: ``Authorization: Bearer $METRICS_TOKEN`` (or a staff session).

    Without ``METRICS_TOKEN`` only a scraper on this machine (loopback, not through a
    proxy) is answered: the counters tell how busy the clinic is and how it is configured.
    """
    if settings.METRICS_TOKEN:
        allowed = _authorized(request, settings.METRICS_TOKEN)
    else:
        allowed = _from_loopback(request) or _authorized(request, "")
    if not allowed:
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    body, content_type = render_latest()
    return HttpResponse(body, content_type=content_type)
