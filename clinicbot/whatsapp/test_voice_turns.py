"""Voice notes inside conversations: limits, budget, a booking completed by voice, one turn with typed text,
the quote of what was understood, and a note another worker is transcribing.

Real Ogg/Opus notes (espeak-ng + opusenc) through Meta's webhook and Graph API (a local
server) and a local OpenAI-compatible transcription server; tasks in-process.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, Direction, VoiceNote
from clinicbot.conversations.voice_turns import VOICE_FAILED_REPLY, VOICE_TOO_LONG_REPLY
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import FakeGatewayServer
from clinicbot.testing.fake_speech import FakeSpeechServer, Heard
from clinicbot.testing.voice import audio_tools_missing, speak
from clinicbot.testing.voice_webhooks import (
    gateway_settings,
    meta_audio_message,
    meta_batch,
    meta_text,
    meta_voice,
    zapi_voice,
)
from clinicbot.whatsapp.answer import answer_conversation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or ""),
]


@pytest.fixture
def speech(settings):
    with FakeSpeechServer() as server:
        settings.TRANSCRIBE_PROVIDER = "openai"
        settings.TRANSCRIBE_BASE_URL = server.base_url
        settings.TRANSCRIBE_TIMEOUT_S = 2.0
        settings.TRANSCRIBE_MAX_RETRIES = 0
        settings.CELERY_TASK_ALWAYS_EAGER = True
        yield server


@pytest.fixture
def api():
    with FakeGatewayServer() as server, override_settings(**gateway_settings("meta", server.url)):
        load_clinic()
        yield server


def voice(api: FakeGatewayServer, speech: FakeSpeechServer, phone: str, text: str, n: int, **kw) -> list[str]:
    """The patient says ``text`` in voice note ``n``; returns the new replies."""
    before = len(api.texts_to(phone))
    speech.script.append(Heard(text))
    api.add_media(f"M{phone}{n}", speak(text, **kw))
    assert (
        meta_voice(phone=phone, message_id=f"wamid.{phone}.{n}", media_id=f"M{phone}{n}").status_code == 200
    )
    return api.texts_to(phone)[before:]


def typed(api: FakeGatewayServer, phone: str, text: str, n: int) -> list[str]:
    before = len(api.texts_to(phone))
    assert meta_text(phone=phone, text=text, message_id=f"wamid.{phone}.t{n}").status_code == 200
    return api.texts_to(phone)[before:]


def test_a_voice_note_longer_than_the_limit_gets_the_polite_reply_and_is_never_transcribed(speech, api):
    # 3 minutes by default: a short phrase followed by three minutes and a bit of silence.
    replies = voice(api, speech, "5519991231001", "bom dia", 1, pad_seconds=182.0)
    assert replies[0].startswith(VOICE_TOO_LONG_REPLY.format(limit="3 minutos"))
    assert speech.transcriptions == []
    assert VoiceNote.objects.get().failure == "too_long"


def test_a_voice_note_bigger_than_the_limit_is_refused_from_meta_s_declared_size(speech, api, settings):
    settings.VOICE_MAX_BYTES = 2000
    replies = voice(api, speech, "5519991231002", "quero marcar uma consulta com cardiologista amanhã", 1)
    assert replies[0].startswith(VOICE_TOO_LONG_REPLY.format(limit="3 minutos"))
    assert [d["path"] for d in api.downloads] == ["/v21.0/M55199912310021"]  # never downloaded
    assert speech.transcriptions == [] and VoiceNote.objects.get().failure == "too_big"


def test_a_z_api_note_declared_too_long_is_refused_before_any_download(speech, api, settings):
    settings.VOICE_MAX_SECONDS = 60
    with override_settings(**gateway_settings("zapi", api.url)):
        url = api.add_media("long.ogg", speak("bom dia"))
        zapi_voice(phone="5519991231003", message_id="ZL1", url=url, seconds=95)
    assert api.downloads == [] and speech.transcriptions == []
    assert api.texts_to("5519991231003")[0].startswith(VOICE_TOO_LONG_REPLY.format(limit="1 minuto"))


def test_a_spent_daily_budget_gets_the_polite_reply_without_calling_the_provider(speech, api, settings):
    settings.TRANSCRIBE_DAILY_SECONDS_BUDGET = 4
    assert voice(api, speech, "5519991231004", "quais convênios vocês aceitam", 1)  # ~2.5 s, 3 billed: fits
    replies = voice(
        api, speech, "5519991231004", "e vocês atendem sábado de manhã", 2
    )  # 3 more would pass 4 s
    assert replies == [VOICE_FAILED_REPLY]
    assert len(speech.transcriptions) == 1
    assert VoiceNote.objects.get(message__gateway_message_id="meta:wamid.5519991231004.2").failure == "budget"


def test_a_booking_is_completed_by_voice_with_what_was_understood_quoted_at_each_step(speech, api):
    phone = "5519991231005"
    assert "convênio" in typed(api, phone, "quero marcar uma consulta com cardiologista", 1)[0]
    (offer,) = voice(api, speech, phone, "meu nome é Ana Souza, pela unimed", 1)
    assert offer.startswith("🎤 Entendi: “meu nome é Ana Souza, pela unimed”\n\n")
    assert "Dr. Henrique Bastos" in offer  # the only Unimed cardiologist: the transcript was read
    (summary,) = voice(api, speech, phone, "o primeiro", 2)
    assert "Posso confirmar?" in summary and "Ana Souza" in summary
    (booked,) = voice(api, speech, phone, "sim", 3)
    assert booked.startswith("🎤 Entendi: “sim”") and "Consulta marcada" in booked
    appointment = Appointment.objects.get()
    assert (appointment.patient_name, appointment.insurance.name) == ("Ana Souza", "Unimed")
    assert len(speech.transcriptions) == 3


def test_a_question_answered_from_a_transcript_is_not_quoted(speech, api):
    (answer,) = voice(api, speech, "5519991231006", "quais convênios vocês aceitam", 1)
    assert not answer.startswith("🎤")


def test_a_voice_note_and_a_typed_message_sent_together_are_one_turn_in_arrival_order(speech, api, settings):
    settings.MESSAGE_DEBOUNCE_MS = 1500
    phone, other = "5519991231007", "5519991231008"
    speech.script.append(Heard("quero marcar uma consulta"))
    api.add_media("MIX1", speak("quero marcar uma consulta"))
    sent = int(time.time()) - 20  # the window has passed: answered at once
    text = {"from": phone, "id": "wamid.MIX.t", "timestamp": str(sent + 1), "type": "text"}
    text["text"] = {"body": "com cardiologista"}
    assert (
        meta_batch(
            phone=phone, messages=[meta_audio_message(phone, "wamid.MIX.a", "MIX1", sent), text]
        ).status_code
        == 200
    )
    (reply,) = api.texts_to(phone)
    (typed_reply,) = typed(api, other, "quero marcar uma consulta\ncom cardiologista", 1)
    assert reply == f"🎤 Entendi: “quero marcar uma consulta”\n\n{typed_reply}"
    assert "convênio" in typed_reply  # the specialty of the typed part was taken with the spoken request
    intents = set(
        ConversationMessage.objects.filter(session__phone=phone, direction=Direction.USER).values_list(
            "intent", flat=True
        )
    )
    assert len(intents) == 1  # one reading of both


def _held(api, speech, phone: str, monkeypatch) -> int:
    """A voice note then a typed message stored, nothing answered yet (no task queued)."""
    monkeypatch.setattr("clinicbot.whatsapp.views.dispatch_conversation", lambda *a, **k: None)
    speech.script.append(Heard("quais convênios vocês aceitam"))
    api.add_media("HOLD1", speak("quais convênios vocês aceitam"))
    sent = int(time.time()) - 60
    text = {
        "from": phone,
        "id": "wamid.HOLD.t",
        "timestamp": str(sent + 30),
        "type": "text",
        "text": {"body": "oi"},
    }
    meta_batch(phone=phone, messages=[meta_audio_message(phone, "wamid.HOLD.a", "HOLD1", sent), text])
    return ConversationMessage.objects.get(gateway_message_id="meta:wamid.HOLD.a").session_id


def test_a_voice_note_another_worker_is_transcribing_holds_back_itself_and_what_came_after(
    speech, api, monkeypatch
):
    session_id = _held(api, speech, "5519991231009", monkeypatch)
    assert api.downloads == [] and speech.transcriptions == []  # the webhook itself fetches nothing
    VoiceNote.objects.update(claimed_at=timezone.now())  # a live worker holds it
    outcome = answer_conversation(session_id)
    assert outcome.replies == [] and speech.transcriptions == []
    assert (
        not ConversationMessage.objects.filter(direction=Direction.USER).exclude(processed_at=None).exists()
    )


def test_a_claim_left_by_a_dead_worker_is_taken_over_and_both_messages_answered_in_order(
    speech, api, monkeypatch
):
    session_id = _held(api, speech, "5519991231010", monkeypatch)
    VoiceNote.objects.update(claimed_at=timezone.now() - dt.timedelta(minutes=30))
    outcome = answer_conversation(session_id)
    assert len(speech.transcriptions) == 1 and outcome.replies
    replies = api.texts_to("5519991231010")
    assert "Unimed" in replies[0]  # the voice note's question first, then the greeting
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()


def test_switching_transcription_off_with_a_note_waiting_answers_it_politely(
    speech, api, monkeypatch, settings
):
    session_id = _held(api, speech, "5519991231011", monkeypatch)
    settings.TRANSCRIBE_PROVIDER = "off"
    answer_conversation(session_id)
    assert speech.transcriptions == []
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()


def test_an_absurd_declared_length_is_stored_bounded_and_refused_not_a_failed_webhook(speech, api):
    with override_settings(**gateway_settings("zapi", api.url)):
        url = api.add_media("huge.ogg", speak("bom dia"))
        assert zapi_voice(phone="5519991231012", message_id="ZH1", url=url, seconds=10**12).status_code == 200
    note = VoiceNote.objects.get()
    assert note.declared_seconds == 7 * 24 * 3600 and note.failure == "too_long"
    assert api.downloads == []
