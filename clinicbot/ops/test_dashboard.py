"""The staff dashboard page, server side: who may see it and what it shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from clinicbot.ops.dashboard import dashboard_rows
from clinicbot.ops.models import DailyMetrics
from clinicbot.testing import Patient, load_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model) -> Client:
    client = Client()
    user = django_user_model.objects.create_user("gerente", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dailymetrics"))
    client.force_login(user)
    return client


def test_only_staff_can_open_the_dashboard(django_user_model):
    anonymous = Client().get("/ops/dashboard/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    patient = Client()
    patient.force_login(django_user_model.objects.create_user("paciente", password="x"))
    assert patient.get("/ops/dashboard/").status_code == 302


def test_missing_days_are_zeros_and_the_period_is_complete():
    today = timezone.localdate()
    DailyMetrics.objects.create(date=today - dt.timedelta(days=2), conversations=5, bookings=2)
    rows = dashboard_rows(now=timezone.now(), days=7)
    assert [r.date for r in rows] == [today - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert [r.conversations for r in rows] == [0, 0, 0, 0, 5, 0, 0]


@pytest.mark.django_db(transaction=True)
def test_todays_figures_are_live_without_any_roll_up(staff):
    """A conversation of a minute ago is on the dashboard before the hourly roll-up runs."""
    load_clinic()
    now = timezone.now()
    booking = Patient("5511900000021", now)
    booking.says("oi, sou a Joana Prado, quero marcar cardiologista pela unimed")
    booking.says("segunda que vem as 9h")
    assert "Consulta marcada" in booking.says("sim")
    Patient("5511900000022", now).says("quero falar com uma atendente")
    assert not DailyMetrics.objects.exists()  # nobody ran rollup_metrics

    html = staff.get("/ops/dashboard/?dias=7").content.decode()

    assert 'id="card-conversations">Conversas<strong>2<' in html
    assert 'id="card-bookings">Agendamentos<strong>1<' in html
    assert 'id="card-handoffs">Transferências<strong>1<' in html
    assert not DailyMetrics.objects.exists()  # a page view writes nothing


def test_the_dashboard_renders_every_chart_as_inline_svg_with_the_numbers(staff):
    today = timezone.localdate()
    DailyMetrics.objects.create(
        date=today - dt.timedelta(days=1),
        conversations=40,
        bookings=10,
        handoffs=3,
        no_shows=2,
        llm_tokens=1234,
        funnel_collecting=30,
        funnel_choosing_slot=22,
        funnel_confirming=14,
        funnel_booked=10,
    )
    html = staff.get("/ops/dashboard/?dias=7").content.decode()
    for key in ("volume", "conversion", "funnel", "handoffs", "tokens"):
        assert re.search(rf'id="chart-{key}"[^>]*>\s*<svg', html), key
    assert "<script src=" not in html.split('id="chart-volume"')[1]  # no CDN script in the charts
    assert 'id="card-conversion">Conversão<strong>25%' in html
    funnel = html.split('id="funnel-table"')[1]
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", funnel)] == [40, 30, 22, 14, 10]


def test_the_daily_metrics_admin_links_to_the_dashboard(staff, django_user_model):
    django_user_model.objects.filter(username="gerente").update(is_superuser=True)
    page = staff.get("/admin/ops/dailymetrics/").content.decode()
    assert 'href="/ops/dashboard/"' in page
