"""The 2FA pages (enrol, verify) and the Portuguese lockout page of django-axes."""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device

from .services import qr_svg, totp_enrol_confirm, totp_pending_device, totp_verify


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Código de 6 dígitos",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/staff/"


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(
        request, template, {**admin.site.each_context(request), "next": _next_url(request), **context}
    )


@login_required(login_url="admin:login")
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Show a new authenticator key (QR code and text) and confirm it with a first code."""
    if not request.user.is_staff:
        return HttpResponseRedirect("/")
    device = totp_pending_device(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrol_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", "Código incorreto ou expirado. Confira o relógio do celular e tente de novo.")
    return _page(
        request,
        "accounts/two_factor_enrol.html",
        title="Ativar a verificação em duas etapas",
        form=form,
        qr=qr_svg(device.config_url),
        secret=base64.b32encode(device.bin_key).decode(),
        replacing=user_has_device(request.user),
    )


@login_required(login_url="admin:login")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current code of the staff member's authenticator."""
    if not user_has_device(request.user):
        return HttpResponseRedirect(f"/conta/2fa/?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_verify(user=request.user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error(
            "token", "Código incorreto. Após vários erros, aguarde alguns segundos entre as tentativas."
        )
    return _page(request, "accounts/two_factor_verify.html", title="Verificação em duas etapas", form=form)


def lockout(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429, in Portuguese."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "accounts/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
