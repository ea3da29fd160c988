"""System checks: a webhook URL without its signing secret is a configuration error."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def webhook_secret_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """``manage.py check`` (and runserver/migrate) fail when the push would go unsigned."""
    if settings.CLINIC_SYSTEM_WEBHOOK_URL and not settings.CLINIC_SYSTEM_WEBHOOK_SECRET:
        return [
            Error(
                "CLINIC_SYSTEM_WEBHOOK_URL is set but CLINIC_SYSTEM_WEBHOOK_SECRET is empty",
                hint="Set the shared secret the clinic system uses to verify X-Clinicbot-Signature.",
                id="integrations.E001",
            )
        ]
    return []
