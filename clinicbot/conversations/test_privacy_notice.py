"""The LGPD notice: once, in a new phone's first answer, in the staff's wording, with the link."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from clinicbot.clinics.models import MessageTemplate
from clinicbot.clinics.snapshot import invalidate_snapshot
from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.testing import Patient, load_clinic

NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo"))
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clinic() -> None:
    load_clinic()


def test_first_answer_carries_the_notice_and_the_next_ones_do_not(settings):
    settings.PRIVACY_NOTICE_URL = "https://clinica.test/privacidade"
    p = Patient("5519990006001", NOW)
    first = p.says("oi")
    assert "LGPD" in first and "Saiba mais: https://clinica.test/privacidade" in first
    assert len(p.last.replies) == 1  # a paragraph of the answer, not an extra message
    assert "LGPD" not in p.says("quais convenios vcs aceitam?")
    stored = ConversationMessage.objects.filter(direction=Direction.BOT).order_by("id")
    assert "LGPD" in stored[0].content and "LGPD" not in stored[1].content


def test_without_a_link_the_notice_is_one_sentence_less():
    reply = Patient("5519990006002", NOW).says("oi")
    assert "LGPD" in reply and "Saiba mais" not in reply


def test_staff_wording_replaces_the_default():
    MessageTemplate.objects.create(key="privacy_notice", text="Política de dados: veja na recepção.{link}")
    invalidate_snapshot()
    reply = Patient("5519990006003", NOW).says("oi")
    assert reply.endswith("Política de dados: veja na recepção.") and "LGPD" not in reply


def test_silence_after_a_handoff_gives_no_notice_later():
    p = Patient("5519990006004", NOW)
    assert "LGPD" in p.says("quero falar com uma atendente")
    assert p.says("oi?") == ""


def test_the_notice_is_not_repeated_when_a_new_flow_starts_the_dialogue_over():
    """Starting a booking resets the dialogue; the notice's flag is not part of it."""
    p = Patient("5519990006005", NOW)
    assert "LGPD" in p.says("oi")
    assert "LGPD" not in p.says("quero marcar uma consulta de cardiologia")
