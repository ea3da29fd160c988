"""The clinic-system webhook: signed JSON per booking event, retried on 5xx/timeouts, every call logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.test import override_settings

from clinicbot.core.models import GatewayCallLog
from clinicbot.engine.ports import BookingRequest
from clinicbot.scheduling import services as scheduling
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_clinic_system import FakeClinicSystem

from .models import SyncEvent, SyncStatus
from .services import appointment_body
from .tasks import backoff_seconds, deliver_sync_event, sweep_sync_events

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # Wednesday
SECRET = "segredo-compartilhado"

pytestmark = pytest.mark.django_db(transaction=True)


def push_settings(url: str, **extra: object) -> override_settings:
    # Eager on both databases: the task runs in-process right after the commit, retries included.
    return override_settings(
        CLINIC_SYSTEM_WEBHOOK_URL=url,
        CLINIC_SYSTEM_WEBHOOK_SECRET=SECRET,
        CLINIC_SYSTEM_WEBHOOK_TIMEOUT=1,
        CELERY_TASK_ALWAYS_EAGER=True,
        **extra,
    )


def book(phone: str = "5519996600001") -> Appointment:
    p = Patient(phone, NOW)
    p.says("sou Marta Reis, quero clinico geral amanha as 10h, unimed")
    assert "Consulta marcada" in p.says("sim")
    return Appointment.objects.get(phone=phone, status=AppointmentStatus.BOOKED)


def call_logs() -> list[GatewayCallLog]:
    return list(GatewayCallLog.objects.filter(gateway="clinic_system").order_by("id"))


@pytest.fixture(autouse=True)
def clinic() -> None:
    load_clinic()


def test_a_confirmed_booking_is_pushed_signed_with_the_appointment_data():
    with FakeClinicSystem() as system, push_settings(system.url):
        appt = book()
    (request,) = system.requests
    raw, headers = request["raw"], request["headers"]
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Clinicbot-Signature"], expected)
    body = json.loads(raw)
    assert body["event"] == headers["X-Clinicbot-Event"] == "booking.created"
    assert str(body["sent_at"]) == headers["X-Clinicbot-Timestamp"]  # the timestamp is signed too
    assert str(body["id"]) == headers["X-Clinicbot-Delivery"]
    data = body["appointment"]
    assert data["code"] == appt.confirmation_code
    assert data["patient_name"] == "Marta Reis" and data["phone"] == appt.phone
    assert data["doctor"]["name"] == appt.doctor.name
    assert data["start"] == "2026-05-14T10:00:00-03:00"  # clinic time, with its offset
    (log,) = call_logs()
    assert log.ok and log.status_code == 200 and log.operation == "booking.created"
    assert SyncEvent.objects.get().status == SyncStatus.DELIVERED


def test_a_tampered_body_does_not_verify():
    with FakeClinicSystem() as system, push_settings(system.url):
        book()
    raw, header = system.requests[0]["raw"], system.requests[0]["headers"]["X-Clinicbot-Signature"]
    tampered = raw.replace(b"Marta", b"Maria")
    assert header != "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest()


def test_a_server_error_is_retried_until_it_succeeds_and_each_attempt_is_logged():
    with FakeClinicSystem(statuses=[500, 503]) as system, push_settings(system.url):
        book()
    assert len(system.requests) == 3
    assert len({r["raw"] and json.loads(r["raw"])["id"] for r in system.requests}) == 1  # one delivery id
    assert [(log.status_code, log.ok) for log in call_logs()] == [(500, False), (503, False), (200, True)]
    event = SyncEvent.objects.get()
    assert event.status == SyncStatus.DELIVERED and event.attempts == 3


def test_a_timeout_is_retried():
    with FakeClinicSystem(stall_first=1.5) as system, push_settings(system.url):
        book()
    logs = call_logs()
    assert [log.ok for log in logs] == [False, True]
    assert "timeout" in logs[0].error and logs[0].status_code is None
    assert SyncEvent.objects.get().status == SyncStatus.DELIVERED


def test_a_client_error_is_not_retried():
    with FakeClinicSystem(statuses=[422]) as system, push_settings(system.url):
        book()
    assert len(system.requests) == 1
    (log,) = call_logs()
    assert log.status_code == 422 and not log.ok
    event = SyncEvent.objects.get()
    assert event.status == SyncStatus.FAILED and event.last_status_code == 422


def test_it_gives_up_after_the_maximum_attempts():
    with (
        FakeClinicSystem(statuses=[500] * 10) as system,
        push_settings(system.url, CLINIC_SYSTEM_WEBHOOK_MAX_ATTEMPTS=3),
    ):
        book()
    assert len(system.requests) == 3
    assert SyncEvent.objects.get().status == SyncStatus.FAILED


def test_cancel_and_reschedule_are_pushed_once_each():
    with FakeClinicSystem() as system, push_settings(system.url):
        appt = book()
        moved = scheduling.appointment_reschedule(
            appointment_id=appt.id,
            request=BookingRequest(
                phone=appt.phone,
                patient_name=appt.patient_name,
                doctor_id=appt.doctor_id,
                specialty=appt.specialty.name,
                insurance=appt.insurance.name,
                start=appt.start + dt.timedelta(hours=1),
                minutes=30,
            ),
        )
        scheduling.appointment_cancel(appointment_id=moved.id)
        scheduling.appointment_cancel(appointment_id=moved.id)  # already cancelled: nothing new
    events = [b["event"] for b in system.bodies()]
    assert events == ["booking.created", "booking.rescheduled", "booking.cancelled"]
    rescheduled = system.bodies()[1]["appointment"]
    assert rescheduled["rescheduled_from"] == appt.confirmation_code
    assert rescheduled["start"] == "2026-05-14T11:00:00-03:00"


def test_a_rolled_back_booking_pushes_nothing():
    with FakeClinicSystem() as system, push_settings(system.url):
        appt = book()
        with pytest.raises(RuntimeError), transaction.atomic():
            scheduling.appointment_cancel(appointment_id=appt.id)
            raise RuntimeError("the surrounding turn failed")
    assert [b["event"] for b in system.bodies()] == ["booking.created"]
    assert Appointment.objects.get(id=appt.id).status == AppointmentStatus.BOOKED


def test_without_a_url_nothing_is_recorded_or_sent():
    with FakeClinicSystem() as system, push_settings(""):
        book()
    assert system.requests == [] and not SyncEvent.objects.exists() and call_logs() == []


def test_the_sweeper_sends_an_event_whose_task_was_lost():
    appt = book()
    # Stored with the booking but never enqueued (say the broker was down at commit time).
    SyncEvent.objects.create(
        event="booking.created", appointment=appt, body={"appointment": appointment_body(appt)}
    )
    SyncEvent.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    with FakeClinicSystem() as system, push_settings(system.url):
        assert sweep_sync_events() == 1
        assert sweep_sync_events() == 0
    assert [b["appointment"]["code"] for b in system.bodies()] == [appt.confirmation_code]


def test_a_delivered_event_is_not_sent_again():
    with FakeClinicSystem() as system, push_settings(system.url):
        book()
        deliver_sync_event.apply(args=(SyncEvent.objects.get().id,))
    assert len(system.requests) == 1


def test_backoff_doubles_and_is_capped():
    with override_settings(CLINIC_SYSTEM_WEBHOOK_BACKOFF_SECONDS=30):
        assert [backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]
        assert backoff_seconds(20) == 3600


def test_a_url_without_a_secret_fails_the_system_check():
    with (
        override_settings(
            CLINIC_SYSTEM_WEBHOOK_URL="https://example.invalid/x", CLINIC_SYSTEM_WEBHOOK_SECRET=""
        ),
        pytest.raises(SystemCheckError, match="integrations.E001"),
    ):
        call_command("check")
