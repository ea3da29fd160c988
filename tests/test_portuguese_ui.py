"""Every staff page and admin list, rendered in pt-BR, holds no English UI word and no slip.

The front desk reads these screens all day: Django's own strings that its pt_BR catalogue
lacks, third-party apps without one (django-axes), plurals ("1 transferências", "0 minuto",
"consulta(s)"), capitalised months and weekdays, and "O chave" (gender) are all failures.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinicbot.api.services import api_key_create
from clinicbot.clinics.models import Doctor, Holiday, Specialty
from clinicbot.conversations.models import ConversationSession
from clinicbot.core.models import GatewayCallLog
from clinicbot.integrations.models import SyncEvent
from clinicbot.llm.models import ConversationTokenUsage, TokenUsage
from clinicbot.ops.models import DailyMetrics
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.privacy.services import patient_data_export
from clinicbot.scheduling.calendar_tokens import calendar_token_create
from clinicbot.scheduling.models import Appointment, WaitlistEntry
from clinicbot.testing import DEMO_CLINIC, Patient, load_clinic
from clinicbot.testing.portuguese import problems

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic_day(admin_user, django_user_model):
    """A day with something on every screen: bookings, a hand-off, a waiting list, logs, keys."""
    load_clinic(DEMO_CLINIC)
    now = timezone.now()
    marta = Patient("5511988887777", now - dt.timedelta(minutes=20))
    marta.says("oi, sou a Marta Reis, quero marcar dermatologia pela unimed")
    marta.says("o primeiro")
    marta.says("sim")
    Patient("5511977776666", now - dt.timedelta(seconds=20)).says("quero falar com um atendente")
    Patient("5511966665555", now - dt.timedelta(hours=3)).says("quero falar com um atendente")
    doctor = Doctor.objects.get(name="Dr. Ícaro Sobral")
    appointment = Appointment.objects.first()
    WaitlistEntry.objects.create(
        phone="5511955554444",
        patient_name="Ana Paula Prado",
        specialty=doctor.specialties.first(),
        insurance=doctor.insurances.first(),
        date_from=timezone.localdate(),
        date_to=timezone.localdate(),
    )
    DailyMetrics.objects.create(
        date=timezone.localdate() - dt.timedelta(days=1), conversations=1, bookings=1, handoffs=1
    )
    OutboundNotification.objects.create(
        type=NotificationType.REMINDER, phone="5511988887777", text="Lembrete", scheduled_for=now
    )
    GatewayCallLog.objects.create(gateway="meta", operation="send", status_code=200, ok=True)
    TokenUsage.objects.create(
        day=timezone.localdate(), provider="openai", prompt_tokens=10, completion_tokens=1
    )
    ConversationTokenUsage.objects.create(session_id=ConversationSession.objects.first().id, prompt_tokens=3)
    SyncEvent.objects.create(event="booking.created", appointment=appointment, body={})
    api_key_create(name="Site da clínica", scopes=["slots:read"])
    calendar_token_create(doctor_id=doctor.id, label="recepção")
    patient_data_export(phone="5511988887777", actor=admin_user)
    AccessAttempt.objects.create(
        username="rita", ip_address="10.0.0.1", user_agent="x", failures_since_start=1
    )
    AccessLog.objects.create(username="rita", ip_address="10.0.0.1", user_agent="x")
    AccessFailureLog.objects.create(username="rita", ip_address="10.0.0.1", user_agent="x")
    rita = django_user_model.objects.create_user("rita", password="x", is_staff=True)
    TOTPDevice.objects.create(user=rita, name="celular", confirmed=True)  # not the admin's: no 2FA step
    return {"doctor": doctor, "session": ConversationSession.objects.get(phone="5511977776666")}


def staff_pages(clinic_day) -> list[str]:
    doctor = clinic_day["doctor"]
    day = timezone.localdate() + dt.timedelta(days=((0 - timezone.localdate().weekday()) % 7) or 7)
    return [
        "/",
        "/staff/",
        f"/staff/conversas/{clinic_day['session'].id}/",
        f"/staff/agenda/?medico={doctor.id}&data={day.isoformat()}",
        "/staff/agenda/",
        "/ops/dashboard/?dias=7",
        "/simulator/",
        "/admin/",
        "/admin/privacy/privacyauditentry/dados-do-paciente/",
    ]


def admin_pages() -> list[str]:
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    pages.append(reverse("admin:scheduling_appointment_add"))
    pages.append(reverse("admin:scheduling_appointment_change", args=[Appointment.objects.first().id]))
    return pages


def test_every_staff_page_and_admin_list_is_in_portuguese_without_slips(admin_client, clinic_day):
    failures = {}
    for url in staff_pages(clinic_day) + admin_pages():
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found = problems(response.content.decode())
        if found:
            failures[url] = found[:6]
    assert not failures, "\n".join(f"{url}:\n  " + "\n  ".join(found) for url, found in failures.items())


def test_the_login_page_is_in_portuguese():
    assert problems(Client().get("/admin/login/").content.decode()) == []


def messages_of(response) -> list[str]:
    """The messages shown on the page, as read (links are text)."""
    return [re.sub(r"<[^>]+>", "", str(m)) for m in response.context["messages"]] if response.context else []


def test_admin_messages_agree_with_the_models_gender_and_number(admin_client):
    load_clinic(DEMO_CLINIC)
    added = admin_client.post(
        reverse("admin:api_apikey_add"), {"name": "Site da clínica", "scopes": ["slots:read"]}, follow=True
    )
    assert "A chave de API “Site da clínica (cbk_" in messages_of(added)[-1]
    assert messages_of(added)[-1].endswith("” foi adicionada com sucesso.")

    specialty = Specialty.objects.create(name="Geriatria")
    changelist = admin_client.get(reverse("admin:clinics_specialty_changelist")).content.decode()
    assert "Remover as especialidades selecionadas" in changelist
    deleted = admin_client.post(
        reverse("admin:clinics_specialty_changelist"),
        {"action": "delete_selected", "_selected_action": [specialty.id], "post": "yes"},
        follow=True,
    )
    assert "1 especialidade removida com sucesso." in messages_of(deleted)

    holiday = Holiday.objects.first()
    changed = admin_client.post(
        reverse("admin:clinics_holiday_change", args=[holiday.id]),
        {"date": holiday.date.strftime("%d/%m/%Y"), "name": "Data Magna", "_continue": "1"},
        follow=True,
    )
    assert messages_of(changed)[-1].endswith(
        "” foi alterado com sucesso. Você pode alterá-lo novamente abaixo."
    )
    assert messages_of(changed)[-1].startswith("O feriado “")


def test_admin_actions_count_with_django_pluralisation(admin_client, clinic_day):
    one = Appointment.objects.first()
    response = admin_client.post(
        reverse("admin:scheduling_appointment_changelist"),
        {"action": "confirm", "_selected_action": [one.id]},
        follow=True,
    )
    assert "1 consulta com presença confirmada." in messages_of(response)
    response = admin_client.post(
        reverse("admin:conversations_conversationsession_changelist"),
        {
            "action": "hand_back",
            "_selected_action": list(ConversationSession.objects.values_list("id", flat=True)),
        },
        follow=True,
    )
    assert "3 conversas devolvidas ao assistente." in messages_of(response)
