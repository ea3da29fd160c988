"""The detailed health report: can the assistant work right now, and how busy is it.

``health_report()`` checks each dependency with a short timeout and reads a few
operational figures. The overall status is

* ``unhealthy`` (HTTP 503) when nothing gets answered or anyone can write in: the database
  is unreachable, messages can reach the assistant without authentication (``inbound``), no
  worker has reported alive for ``HEALTH_WORKER_MAX_AGE_SECONDS`` while the broker is up,
  or a message (or reply) has been waiting longer than ``HEALTH_BACKLOG_UNHEALTHY_SECONDS``;
* ``degraded`` when patients are still answered but something is wrong: the cache, the
  broker (the web process answers meanwhile) or the gateway configuration is not working,
  a message or reply has waited longer than ``HEALTH_BACKLOG_DEGRADED_SECONDS``, at
  least ``HEALTH_GATEWAY_ERROR_RATE`` of the recent sends failed, or the transcription
  provider's breaker is open (voice notes get the polite "please write" meanwhile);
* ``healthy`` otherwise. ``reasons`` says which rule decided.

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
from django.db.models import Max, Min
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.core.models import GatewayCallLog
from clinicbot.llm.audio_usage import audio_seconds_used
from clinicbot.llm.breaker import TRANSCRIBE, breaker_is_open
from clinicbot.llm.usage import daily_budget, tokens_counted
from clinicbot.outreach.models import NotificationStatus, OutboundNotification
from clinicbot.whatsapp.gateways.registry import GatewayConfigError, gateway_from_settings
from clinicbot.whatsapp.simulator_access import unauthenticated_inbound

from .models import WorkerHeartbeat

BROKER_TIMEOUT_SECONDS = 2.0
ACTIVE_WINDOW = dt.timedelta(minutes=30)
RECENT_WINDOW = dt.timedelta(hours=1)
_OUTBOUND = (Direction.BOT, Direction.STAFF)
_ATTEMPTED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED)
_UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
# Fewer sends than this in the window say nothing about the gateway's error rate.
GATEWAY_MIN_SENDS = 3


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class CheckStatus(StrEnum):
    OK = "ok"
    DOWN = "down"
    EAGER = "eager"  # no broker: tasks run in-process (the embedded default)
    STALE = "stale"  # the worker's heartbeat is too old
    MISSING = "missing"  # no worker ever reported


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
    # The class itself: mypy cannot see through kombu's lazy top-level module.
    from kombu.connection import Connection

    try:
        # kombu is typed, but not Connection's constructor.
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:  # type: ignore[no-untyped-call]
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


def _check_transcription(now: dt.datetime) -> dict[str, Any]:
    """The voice-note transcription provider: configured, its breaker, today's seconds against the budget."""
    provider = str(settings.TRANSCRIBE_PROVIDER)
    if provider == "off":
        return {"provider": "off"}
    used = audio_seconds_used(day=timezone.localdate(now))
    budget = settings.TRANSCRIBE_DAILY_SECONDS_BUDGET
    return {
        "provider": provider,
        "breaker": "open" if breaker_is_open(now=now, name=TRANSCRIBE) else "closed",
        "seconds_today": used,
        "daily_seconds_budget": budget,
        "budget_spent": budget <= 0 or used >= budget,
        "voice_replies": str(settings.VOICE_REPLIES),
    }


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
    tokens = tokens_counted(day=timezone.localdate(now))
    budget = daily_budget()
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


