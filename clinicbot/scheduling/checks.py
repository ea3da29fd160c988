"""System check: the old shared CALENDAR_TOKEN no longer opens any feed."""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import Warning, register


@register()
def legacy_calendar_token_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Warn (``manage.py check``, runserver, migrate) when CALENDAR_TOKEN is still set."""
    if not os.environ.get("CALENDAR_TOKEN"):
        return []
    return [
        Warning(
            "CALENDAR_TOKEN is no longer used: one token opened every doctor's feed",
            hint="Create one token per doctor in admin (Agenda › Links da agenda) and unset CALENDAR_TOKEN.",
            id="scheduling.W001",
        )
    ]
