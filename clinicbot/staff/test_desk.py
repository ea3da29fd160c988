"""The staff desk: hand-off queue, silence while a person handles it, staff replies over the gateway."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.testing import Patient, load_clinic, recepcao_group
from clinicbot.testing.fake_gateway import (
    meta_cloud_api,
    meta_signature,
    meta_text_webhook,
)

from .selectors import SlotState, doctor_day_agenda, handoff_queue
from .services import StaffDeskError, staff_reply

SECRET = "desk-app-secret"
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
_ids = itertools.count(1)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api():
    with (
        meta_cloud_api(
            secret=SECRET,
            CELERY_TASK_ALWAYS_EAGER=True,
        ) as server,
    ):
        load_clinic()
        yield server


@pytest.fixture
def staff(django_user_model) -> Client:
    user = django_user_model.objects.create_user(
        "joana", password="pw", is_staff=True, first_name="Joana", last_name="Prado"
    )
    user.groups.add(recepcao_group())  # the front desk's permissions
    client = Client()
    client.force_login(user)
    return client


def patient_writes(phone: str, text: str) -> None:
    """A signed Meta webhook carrying one patient message (answered in-process)."""
    body = json.dumps(
        meta_text_webhook(
            phone=phone, text=text, message_id=f"wamid.desk{next(_ids)}", timestamp=int(time.time())
        )
    ).encode()
    response = Client().post(
        "/webhooks/meta/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
    )
    assert response.status_code == 200, response.content


def test_staff_pages_need_a_staff_login(api, django_user_model):
    assert Client().get("/staff/").status_code == 302
    patient_user = Client()
    patient_user.force_login(django_user_model.objects.create_user("curioso", password="pw"))
    for url in ("/staff/", "/staff/agenda/"):
        response = patient_user.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_handed_off_conversation_is_silent_until_staff_reply_reaches_the_gateway(api, staff):
    phone = "5519998800001"
    patient_writes(phone, "quero falar com um atendente")
    assert "equipe" in api.texts_to(phone)[-1]
    patient_writes(phone, "alguém aí??")  # the assistant stays silent now
    assert len(api.texts_to(phone)) == 1
    session = ConversationSession.objects.get(phone=phone)

    queue = staff.get("/staff/").content.decode()
    assert f"/staff/conversas/{session.id}/" in queue and "waiting" in queue

    page = staff.get(f"/staff/conversas/{session.id}/").content.decode()
    assert "alguém aí??" in page and "msg-user" in page and "msg-bot" in page

    response = staff.post(
        f"/staff/conversas/{session.id}/responder/",
        {"text": "Olá! Aqui é a Joana, da recepção."},
        follow=True,
    )
    assert "Mensagem enviada ao paciente." in response.content.decode()
    assert api.texts_to(phone)[-1] == "Olá! Aqui é a Joana, da recepção."
    reply = ConversationMessage.objects.get(session=session, direction=Direction.STAFF)
    assert reply.delivery_status == DeliveryStatus.SENT and reply.payload["author"] == "joana"
    assert "Joana Prado (equipe)" in staff.get(f"/staff/conversas/{session.id}/").content.decode()

    (item,) = handoff_queue()
    assert item.waiting_since is None  # answered: no longer waiting
    patient_writes(phone, "obrigado, e o valor?")
    assert len(api.texts_to(phone)) == 2  # still a person's conversation
    (item,) = handoff_queue()
    assert item.waiting_since is not None  # the patient wrote again: waiting once more


def test_handing_back_lets_the_assistant_answer_again(api, staff):
    phone = "5519998800002"
    patient_writes(phone, "quero falar com um atendente")
    session = ConversationSession.objects.get(phone=phone)
    response = staff.post(f"/staff/conversas/{session.id}/devolver/", follow=True)
    assert "Conversa devolvida ao assistente." in response.content.decode()
    assert handoff_queue() == []
    patient_writes(phone, "quais convenios vcs aceitam?")
    assert "Unimed" in api.texts_to(phone)[-1]


def test_a_staff_reply_to_an_assistant_conversation_takes_it_over(api, staff):
    phone = "5519998800003"
    patient_writes(phone, "oi")
    session = ConversationSession.objects.get(phone=phone)
    staff.post(f"/staff/conversas/{session.id}/responder/", {"text": "Oi! Posso ajudar?"})
    session.refresh_from_db()
    assert session.handed_off
    patient_writes(phone, "quero marcar cardio")
    assert api.texts_to(phone)[-1] == "Oi! Posso ajudar?"


def test_an_empty_reply_is_refused_with_a_message(api, staff):
    patient_writes("5519998800004", "quero falar com um atendente")
    session = ConversationSession.objects.get(phone="5519998800004")
    response = staff.post(f"/staff/conversas/{session.id}/responder/", {"text": "   "}, follow=True)
    assert "Escreva a mensagem antes de enviar." in response.content.decode()
    assert not ConversationMessage.objects.filter(direction=Direction.STAFF).exists()
    with pytest.raises(StaffDeskError):
        staff_reply(session_id=999_999, author=get_user_model()(username="x"), text="oi")


def test_the_queue_lists_the_longest_waiting_first(api):
    start = timezone.now() - dt.timedelta(hours=2)
    for i, phone in enumerate(["5519998800011", "5519998800012", "5519998800013"]):
        Patient(phone, start + dt.timedelta(minutes=10 * (2 - i))).says("quero falar com um atendente")
    assert [i.session.phone for i in handoff_queue()] == ["5519998800013", "5519998800012", "5519998800011"]


def test_the_agenda_shows_free_and_booked_slots_in_clinic_time(api, staff):
    now = dt.datetime(2027, 5, 4, 10, 0, tzinfo=TZ)  # Tuesday
    p = Patient("5519998800021", now)
    p.says("sou Marta Reis, quero clinico geral amanha as 10h, unimed")
    assert "Consulta marcada" in p.says("sim")
    doctor_id = ConversationSession.objects.get(phone="5519998800021").appointments.get().doctor_id
    day = dt.date(2027, 5, 5)
    agenda = doctor_day_agenda(doctor_id=doctor_id, day=day)
    states = {s.time: s.state for s in agenda.slots}
    assert states[dt.time(10, 0)] == SlotState.BOOKED and states[dt.time(8, 0)] == SlotState.FREE

    page = staff.get("/staff/agenda/", {"medico": doctor_id, "data": "2027-05-05"}).content.decode()
    assert "Marta Reis" in page and "10:00" in page and "agendada" in page and "livre" in page
    assert "data=2027-05-04" in page and "data=2027-05-06" in page  # previous / next day
    assert (
        "Marta Reis"
        not in staff.get("/staff/agenda/", {"medico": doctor_id, "data": "2027-05-06"}).content.decode()
    )


def test_the_agenda_rejects_a_bad_date(api, staff):
    response = staff.get("/staff/agenda/", {"data": "31/02"}, follow=True)
    assert "Data ou médico inválido." in response.content.decode()


def test_the_agenda_date_is_typed_and_shown_day_first(api, staff):
    """dd/mm/aaaa in the field (a browser date field follows the computer's language, not ours)."""
    doctor_id = get_catalog().doctors[0].id
    page = staff.get("/staff/agenda/", {"medico": doctor_id, "data": "07/05/2027"}).content.decode()
    assert 'name="data" id="agenda-date" value="07/05/2027"' in page
    assert 'type="date"' not in page
    assert "data=2027-05-06" in page and "data=2027-05-08" in page  # 7 May, not 5 July
    assert "sexta-feira, 07/05/2027" in page  # weekday in lower case
    assert (
        "Data ou médico inválido."
        in staff.get("/staff/agenda/", {"data": "31/02/2027"}, follow=True).content.decode()
    )
