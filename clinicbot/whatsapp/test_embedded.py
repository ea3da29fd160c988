"""The embedded default's in-process worker: the default debounce through a real gateway, the sweeper.

Tasks run in-process (no broker) as on ``make run``; the scheduler is the one the server
starts (``start_embedded_worker``), with its timer and pool threads on the test database.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from clinicbot.clinics.models import Doctor
from clinicbot.conversations.inbox import Incoming, inbox_store
from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.core.scheduler import running_scheduler, stop_scheduler
from clinicbot.ops.models import DailyMetrics
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import meta_cloud_api, meta_signature, meta_text_webhook
from clinicbot.whatsapp import embedded
from clinicbot.whatsapp.embedded import start_embedded_worker

SECRET = "embedded-secret"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(settings):
    with meta_cloud_api(secret=SECRET, CELERY_TASK_ALWAYS_EAGER=True) as server:
        load_clinic()
        settings.MESSAGE_DEBOUNCE_MS = 1500  # the production default (conftest sets 0)
        yield server
        stop_scheduler()


def post(payload: dict) -> int:
    body = json.dumps(payload).encode()
    return (
        Client()
        .post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
        )
        .status_code
    )


def wait_for(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # a read racing the worker thread's write (in-memory test database)
            pass
        time.sleep(0.1)
    return False


def test_messages_within_the_default_window_are_answered_once_together_after_it(api):
    assert start_embedded_worker() is True
    phone = "5519991120001"
    first = time.monotonic()
    assert (
        post(meta_text_webhook(phone=phone, text="oi", message_id="wamid.D1", timestamp=int(time.time())))
        == 200
    )
    time.sleep(0.2)
    assert (
        post(
            meta_text_webhook(
                phone=phone,
                text="quais convenios vcs aceitam?",
                message_id="wamid.D2",
                timestamp=int(time.time()),
            )
        )
        == 200
    )
    acknowledged = time.monotonic() - first
    assert api.texts_to(phone) == [], "answered inside the window: the debounce was ignored"

    assert wait_for(lambda: any("Cassi" in t for t in api.texts_to(phone))), "never answered"
    inbound = list(ConversationMessage.objects.filter(direction=Direction.USER).order_by("id"))
    assert len({m.processed_at for m in inbound}) == 1 and inbound[0].processed_at is not None  # one turn
    replies = ConversationMessage.objects.filter(direction=Direction.BOT)
    assert len(api.texts_to(phone)) == replies.count()  # each reply sent once
    assert acknowledged < 1.5  # the webhooks did not wait for the window


def test_a_message_left_unanswered_by_an_ended_process_is_answered_when_the_server_starts(api):
    # Stored and acknowledged, but its timer died with the process that held it.
    stored_at = timezone.now() - dt.timedelta(seconds=5)
    inbox_store(
        items=[
            Incoming(
                gateway="meta",
                gateway_id="wamid.LEFT",
                conversation_key="5519991120002",
                phone="5519991120002",
                text="quais convenios vcs aceitam?",
                kind="text",
                timestamp=stored_at,
            )
        ],
        now=stored_at,
    )
    assert start_embedded_worker() is True
    assert start_embedded_worker() is False  # once per process
    assert wait_for(lambda: any("Cassi" in t for t in api.texts_to("5519991120002")))
    assert ConversationMessage.objects.get(direction=Direction.USER).processed_at is not None


def test_with_a_broker_the_server_starts_no_in_process_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert start_embedded_worker() is False
    assert running_scheduler() is None


def test_the_server_runs_reminders_waiting_list_expiry_and_the_roll_up_without_celery_beat(
    api, settings, monkeypatch
):
    """On the embedded default nobody runs beat or cron: the server's own scheduler does."""
    settings.REMINDER_LEAD_HOURS = [24]
    monkeypatch.setattr(embedded, "FIRST_RUN_DELAY_SECONDS", 0.0)
    # One job at a time: the in-memory test database locks whole tables (the file one waits).
    monkeypatch.setattr(embedded, "FIRST_RUN_STAGGER_SECONDS", 1.0)
    now = timezone.now()
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = doctor.specialties.first(), doctor.insurances.first()
    start = (now + dt.timedelta(hours=23)).replace(second=0, microsecond=0)
    appointment = Appointment.objects.create(
        patient_name="Marta Reis",
        phone="5519991120003",
        doctor=doctor,
        specialty=specialty,
        insurance=insurance,
        start=start,
        end=start + dt.timedelta(minutes=30),
        confirmation_code="EMB001",
    )
    offer = WaitlistEntry.objects.create(
        phone="5519991120004",
        patient_name="Ana Paula Prado",
        specialty=specialty,
        insurance=insurance,
        date_from=start.date(),
        date_to=start.date() + dt.timedelta(days=1),
        status=WaitlistStatus.OFFERED,
        offered_doctor=doctor,
        offered_start=start + dt.timedelta(hours=1),
        offer_expires_at=now - dt.timedelta(minutes=1),
    )

    assert start_embedded_worker() is True

    assert wait_for(
        lambda: OutboundNotification.objects.filter(
            appointment=appointment, type=NotificationType.REMINDER
        ).exists()
    ), "no reminder"
    assert wait_for(lambda: WaitlistEntry.objects.get(id=offer.id).status == WaitlistStatus.EXPIRED)
    assert wait_for(lambda: DailyMetrics.objects.filter(date=timezone.localdate()).exists())


def test_every_beat_job_but_the_heartbeat_has_an_in_process_schedule(settings):
    jobs = {key: seconds for key, _, seconds in embedded.periodic_jobs()}
    assert set(jobs) == set(settings.CELERY_BEAT_SCHEDULE) - {"worker-heartbeat", "sweep-unprocessed"}
    assert jobs["send-due-notifications"] == 60.0 and jobs["rollup-daily-metrics"] == 3600.0
