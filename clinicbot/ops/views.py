"""Operational HTTP endpoints."""

from django.http import HttpRequest, JsonResponse


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No I/O, so it stays cheap and never flaps."""
    return JsonResponse({"status": "ok"})
