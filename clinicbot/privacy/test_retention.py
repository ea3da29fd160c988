"""Retention purge: what is old enough goes, in batches; appointments and live conversations stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command

from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.privacy.models import PrivacyAction, PrivacyAuditEntry
from clinicbot.privacy.retention import retention_purge
from clinicbot.privacy.tasks import purge_old_data
from clinicbot.scheduling.models import Appointment
from clinicbot.testing.factories import AppointmentFactory, ConversationSessionFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
pytestmark = pytest.mark.django_db


def message(session: ConversationSession, at: dt.datetime, text: str = "oi") -> ConversationMessage:
    return ConversationMessage.objects.create(
        session=session, direction=Direction.USER, content=text, timestamp=at
    )


def days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_messages_are_purged_strictly_past_the_retention_age():
    active = ConversationSessionFactory(last_activity=NOW)
    too_old = message(active, days_ago(365) - SECOND)
    at_limit = message(active, days_ago(365))
    recent = message(active, days_ago(365) + SECOND)
    result = retention_purge(now=NOW, messages_days=365, sessions_days=180)
    assert result.messages == 1
    assert set(ConversationMessage.objects.values_list("id", flat=True)) == {at_limit.id, recent.id}
    assert not ConversationMessage.objects.filter(id=too_old.id).exists()


def test_idle_sessions_are_purged_with_their_messages_unless_a_booking_is_ahead():
    idle = ConversationSessionFactory(last_activity=days_ago(180) - SECOND)
    message(idle, days_ago(181))
    at_limit = ConversationSessionFactory(last_activity=days_ago(180))
    lively = ConversationSessionFactory(last_activity=days_ago(10))
    waiting = ConversationSessionFactory(last_activity=days_ago(300))
    AppointmentFactory(session=waiting, start=NOW + dt.timedelta(days=3))
    with_history = ConversationSessionFactory(last_activity=days_ago(400))
    past = AppointmentFactory(session=with_history, start=days_ago(390))

    result = retention_purge(now=NOW, messages_days=365, sessions_days=180)

    assert result.sessions == 2 and result.messages == 1
    assert set(ConversationSession.objects.values_list("id", flat=True)) == {
        at_limit.id,
        lively.id,
        waiting.id,
    }
    # The clinic's record of a consultation survives its conversation.
    past.refresh_from_db()
    assert past.session_id is None and Appointment.objects.count() == 2


def test_purge_deletes_in_batches_of_the_given_size():
    session = ConversationSessionFactory(last_activity=NOW)
    for i in range(5):
        message(session, days_ago(400 + i))
    batches: list[tuple[str, int]] = []
    result = retention_purge(now=NOW, batch_size=2, progress=lambda label, n: batches.append((label, n)))
    assert batches == [("messages", 2), ("messages", 2), ("messages", 1)]
    assert result.messages == 5 and not ConversationMessage.objects.exists()
    entry = PrivacyAuditEntry.objects.get()
    assert (entry.action, entry.counts) == (PrivacyAction.PURGE, {"messages": 5, "sessions": 0})


def test_ages_come_from_settings(settings):
    settings.RETENTION_MESSAGES_DAYS = 30
    session = ConversationSessionFactory(last_activity=NOW)
    message(session, days_ago(31))
    message(session, days_ago(29))
    assert retention_purge(now=NOW).messages == 1


def test_command_reports_what_it_removed_and_dry_run_removes_nothing():
    now = dt.datetime.now(dt.UTC)
    session = ConversationSessionFactory(last_activity=now - dt.timedelta(days=500))
    message(session, now - dt.timedelta(days=400))
    message(session, now - dt.timedelta(days=200))
    out = io.StringIO()
    call_command("purge_old_data", "--dry-run", stdout=out)
    assert "mensagens antes de" in out.getvalue() and ": 1;" in out.getvalue()
    assert ConversationMessage.objects.count() == 2
    out = io.StringIO()
    call_command("purge_old_data", stdout=out)
    assert "apagadas: 2 mensagens, 1 conversas" in out.getvalue()
    assert not ConversationSession.objects.exists()


def test_the_daily_beat_task_runs_the_same_purge():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-old-data"]
    assert entry["task"] == purge_old_data.name
    session = ConversationSessionFactory(last_activity=dt.datetime.now(dt.UTC))
    message(session, dt.datetime.now(dt.UTC) - dt.timedelta(days=366))
    assert purge_old_data.apply().get() == {"messages": 1, "sessions": 0}
    assert PrivacyAuditEntry.objects.get().actor == "beat"
