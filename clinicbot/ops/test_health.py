"""GET /health (liveness) and GET /health/detailed (dependencies and figures, protected)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.core import cache as safe_cache
from clinicbot.core.models import GatewayCallLog
from clinicbot.llm.models import TokenUsage
from clinicbot.ops import health
from clinicbot.ops.models import WorkerHeartbeat
from clinicbot.outreach.models import NotificationType, OutboundNotification

TOKEN = "health-secret-token"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
# Nothing listens on port 1: every call fails at once (connection refused).
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.HEALTH_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def _worker_running():
    """A worker reported just now (it matters where tasks go through a broker)."""
    worker_seen(5)


def detailed(**headers: str):
    return Client().get("/health/detailed", **headers)


def test_liveness_answers_ok_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_detailed_health_needs_the_token_or_a_staff_session(django_user_model):
    assert detailed().status_code == 401
    assert detailed(HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert detailed(HTTP_AUTHORIZATION=TOKEN).status_code == 401  # no scheme
    patient_facing = Client()
    patient_facing.force_login(django_user_model.objects.create_user("paciente", password="x"))
    assert patient_facing.get("/health/detailed").status_code == 401

    assert detailed(**AUTH).status_code == 200
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("ti", password="x", is_staff=True))
    assert staff.get("/health/detailed").status_code == 200


def test_an_empty_health_token_never_matches(settings):
    settings.HEALTH_TOKEN = ""
    assert detailed(HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert detailed(HTTP_AUTHORIZATION="Bearer").status_code == 401


def worker_seen(seconds_ago: float, name: str = "celery@clinic") -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now() - dt.timedelta(seconds=seconds_ago)}
    )


def test_everything_up_is_healthy_with_the_figures():
    body = detailed(**AUTH).json()
    assert body["status"] == "healthy", body
    assert body["reasons"] == []
    assert body["worker"]["status"] in ("ok", "eager")
    assert body["database"]["status"] == "ok"
    assert body["cache"]["status"] == "ok"
    assert body["task_broker"]["status"] in ("ok", "eager")  # eager on the embedded default
    assert body["gateway"] == {"configured": True, "name": "simulator"}
    assert set(body) >= {
        "last_successful_gateway_call",
        "active_conversations",
        "messages_last_hour",
        "error_rate",
        "pending_outbound",
        "token_budget",
        "oldest_unanswered_seconds",
        "oldest_unsent_seconds",
        "gateway_recent",
    }


def test_the_figures_count_the_last_hour_and_the_active_conversations(settings):
    settings.LLM_DAILY_TOKEN_BUDGET = 1000
    now = timezone.now()
    active = ConversationSession.objects.create(
        phone="5511900000001", last_activity=now - dt.timedelta(minutes=5)
    )
    idle = ConversationSession.objects.create(
        phone="5511900000002", last_activity=now - dt.timedelta(hours=2)
    )

    def msg(session, direction, status, minutes_ago):
        ConversationMessage.objects.create(
            session=session,
            direction=direction,
            content="…",
            delivery_status=status,
            timestamp=now - dt.timedelta(minutes=minutes_ago),
        )

    msg(active, Direction.USER, DeliveryStatus.RECEIVED, 5)
    msg(active, Direction.USER, DeliveryStatus.RECEIVED, 4)
    msg(idle, Direction.USER, DeliveryStatus.RECEIVED, 120)  # older than an hour
    msg(active, Direction.BOT, DeliveryStatus.SENT, 5)
    msg(active, Direction.BOT, DeliveryStatus.DELIVERED, 4)
    msg(active, Direction.BOT, DeliveryStatus.READ, 4)
    msg(active, Direction.BOT, DeliveryStatus.FAILED, 3)
    msg(active, Direction.BOT, DeliveryStatus.PENDING, 1)
    msg(idle, Direction.BOT, DeliveryStatus.FAILED, 120)  # older than an hour: not in the rate
    OutboundNotification.objects.create(
        type=NotificationType.REMINDER,
        phone="5511900000001",
        text="…",
        scheduled_for=now - dt.timedelta(minutes=1),
    )
    OutboundNotification.objects.create(
        type=NotificationType.REMINDER,
        phone="5511900000001",
        text="…",
        scheduled_for=now + dt.timedelta(hours=3),
    )
    GatewayCallLog.objects.create(gateway="meta", operation="send", status_code=200, ok=True)
    last_ok = GatewayCallLog.objects.create(gateway="meta", operation="send", status_code=200, ok=True)
    GatewayCallLog.objects.create(gateway="meta", operation="send", status_code=500, ok=False)
    TokenUsage.objects.create(
        day=timezone.localdate(now), provider="gemini", prompt_tokens=150, completion_tokens=100
    )

    body = detailed(**AUTH).json()

    assert body["active_conversations"] == 1
    assert body["messages_last_hour"] == {"in": 2, "out": 4}
    assert body["error_rate"] == 0.25  # 1 failed of 4 attempted
    assert body["pending_outbound"] == 2  # the pending reply and the reminder now due
    assert body["last_successful_gateway_call"] == last_ok.created_at.isoformat()
    assert body["token_budget"] == {"used_today": 250, "daily_budget": 1000, "fraction_used": 0.25}


def test_with_the_cache_down_it_is_degraded_not_failing():
    with override_settings(CACHES=DEAD_REDIS):
        started = time.monotonic()
        response = detailed(**AUTH)
        elapsed = time.monotonic() - started
    safe_cache.reset_backoff()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cache"]["status"] == "down"
    assert body["database"]["status"] == "ok"
    assert "active_conversations" in body  # the figures still come from the database
    assert elapsed < 3, "a dead cache must not hang the health check"


def test_with_the_broker_down_it_is_degraded(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    body = detailed(**AUTH).json()
    assert time.monotonic() - started < 2, "one connection attempt, no retry back-off"
    assert body["status"] == "degraded"
    assert body["task_broker"]["status"] == "down"


def test_a_misconfigured_gateway_is_degraded_and_names_the_missing_setting(settings):
    settings.WHATSAPP_GATEWAY = "meta"
    settings.META_APP_SECRET = ""
    body = detailed(**AUTH).json()
    assert body["status"] == "degraded"
    assert body["gateway"]["configured"] is False
    assert "META_APP_SECRET" in body["gateway"]["error"]


def test_with_the_database_down_it_is_unhealthy_with_503(monkeypatch):
    class DeadConnection:
        vendor = "postgresql"

        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", DeadConnection())
    response = detailed(**AUTH)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"] == {"status": "down", "error": "DatabaseError"}
    assert "active_conversations" not in body


def message(direction: str, seconds_ago: float, **fields: object) -> ConversationMessage:
    session, _ = ConversationSession.objects.get_or_create(
        phone="5511900000009", defaults={"last_activity": timezone.now()}
    )
    return ConversationMessage.objects.create(
        session=session,
        direction=direction,
        content="…",
        timestamp=timezone.now() - dt.timedelta(seconds=seconds_ago),
        **fields,
    )


def test_with_tasks_on_a_broker_a_worker_that_stopped_reporting_makes_it_unhealthy(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the broker's own check is not what this is about
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 60
    WorkerHeartbeat.objects.all().delete()  # no worker ever started
    response = detailed(**AUTH)
    assert (response.status_code, response.json()["status"]) == (503, "unhealthy")
    assert response.json()["worker"]["status"] == "missing"

    worker_seen(30)
    assert detailed(**AUTH).json()["status"] == "healthy"
    worker_seen(61)
    body = detailed(**AUTH).json()
    assert (body["status"], body["worker"]["status"], body["worker"]["age_seconds"]) == (
        "unhealthy",
        "stale",
        61,
    )
    assert body["reasons"] == ["no worker heartbeat for 61 s"]


def test_a_silent_worker_while_the_broker_is_down_is_degraded_the_web_process_answers(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    worker_seen(600)
    body = detailed(**AUTH).json()
    assert body["status"] == "degraded", body
    assert "no worker heartbeat while the broker is down" in body["reasons"]


def test_a_message_waiting_over_a_minute_is_degraded_and_over_five_minutes_unhealthy(settings):
    settings.HEALTH_BACKLOG_DEGRADED_SECONDS, settings.HEALTH_BACKLOG_UNHEALTHY_SECONDS = 60, 300
    waiting = message(Direction.USER, 30)
    body = detailed(**AUTH).json()
    assert (body["status"], body["oldest_unanswered_seconds"]) == ("healthy", 30)

    ConversationMessage.objects.filter(id=waiting.id).update(
        timestamp=timezone.now() - dt.timedelta(seconds=90)
    )
    body = detailed(**AUTH).json()
    assert (body["status"], body["reasons"]) == ("degraded", ["message unanswered for 90 s"])

    ConversationMessage.objects.filter(id=waiting.id).update(
        timestamp=timezone.now() - dt.timedelta(seconds=400)
    )
    response = detailed(**AUTH)
    assert (response.status_code, response.json()["status"]) == (503, "unhealthy")

    ConversationMessage.objects.filter(id=waiting.id).update(processed_at=timezone.now())
    body = detailed(**AUTH).json()
    assert (body["status"], body["oldest_unanswered_seconds"]) == ("healthy", None)


def test_a_reply_left_unsent_is_reported_with_its_age(settings):
    settings.HEALTH_BACKLOG_DEGRADED_SECONDS, settings.HEALTH_BACKLOG_UNHEALTHY_SECONDS = 60, 300
    message(Direction.BOT, 400, delivery_status=DeliveryStatus.SENT)  # sent long ago: not a backlog
    message(Direction.BOT, 120, delivery_status=DeliveryStatus.SENDING)
    message(Direction.STAFF, 70, delivery_status=DeliveryStatus.PENDING)
    body = detailed(**AUTH).json()
    assert (body["status"], body["oldest_unsent_seconds"]) == ("degraded", 120)
    assert body["reasons"] == ["reply unsent for 120 s"]


def test_a_gateway_failing_most_recent_sends_makes_it_degraded(settings):
    settings.HEALTH_GATEWAY_WINDOW_SECONDS, settings.HEALTH_GATEWAY_ERROR_RATE = 300, 0.5

    def call(ok: bool, gateway: str = "simulator", minutes_ago: float = 0) -> None:
        row = GatewayCallLog.objects.create(
            gateway=gateway, operation="send", status_code=200 if ok else 500, ok=ok
        )
        GatewayCallLog.objects.filter(id=row.id).update(
            created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
        )

    call(False, minutes_ago=10)  # before the window
    call(False, gateway="clinic_system")  # another system's calls
    call(True)
    call(False)
    assert detailed(**AUTH).json()["status"] == "healthy"  # two sends say too little

    call(False)
    body = detailed(**AUTH).json()
    assert body["gateway_recent"] == {"window_seconds": 300, "sends": 3, "failed": 2, "error_rate": 0.6667}
    assert (body["status"], body["reasons"]) == ("degraded", ["2 of 3 recent sends failed"])

    for _ in range(3):
        call(True)
    assert detailed(**AUTH).json()["status"] == "healthy"


def test_the_heartbeat_task_records_when_a_worker_last_ran_it():
    from clinicbot.ops.tasks import worker_heartbeat

    WorkerHeartbeat.objects.all().delete()
    worker_heartbeat.apply()
    worker_heartbeat.apply()
    (beat,) = WorkerHeartbeat.objects.all()
    assert (timezone.now() - beat.seen_at).total_seconds() < 5
