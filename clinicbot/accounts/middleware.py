"""Staff sessions that still owe the second factor reach only the 2FA pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from .services import two_factor_required

# Paths a session does not use for staff work: API keys, gateways, probes, static files
# and logging out (so nobody is trapped on the 2FA page).
OPEN_PREFIXES = ("/conta/2fa/", "/admin/logout/", "/static/", "/health", "/metrics", "/webhooks/", "/api/")


class StaffTwoFactorMiddleware:
    """Redirects an unverified staff session to enrolment (no device yet) or verification.

    Runs after django-otp's ``OTPMiddleware``, which tells whether this session passed a
    device (``request.user.is_verified()``). See :func:`services.two_factor_required`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not request.path.startswith(OPEN_PREFIXES)
            and two_factor_required(user)
            and not user.is_verified()  # type: ignore[union-attr]
        ):
            page = "accounts:two-factor-verify" if user_has_device(user) else "accounts:two-factor-enrol"
            return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
