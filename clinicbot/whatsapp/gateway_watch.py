"""A WARNING when every send to the gateway has been failing for a while, and when it recovers.

The run of failures is read from the gateway call log (shared by every process), so the
warning reflects the gateway, not one worker's luck; each process warns once per outage.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from clinicbot.core.models import GatewayCallLog

logger = logging.getLogger("clinicbot.gateway")

# gateway name -> start of the failure run this process already warned about
_warned: dict[str, dt.datetime] = {}


def gateway_call_failed(gateway: str) -> None:
    """After a failed send: warn once the failures have lasted ``GATEWAY_OUTAGE_WARNING_SECONDS``."""
    since = GatewayCallLog.objects.failing_since(gateway)
    if since is None or _warned.get(gateway) == since:
        return
    seconds = (timezone.now() - since).total_seconds()
    if seconds >= settings.GATEWAY_OUTAGE_WARNING_SECONDS:
        _warned[gateway] = since
        logger.warning(
            "gateway %s: every send has failed for %.0f s; replies are kept and retried", gateway, seconds
        )


def gateway_call_succeeded(gateway: str) -> None:
    """After a successful send: say so if this process warned about an outage."""
    since = _warned.pop(gateway, None)
    if since is not None:
        seconds = (timezone.now() - since).total_seconds()
        logger.warning("gateway %s answers again after %.0f s of failures", gateway, seconds)
