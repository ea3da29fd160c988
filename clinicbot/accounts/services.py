"""The TOTP second factor of staff accounts (django-otp's TOTPDevice, one per person)."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Aplicativo autenticador"


def two_factor_required(user: Any) -> bool:
    """Whether ``user`` must pass the second factor: staff, when enforced or once enrolled."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return bool(settings.STAFF_REQUIRE_2FA) or user_has_device(user)


def totp_pending_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, so a reload shows the same code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_enrol_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm ``device`` when ``token`` is its current code; replaces any older device."""
    if not device.verify_token(token.strip()):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(id=device.id).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def totp_verify(*, user: AbstractBaseUser, token: str) -> TOTPDevice | None:
    """The user's confirmed device that accepts ``token`` (throttled by django-otp), or None."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.strip()):
            return device
    return None


def qr_svg(data: str) -> str:
    """``data`` as an inline SVG QR code (no image library, no request to a third party)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return str(image.to_string(encoding="unicode"))
