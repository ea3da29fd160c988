"""Emergencies and self-harm reach the staff desk at once, flagged at the top of the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from clinicbot.conversations.models import AlertKind, ConversationSession
from clinicbot.conversations.services import session_hand_back
from clinicbot.testing import Patient, load_clinic, recepcao_group

from .selectors import handoff_queue

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC).replace(hour=13, minute=0)  # the queue shows alerts of the last 24 h


@pytest.fixture
def desk(django_user_model):
    user = django_user_model.objects.create_user("ana", password="Recepcao-2026-ok", is_staff=True)
    user.groups.add(recepcao_group())
    client = Client()
    client.force_login(user)
    return client


def test_an_emergency_is_flagged_first_in_the_queue_without_silencing_the_assistant(desk):
    load_clinic()
    Patient("5511955550001", NOW).says("quero falar com uma atendente")  # waiting since earlier
    reply = Patient("5511955550002", NOW).says("meu pai caiu e bateu a cabeça, tá sangrando muito")
    assert "192" in reply
    session = ConversationSession.objects.get(phone="5511955550002")
    assert session.alert_kind == AlertKind.EMERGENCY and not session.handed_off
    queue = handoff_queue()
    assert [item.session.phone for item in queue][0] == "5511955550002"
    page = desk.get("/staff/").content.decode()
    assert "emergência (SAMU 192)" in page


def test_self_harm_is_flagged_and_handed_to_a_person_and_the_flag_leaves_with_the_hand_back():
    load_clinic()
    assert "188" in Patient("5511955550003", NOW).says("não aguento mais, penso em me matar")
    session = ConversationSession.objects.get(phone="5511955550003")
    assert session.alert_kind == AlertKind.SELF_HARM and session.handed_off
    session_hand_back(session_id=session.id, now=NOW)
    session.refresh_from_db()
    assert session.alert_at is None and session.alert_kind == ""
    assert all(item.session.id != session.id for item in handoff_queue())
