"""Which clinic-system implementations are on, from settings."""

from __future__ import annotations

from django.conf import settings

from .base import ClinicSystemSync
from .ics import IcsFeedSync
from .webhook import WebhookSync


def sync_backends() -> list[ClinicSystemSync]:
    """The iCalendar feed always; the signed webhook when its URL and secret are set.

    A URL without a secret is refused by the system check ``integrations.E001``.
    """
    backends: list[ClinicSystemSync] = [IcsFeedSync()]
    if settings.CLINIC_SYSTEM_WEBHOOK_URL and settings.CLINIC_SYSTEM_WEBHOOK_SECRET:
        backends.append(WebhookSync())
    return backends
