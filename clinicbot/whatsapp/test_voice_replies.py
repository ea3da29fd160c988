"""VOICE_REPLIES=mirror: a patient who spoke also gets the answer as a voice note, on each gateway.

The speech endpoint (OpenAI-compatible ``/audio/speech``) and the gateway are local servers;
the synthesised audio is a real Ogg/Opus file and must reach the gateway byte for byte.
"""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus
from clinicbot.core.audio import inspect_audio
from clinicbot.core.models import GatewayCallLog
from clinicbot.llm.speech import speech_text
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import FakeGatewayServer
from clinicbot.testing.fake_speech import FakeSpeechServer, Heard
from clinicbot.testing.voice import audio_tools_missing, speak
from clinicbot.testing.voice_webhooks import (
    evolution_voice,
    gateway_settings,
    meta_text,
    meta_voice,
    zapi_voice,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or ""),
]

QUESTION = "quais convênios vocês aceitam"


@pytest.fixture
def speech(settings):
    answer = speak("Aceitamos Unimed, Cassi e outros convênios.")
    with FakeSpeechServer(default=Heard(QUESTION), speech_audio=answer) as server:
        settings.TRANSCRIBE_PROVIDER = "openai"
        settings.TRANSCRIBE_BASE_URL = server.base_url
        settings.TRANSCRIBE_MAX_RETRIES = 0
        settings.VOICE_REPLIES = "mirror"
        settings.TTS_BASE_URL = server.base_url
        settings.TTS_API_KEY = "tts-key"
        settings.CELERY_TASK_ALWAYS_EAGER = True
        yield server


@pytest.fixture
def api():
    with FakeGatewayServer() as server:
        load_clinic()
        yield server


def test_on_meta_the_answer_goes_as_text_then_as_an_uploaded_voice_message(speech, api):
    api.add_media("Q1", speak(QUESTION))
    with override_settings(**gateway_settings("meta", api.url)):
        meta_voice(phone="5519991232001", message_id="wamid.R1", media_id="Q1")
    text, audio = api.requests
    assert text["json"]["type"] == "text" and "Unimed" in text["json"]["text"]["body"]
    assert audio["json"]["type"] == "audio" and audio["json"]["audio"]["voice"] is True
    (upload,) = api.uploads
    assert upload["path"] == "/v21.0/PNID-1/media"
    assert upload["fields"]["messaging_product"] == "whatsapp"
    assert upload["fields"]["file"]["data"] == speech.speech_audio
    assert audio["json"]["audio"]["id"] == "upload-1"
    (asked,) = speech.speech
    assert asked["response_format"] == "opus" and asked["voice"] == "nova"
    assert "Unimed" in asked["input"] and "*" not in asked["input"]  # read aloud without WhatsApp marks
    voice_row = ConversationMessage.objects.get(payload__kind="voice")
    assert voice_row.delivery_status == DeliveryStatus.SENT
    assert inspect_audio(speech.speech_audio).mime == "audio/ogg"


def test_on_evolution_and_z_api_the_voice_goes_by_their_audio_sends(speech, api):
    api.add_media("3EBQ1", speak(QUESTION))
    with override_settings(**gateway_settings("evolution", api.url)):
        evolution_voice(phone="5519991232002", message_id="3EBQ1")
    (evo,) = api.audio_sends()
    assert evo["path"] == "/message/sendWhatsAppAudio/clinica-voz"
    assert base64.b64decode(evo["json"]["audio"]) == speech.speech_audio
    url = api.add_media("q.ogg", speak(QUESTION))
    with override_settings(**gateway_settings("zapi", api.url)):
        zapi_voice(phone="5519991232003", message_id="ZQ1", url=url)
    zapi = api.audio_sends()[1]
    assert zapi["path"].endswith("/send-audio") and zapi["json"]["waveform"] is True
    prefix, _, data = zapi["json"]["audio"].partition(",")
    assert prefix == "data:audio/ogg;base64" and base64.b64decode(data) == speech.speech_audio


def test_a_typed_message_gets_no_voice_and_a_booking_summary_or_code_is_never_spoken(speech, api):
    with override_settings(**gateway_settings("meta", api.url)):
        meta_text(
            phone="5519991232004",
            text="quero marcar cardiologia pela unimed, sou Ana Souza",
            message_id="wamid.T1",
        )
        speech.default = Heard("o primeiro")
        api.add_media("S1", speak("o primeiro"))
        meta_voice(phone="5519991232004", message_id="wamid.S1", media_id="S1")  # -> the summary
        speech.default = Heard("sim")
        api.add_media("S2", speak("sim"))
        meta_voice(phone="5519991232004", message_id="wamid.S2", media_id="S2")  # -> booked, with its code
    assert "Consulta marcada" in api.texts_to("5519991232004")[-1]
    assert api.audio_sends() == [] and speech.speech == []


def test_a_speech_server_failure_leaves_the_text_sent_and_the_voice_marked_failed(speech, api):
    speech.speech_status = 500
    api.add_media("Q2", speak(QUESTION))
    with override_settings(**gateway_settings("meta", api.url)):
        meta_voice(phone="5519991232005", message_id="wamid.R2", media_id="Q2")
    assert any("Unimed" in t for t in api.texts_to("5519991232005"))
    assert api.audio_sends() == []
    voice_row = ConversationMessage.objects.get(payload__kind="voice")
    assert voice_row.delivery_status == DeliveryStatus.FAILED and "áudio" in voice_row.error
    # Not the gateway's failure: its health is untouched.
    assert not GatewayCallLog.objects.filter(ok=False).exists()


def test_voice_replies_off_sends_text_only(speech, api, settings):
    settings.VOICE_REPLIES = "off"
    api.add_media("Q3", speak(QUESTION))
    with override_settings(**gateway_settings("meta", api.url)):
        meta_voice(phone="5519991232006", message_id="wamid.R3", media_id="Q3")
    assert api.texts_to("5519991232006") and api.audio_sends() == [] and speech.speech == []


def test_what_is_read_aloud_has_no_marks_emoji_or_links():
    spoken = speech_text("Consulta *confirmada* ✅ 👤 Ana\nVeja https://exemplo.com/x?codigo=1 🙏")
    assert spoken == "Consulta confirmada Ana\nVeja o link da mensagem"
