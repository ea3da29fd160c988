"""The daily roll-up: known numbers on a known day, clinic-timezone boundaries, idempotence."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations.models import (
    ConversationMessage,
    ConversationSession,
    DeliveryStatus,
    Direction,
    HandoffEvent,
    HandoffSource,
)
from clinicbot.conversations.turn_metrics import OPS_KEY
from clinicbot.llm.models import TokenUsage
from clinicbot.ops.models import DailyMetrics
from clinicbot.ops.rollup import daily_metrics_rollup
from clinicbot.ops.tasks import rollup_recent_metrics
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
DAY = dt.date(2026, 5, 13)

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def session(phone: str, *, last: dt.datetime, funnel: dict | None = None) -> ConversationSession:
    return ConversationSession.objects.create(
        phone=phone, last_activity=last, context={OPS_KEY: funnel} if funnel else {}
    )


def user_msg(s: ConversationSession, when: dt.datetime, wait_s: float | None = 1.0) -> None:
    ConversationMessage.objects.create(
        session=s,
        direction=Direction.USER,
        content="…",
        timestamp=when,
        processed_at=when + dt.timedelta(seconds=wait_s) if wait_s is not None else None,
    )


def bot_msg(s: ConversationSession, when: dt.datetime, status: str = DeliveryStatus.SENT) -> None:
    ConversationMessage.objects.create(
        session=s, direction=Direction.BOT, content="…", timestamp=when, delivery_status=status
    )


def appointment(
    *, session=None, created: dt.datetime, start: dt.datetime, status=AppointmentStatus.BOOKED, **kw
):
    appt = Appointment.objects.create(
        patient_name="Paciente",
        phone="5511900000000",
        session=session,
        doctor=Doctor.objects.first(),
        specialty=Specialty.objects.first(),
        insurance=Insurance.objects.first(),
        start=start,
        end=start + dt.timedelta(minutes=30),
        status=status,
        confirmation_code=f"C{Appointment.objects.count():05d}",
        **kw,
    )
    # auto_now(_add) stamped the wall clock: put the row on the fixture's day.
    Appointment.objects.filter(id=appt.id).update(created_at=created, updated_at=created)
    appt.refresh_from_db()
    return appt


@pytest.fixture
def known_day():
    """A day with exactly known activity (see the expected numbers in the test)."""
    load_clinic()
    a = session("5511900000001", last=at(DAY, 9), funnel={DAY.isoformat(): {"stage": 4}})
    b = session(
        "5511900000002",
        last=at(DAY + dt.timedelta(days=1), 0, 30),
        funnel={"2026-05-12": {"stage": 3}, DAY.isoformat(): {"stage": 2}},
    )
    HandoffEvent.objects.create(at=at(DAY, 23, 59), source=HandoffSource.ASSISTANT)  # 02:59 UTC next day
    HandoffEvent.objects.create(at=at(DAY + dt.timedelta(days=1), 0, 30), source=HandoffSource.STAFF)
    e = session("5511900000005", last=at(DAY, 12), funnel={DAY.isoformat(): {"stage": 1}})
    c = session("5511900000003", last=at(DAY - dt.timedelta(days=1), 23, 30))
    d = session("5511900000004", last=at(DAY, 10))

    user_msg(a, at(DAY, 8, 0), wait_s=1.0)
    user_msg(a, at(DAY, 8, 1), wait_s=3.0)
    user_msg(b, at(DAY, 23, 59), wait_s=2.0)  # 02:59 UTC the next day: still the clinic's DAY
    user_msg(b, at(DAY + dt.timedelta(days=1), 0, 30))  # the next day
    user_msg(c, at(DAY - dt.timedelta(days=1), 23, 30))  # the day before
    user_msg(e, at(DAY, 12), wait_s=4.0)
    user_msg(e, at(DAY, 12, 5), wait_s=None)  # not answered yet: no response time
    bot_msg(a, at(DAY, 8, 0))
    bot_msg(a, at(DAY, 8, 1), DeliveryStatus.READ)
    bot_msg(a, at(DAY, 8, 2), DeliveryStatus.FAILED)
    bot_msg(b, at(DAY, 23, 59), DeliveryStatus.DELIVERED)
    bot_msg(d, at(DAY, 10))  # a notice with no patient message: not a conversation

    booked = appointment(session=a, created=at(DAY, 8, 2), start=at(DAY + dt.timedelta(days=5), 9))
    appointment(created=at(DAY, 9), start=at(DAY + dt.timedelta(days=5), 10))  # made by staff
    old = appointment(
        session=b,
        created=at(DAY - dt.timedelta(days=3), 9),
        start=at(DAY, 15),
        status=AppointmentStatus.CANCELLED,
    )
    Appointment.objects.filter(id=old.id).update(updated_at=at(DAY, 23, 59))
    appointment(
        session=b, created=at(DAY, 23, 59), start=at(DAY + dt.timedelta(days=2), 15), rescheduled_from=old
    )
    cancelled = appointment(
        session=a,
        created=at(DAY - dt.timedelta(days=2), 9),
        start=at(DAY, 16),
        status=AppointmentStatus.CANCELLED,
    )
    Appointment.objects.filter(id=cancelled.id).update(updated_at=at(DAY, 11))
    appointment(
        created=at(DAY - dt.timedelta(days=7), 9), start=at(DAY, 14), status=AppointmentStatus.NO_SHOW
    )
    appointment(
        created=at(DAY - dt.timedelta(days=7), 9), start=at(DAY, 14, 30), status=AppointmentStatus.COMPLETED
    )
    TokenUsage.objects.create(day=DAY, provider="gemini", prompt_tokens=1200, completion_tokens=300)
    TokenUsage.objects.create(day=DAY, provider="openai", prompt_tokens=400, completion_tokens=100)
    TokenUsage.objects.create(
        day=DAY - dt.timedelta(days=1), provider="gemini", prompt_tokens=9, completion_tokens=9
    )
    return {"a": a, "b": b, "booked": booked}


EXPECTED = {
    "conversations": 3,  # a, b (23:59 local) and e
    "messages_in": 5,
    "messages_out": 4,  # sent, read, delivered, d's notice (the failed one is not "out")
    "bookings": 1,  # staff's booking and the move are not the assistant's new bookings
    "cancellations": 1,  # the old half of the move is not a cancellation
    "no_shows": 1,
    "handoffs": 1,  # hand-off events of the clinic's day
    "funnel_collecting": 3,
    "funnel_choosing_slot": 2,
    "funnel_confirming": 1,
    "funnel_booked": 1,
    "median_response_ms": 2500.0,  # median of 1 s, 3 s, 2 s, 4 s
    "llm_tokens": 2000,  # both providers' prompt + completion tokens of the day
}


def figures(row: DailyMetrics) -> dict:
    return {name: getattr(row, name) for name in EXPECTED}


def test_a_known_day_rolls_up_to_the_known_numbers(known_day):
    row = daily_metrics_rollup(day=DAY)
    assert figures(row) == EXPECTED
    assert row.conversion_rate == pytest.approx(1 / 3)
    assert row.computed_at is not None


def test_the_day_boundaries_are_the_clinic_timezone_midnights(known_day):
    next_day = daily_metrics_rollup(day=DAY + dt.timedelta(days=1))
    assert next_day.conversations == 1 and next_day.messages_in == 1  # b's 00:30 message
    day_before = daily_metrics_rollup(day=DAY - dt.timedelta(days=1))
    assert day_before.conversations == 1  # c's 23:30 message
    # b's record of the 12th (kept in its state for a few days) is counted on the 12th.
    assert (day_before.funnel_collecting, day_before.funnel_confirming, day_before.funnel_booked) == (1, 1, 0)
    assert DailyMetrics.objects.count() == 2  # one row per day rolled up


def test_running_it_again_changes_nothing_and_keeps_one_row(known_day):
    first = figures(daily_metrics_rollup(day=DAY))
    second = figures(daily_metrics_rollup(day=DAY))
    assert first == second == EXPECTED
    assert DailyMetrics.objects.filter(date=DAY).count() == 1


def test_a_forgotten_session_state_never_lowers_the_funnel_already_counted(known_day):
    daily_metrics_rollup(day=DAY)
    # The conversation expired (a fresh state): its day-by-day record is gone.
    ConversationSession.objects.filter(id=known_day["b"].id).update(context={})
    again = daily_metrics_rollup(day=DAY)
    assert again.funnel_choosing_slot == 2 and again.handoffs == 1
    assert again.conversations == EXPECTED["conversations"]


def test_the_command_rolls_up_the_given_date_and_reports_in_portuguese(known_day):
    out = io.StringIO()
    call_command("rollup_metrics", "--date", DAY.isoformat(), stdout=out)
    assert (
        "2026-05-13: 3 conversas, 1 agendamento, conversão 33%, 1 transferência, 2000 tokens"
        in out.getvalue()
    )
    assert figures(DailyMetrics.objects.get(date=DAY)) == EXPECTED


def test_the_command_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("rollup_metrics", "--date", "13/05/2026")


def test_the_periodic_task_is_scheduled_and_rolls_up_yesterday_and_today():
    from clinicbot.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["rollup-daily-metrics"]
    assert entry["task"] in app.tasks
    days = rollup_recent_metrics.apply().get()
    today = timezone.localdate()
    assert days == [(today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    assert set(DailyMetrics.objects.values_list("date", flat=True)) == {today - dt.timedelta(days=1), today}


@pytest.mark.django_db(transaction=True)
def test_a_real_booking_conversation_is_counted_in_todays_roll_up():
    """The turns themselves record the funnel: book through the pipeline, then roll up."""
    load_clinic()
    p = Patient("5511900000010", timezone.now())
    p.says("oi, quero marcar cardiologista")
    p.says("unimed")
    p.says("Joana Prado Lima")
    p.says("segunda que vem as 9h")
    assert "Consulta marcada" in p.says("sim")
    Patient("5511900000011", timezone.now()).says("quero marcar dermatologista")
    Patient("5511900000012", timezone.now()).says("quero falar com uma atendente")

    row = daily_metrics_rollup(day=timezone.localdate())

    assert row.conversations == 3
    assert row.bookings == 1
    assert (row.funnel_collecting, row.funnel_booked) == (2, 1)
    assert row.handoffs == 1
    assert row.messages_in == 7
    assert row.median_response_ms == 0.0  # the terminal chat answers in the same instant


@pytest.mark.django_db(transaction=True)
def test_every_hand_off_is_counted_even_after_a_hand_back(django_user_model):
    """Hand-offs are events: handed off, handed back, handed off again = 2; staff taking over = 1 more."""
    from clinicbot.conversations.services import session_hand_back
    from clinicbot.staff.services import staff_reply

    load_clinic()
    now = timezone.now()
    ana = Patient("5511900000030", now)
    ana.says("quero falar com uma atendente")
    session_id = ConversationSession.objects.get(phone="5511900000030").id
    session_hand_back(session_id=session_id, now=now)
    ana.says("oi")
    ana.says("quero falar com um atendente de novo")
    ana.says("alguém aí?")  # already with a person: not another hand-off
    bruno = Patient("5511900000031", now)
    bruno.says("qual o endereço?")
    rita = django_user_model.objects.create_user("rita", password="x", is_staff=True)
    bruno_id = ConversationSession.objects.get(phone="5511900000031").id
    staff_reply(session_id=bruno_id, author=rita, text="Oi, Bruno! Posso ajudar?")
    staff_reply(session_id=bruno_id, author=rita, text="Estamos na Av. Central, 100.")  # already hers

    row = daily_metrics_rollup(day=timezone.localdate(now))

    assert row.handoffs == 3
    assert list(HandoffEvent.objects.order_by("id").values_list("source", flat=True)) == [
        "assistant",
        "assistant",
        "staff",
    ]