def _check_worker(now: dt.datetime) -> dict[str, Any]:
    """The newest worker heartbeat (a beat task that goes through the turns' queue)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": CheckStatus.EAGER}
    seen = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    if seen is None:
        return {"status": CheckStatus.MISSING, "last_seen": None, "age_seconds": None}
    age = (now - seen).total_seconds()
    fresh = age <= settings.HEALTH_WORKER_MAX_AGE_SECONDS
    return {
        "status": CheckStatus.OK if fresh else CheckStatus.STALE,
        "last_seen": seen.isoformat(),
        "age_seconds": round(age),
    }


def _age(oldest: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if oldest is None else max(0, round((now - oldest).total_seconds()))


def _backlog(now: dt.datetime) -> dict[str, Any]:
    """How long the oldest unanswered message and the oldest unsent reply have waited (s)."""
    unanswered = ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None)
    unsent = ConversationMessage.objects.filter(direction__in=_OUTBOUND, delivery_status__in=_UNSENT)
    return {
        "oldest_unanswered_seconds": _age(unanswered.aggregate(t=Min("timestamp"))["t"], now),
        "oldest_unsent_seconds": _age(unsent.aggregate(t=Min("timestamp"))["t"], now),
    }


def _gateway_recent(gateway: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The configured gateway's sends in the last ``HEALTH_GATEWAY_WINDOW_SECONDS``."""
    window = settings.HEALTH_GATEWAY_WINDOW_SECONDS
    if not gateway["configured"]:
        return {"window_seconds": window, "sends": 0, "failed": 0, "error_rate": None}
    sends, failed = GatewayCallLog.objects.outcomes_since(gateway["name"], now - dt.timedelta(seconds=window))
    return {
        "window_seconds": window,
        "sends": sends,
        "failed": failed,
        "error_rate": round(failed / sends, 4) if sends else None,
    }


def _verdict(checks: dict[str, Any], figures: dict[str, Any]) -> tuple[HealthStatus, list[str]]:
    """Apply the thresholds (see the module docstring); the reasons name every rule that fired."""
    unhealthy: list[str] = []
    degraded: list[str] = []
    broker_down = checks["task_broker"]["status"] == CheckStatus.DOWN
    if not checks["inbound"]["authenticated"]:
        unhealthy.append("messages accepted without authentication")
    worker = checks["worker"]
    if worker["status"] in (CheckStatus.STALE, CheckStatus.MISSING):
        if broker_down:  # it cannot reach the queue; the web process answers meanwhile
            degraded.append("no worker heartbeat while the broker is down")
        else:
            unhealthy.append(f"no worker heartbeat for {worker['age_seconds'] or '?'} s")
    if checks["cache"]["status"] != CheckStatus.OK:
        degraded.append("cache down")
    if broker_down:
        degraded.append("task broker down")
    if not checks["gateway"]["configured"]:
        degraded.append("gateway not configured")
    for name, label in (
        ("oldest_unanswered_seconds", "message unanswered"),
        ("oldest_unsent_seconds", "reply unsent"),
    ):
        age = figures[name]
        if age is not None and age > settings.HEALTH_BACKLOG_UNHEALTHY_SECONDS:
            unhealthy.append(f"{label} for {age} s")
        elif age is not None and age > settings.HEALTH_BACKLOG_DEGRADED_SECONDS:
            degraded.append(f"{label} for {age} s")
    if checks["transcription"].get("breaker") == "open":
        degraded.append("transcription provider failing (breaker open)")
    recent = figures["gateway_recent"]
    if recent["sends"] >= GATEWAY_MIN_SENDS and recent["error_rate"] >= settings.HEALTH_GATEWAY_ERROR_RATE:
        degraded.append(f"{recent['failed']} of {recent['sends']} recent sends failed")
    if unhealthy:
        return HealthStatus.UNHEALTHY, unhealthy + degraded
    return (HealthStatus.DEGRADED if degraded else HealthStatus.HEALTHY), degraded


def health_report(*, now: dt.datetime | None = None) -> HealthReport:
    """Check every dependency and gather the figures of ``GET /health/detailed``."""
    now = now or timezone.now()
    database = _check_database()
    checks: dict[str, Any] = {
        "database": database,
        "cache": _check_cache(),
        "task_broker": _check_broker(),
        "gateway": _check_gateway(),
        "inbound": _check_inbound(),
    }
    if database["status"] != CheckStatus.OK:
        return HealthReport(HealthStatus.UNHEALTHY, {**checks, "reasons": ["database down"]})
    checks["worker"] = _check_worker(now)
    checks["transcription"] = _check_transcription(now)
    figures = {**_figures(now), **_backlog(now), "gateway_recent": _gateway_recent(checks["gateway"], now)}
    status, reasons = _verdict(checks, figures)
    return HealthReport(status, {**checks, "reasons": reasons}, figures)


def bearer_token_matches(*, authorization: str, expected: str) -> bool:
    """True when ``Authorization: Bearer <expected>`` (constant-time); never with an empty token."""
    scheme, _, token = authorization.partition(" ")
    # Compared as bytes: compare_digest refuses non-ASCII str (a 500 for a stray "é").
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(token.strip().encode(), expected.encode())
    )
