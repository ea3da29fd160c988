"""The detailed health report: can the assistant work right now, and how busy is it.

``health_report()`` checks each dependency with a short timeout and reads a few
operational figures. The overall status is

* ``unhealthy`` (HTTP 503) when the database is unreachable — nothing can be stored —
  or when messages can reach the assistant without authentication (``inbound``);
* ``degraded`` when the cache, the task broker or the gateway configuration is not
  working — messages are still stored and answered from the database, or will be once
  the broker is back (the sweeper picks them up);
* ``healthy`` otherwise.

Nothing here logs or returns patient data: only counts.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.whatsapp.gateways.registry import GatewayConfigError, gateway_from_settings
from clinicbot.whatsapp.simulator_access import unauthenticated_inbound

from .llm_usage import llm_daily_budget, llm_tokens_for_day
from .models import GatewayCallLog, NotificationStatus, OutboundNotification

BROKER_TIMEOUT_SECONDS = 2.0
ACTIVE_WINDOW = dt.timedelta(minutes=30)
RECENT_WINDOW = dt.timedelta(hours=1)
_OUTBOUND = (Direction.BOT, Direction.STAFF)
_ATTEMPTED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED)


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class CheckStatus(StrEnum):
    OK = "ok"
    DOWN = "down"
    EAGER = "eager"  # no broker: tasks run in-process (the embedded default)


@dataclass
class HealthReport:
    status: HealthStatus
    checks: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        return 503 if self.status == HealthStatus.UNHEALTHY else 200

    def as_dict(self) -> dict[str, Any]:
        return {"status": str(self.status), **self.checks, **self.figures}


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": CheckStatus.DOWN, "error": type(exc).__name__}
    return {"status": CheckStatus.OK, "vendor": connection.vendor}


def _check_cache() -> dict[str, Any]:
    # A real round trip (the Redis backend is configured with 0.5 s socket timeouts), not
    # clinicbot.core.cache, whose back-off would hide the failure as a miss.
    probe = secrets.token_hex(4)
    try:
        cache.set("health:probe", probe, 10)
        ok = cache.get("health:probe") == probe
    except Exception as exc:
        return {"status": CheckStatus.DOWN, "error": type(exc).__name__}
    return {"status": CheckStatus.OK if ok else CheckStatus.DOWN, "backend": type(cache).__name__}


def _check_broker() -> dict[str, Any]:
    url = str(settings.CELERY_BROKER_URL)
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return {"status": CheckStatus.EAGER}
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            # One attempt, no back-off sleep: a health check must answer fast.
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:
        return {"status": CheckStatus.DOWN, "error": type(exc).__name__}
    return {"status": CheckStatus.OK}


def _check_gateway() -> dict[str, Any]:
    try:
        gateway = gateway_from_settings(settings)
    except GatewayConfigError as exc:
        # The message names only setting names, never their values.
        return {"configured": False, "name": str(settings.WHATSAPP_GATEWAY), "error": str(exc)}
    return {"configured": True, "name": gateway.name}


def _check_inbound() -> dict[str, Any]:
    """Ways in without authentication (e.g. a public simulator): any of them makes the deployment unhealthy."""
    open_paths = unauthenticated_inbound()
    return {"authenticated": not open_paths, "unauthenticated": open_paths}


def _figures(now: dt.datetime) -> dict[str, Any]:
    """Operational figures from the database (the caller knows it is up)."""
    last_ok = (
        GatewayCallLog.objects.filter(ok=True).order_by("-created_at").values_list("created_at", flat=True)
    )
    recent = ConversationMessage.objects.filter(timestamp__gte=now - RECENT_WINDOW)
    messages_in = recent.filter(direction=Direction.USER).count()
    attempted = recent.filter(direction__in=_OUTBOUND, delivery_status__in=_ATTEMPTED)
    sent_total = attempted.count()
    failed = attempted.filter(delivery_status=DeliveryStatus.FAILED).count() if sent_total else 0
    pending_messages = ConversationMessage.objects.filter(
        direction__in=_OUTBOUND, delivery_status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    ).count()
    due_notifications = OutboundNotification.objects.filter(
        status=NotificationStatus.PENDING, scheduled_for__lte=now
    ).count()
    tokens = llm_tokens_for_day(day=timezone.localdate(now)).total
    budget = llm_daily_budget()
    last = last_ok.first()
    return {
        "last_successful_gateway_call": last.isoformat() if last else None,
        "active_conversations": ConversationSession.objects.filter(
            last_activity__gte=now - ACTIVE_WINDOW
        ).count(),
        "messages_last_hour": {"in": messages_in, "out": sent_total},
        "error_rate": round(failed / sent_total, 4) if sent_total else 0.0,
        "pending_outbound": pending_messages + due_notifications,
        "token_budget": {
            "used_today": tokens,
            "daily_budget": budget,
            "fraction_used": round(tokens / budget, 4) if budget else None,
        },
    }


def health_report(*, now: dt.datetime | None = None) -> HealthReport:
    """Check every dependency and gather the figures of ``GET /health/detailed``."""
    now = now or timezone.now()
    database = _check_database()
    checks = {
        "database": database,
        "cache": _check_cache(),
        "task_broker": _check_broker(),
        "gateway": _check_gateway(),
        "inbound": _check_inbound(),
    }
    if database["status"] != CheckStatus.OK:
        return HealthReport(HealthStatus.UNHEALTHY, checks)
    if not checks["inbound"]["authenticated"]:
        return HealthReport(HealthStatus.UNHEALTHY, checks, _figures(now))
    degraded = (
        checks["cache"]["status"] != CheckStatus.OK
        or checks["task_broker"]["status"] == CheckStatus.DOWN
        or not checks["gateway"]["configured"]
    )
    return HealthReport(HealthStatus.DEGRADED if degraded else HealthStatus.HEALTHY, checks, _figures(now))


def bearer_token_matches(*, authorization: str, expected: str) -> bool:
    """True when ``Authorization: Bearer <expected>`` (constant-time); never with an empty token."""
    scheme, _, token = authorization.partition(" ")
    # Compared as bytes: compare_digest refuses non-ASCII str (a 500 for a stray "é").
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(token.strip().encode(), expected.encode())
    )
