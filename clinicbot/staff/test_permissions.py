"""Every staff page and action checks the account's permissions, not just ``is_staff``:
anonymous visitors go to the login, staff without the permission get 403 (and change
nothing), permitted staff — e.g. the "Recepção" group — do the work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from clinicbot.clinics.models import Doctor, Insurance
from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import load_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def session() -> ConversationSession:
    load_clinic()
    return ConversationSession.objects.create(
        phone="5519998800001",
        patient_name="Marta Reis",
        current_state="handoff",
        handed_off=True,
        last_activity=timezone.now(),
    )


@pytest.fixture
def appointment(session: ConversationSession) -> Appointment:
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    start = timezone.now() + dt.timedelta(days=3)
    return Appointment.objects.create(
        patient_name="Marta Reis",
        phone=session.phone,
        doctor=doctor,
        specialty=doctor.specialties.get(),
        insurance=Insurance.objects.get(name="Unimed"),
        start=start,
        end=start + dt.timedelta(minutes=30),
        confirmation_code="PERM01",
    )


def login(django_user_model, *perms: str, groups: tuple[str, ...] = ()) -> Client:
    user = django_user_model.objects.create_user(f"u{django_user_model.objects.count()}", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    client = Client()
    client.force_login(user)
    return client


VIEW = "conversations.view_conversationsession"
REPLY = "conversations.reply_conversation"
AGENDA = "scheduling.view_appointment"

# (name, method, url, permissions the page needs)
PAGES: list[tuple[str, str, Callable[[ConversationSession], str], tuple[str, ...]]] = [
    ("queue", "get", lambda s: "/staff/", (VIEW,)),
    ("conversation", "get", lambda s: f"/staff/conversas/{s.id}/", (VIEW,)),
    ("reply", "post", lambda s: f"/staff/conversas/{s.id}/responder/", (VIEW, REPLY)),
    ("hand back", "post", lambda s: f"/staff/conversas/{s.id}/devolver/", (VIEW, REPLY)),
    ("agenda", "get", lambda s: "/staff/agenda/", (AGENDA,)),
    ("dashboard", "get", lambda s: "/ops/dashboard/", ("ops.view_dailymetrics",)),
]


def call(client: Client, method: str, url: str):
    if method == "post":
        return client.post(url, {"text": "Olá, aqui é a recepção."})
    return client.get(url)


@pytest.mark.parametrize(("name", "method", "url", "perms"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_the_login(session, name, method, url, perms):
    response = call(Client(), method, url(session))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("name", "method", "url", "perms"), PAGES, ids=[p[0] for p in PAGES])
def test_staff_without_the_permission_get_403_and_change_nothing(
    session, django_user_model, name, method, url, perms
):
    # Every permission but the last one the page needs (none for one-permission pages).
    client = login(django_user_model, *perms[:-1])
    assert call(client, method, url(session)).status_code == 403
    session.refresh_from_db()
    assert session.handed_off
    assert not ConversationMessage.objects.filter(direction=Direction.STAFF).exists()


@pytest.mark.parametrize(("name", "method", "url", "perms"), PAGES, ids=[p[0] for p in PAGES])
def test_staff_with_the_permission_use_the_page(session, django_user_model, name, method, url, perms):
    response = call(login(django_user_model, *perms), method, url(session))
    assert response.status_code == (302 if method == "post" else 200), response.content[:300]


def test_a_reader_sees_the_conversation_without_the_reply_box(session, django_user_model):
    page = login(django_user_model, VIEW).get(f"/staff/conversas/{session.id}/").content.decode()
    assert "pode ler esta conversa, mas não responder" in page and "reply-text" not in page
    assert "Agenda</a>" not in page  # no link to a page the account cannot open


def test_the_recepcao_group_does_the_front_desk_work_and_nothing_more(session, django_user_model):
    desk = login(django_user_model, groups=("Recepção",))
    assert desk.get("/staff/").status_code == 200
    assert desk.get("/staff/agenda/").status_code == 200
    assert desk.post(f"/staff/conversas/{session.id}/responder/", {"text": "Olá!"}).status_code == 302
    assert ConversationMessage.objects.filter(session=session, direction=Direction.STAFF).count() == 1
    assert desk.get("/ops/dashboard/").status_code == 403
    assert desk.get("/admin/privacy/privacyauditentry/dados-do-paciente/").status_code == 403
    assert desk.get("/admin/api/apikey/").status_code == 403


def admin_action(client: Client, model: str, action: str, ids: list[int]):
    return client.post(f"/admin/{model}/", {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids]})


@pytest.mark.parametrize("action", ["cancel", "confirm", "mark_completed", "mark_no_show"])
def test_a_view_only_account_cannot_run_the_appointment_actions(appointment, django_user_model, action):
    reader = login(django_user_model, AGENDA)
    assert reader.get("/admin/scheduling/appointment/").status_code == 200
    admin_action(reader, "scheduling/appointment", action, [appointment.id])
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_recepcao_group_cancels_in_admin(appointment, django_user_model):
    desk = login(django_user_model, groups=("Recepção",))
    admin_action(desk, "scheduling/appointment", "cancel", [appointment.id])
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_a_view_only_account_cannot_hand_a_conversation_back_in_admin(session, django_user_model):
    reader = login(django_user_model, VIEW)
    admin_action(reader, "conversations/conversationsession", "hand_back", [session.id])
    session.refresh_from_db()
    assert session.handed_off
    admin_action(
        login(django_user_model, VIEW, REPLY), "conversations/conversationsession", "hand_back", [session.id]
    )
    session.refresh_from_db()
    assert not session.handed_off


def test_a_view_only_account_cannot_revoke_api_keys(db, django_user_model):
    from clinicbot.api.services import api_key_create

    key = api_key_create(name="ERP").api_key
    admin_action(login(django_user_model, "api.view_apikey"), "api/apikey", "revoke", [key.id])
    key.refresh_from_db()
    assert key.revoked_at is None
