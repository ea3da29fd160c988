"""Voice notes end to end: a real Ogg/Opus note through each gateway's webhook, media API and the transcriber.

The audio is pt-BR speech made by espeak-ng and encoded by opusenc, as WhatsApp sends it.
A local server plays the gateway (its send API and its media: Meta's Graph API, Evolution's
getBase64FromMediaMessage, Z-API's file URL); another plays the OpenAI-compatible
transcription endpoint. Tasks run in-process, as on the embedded default.
"""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

from clinicbot.conversations.models import ConversationMessage, Direction, VoiceNote, VoiceStatus
from clinicbot.conversations.pipeline import NON_TEXT_REPLY
from clinicbot.conversations.voice_turns import VOICE_FAILED_REPLY
from clinicbot.llm.models import Purpose, TokenUsage
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

PHRASE = "quais convênios vocês aceitam"


@pytest.fixture
def speech(settings):
    with FakeSpeechServer(default=Heard(PHRASE)) as server:
        settings.TRANSCRIBE_PROVIDER = "openai"
        settings.TRANSCRIBE_BASE_URL = server.base_url
        settings.TRANSCRIBE_API_KEY = "transcribe-key"
        settings.TRANSCRIBE_TIMEOUT_S = 2.0
        settings.TRANSCRIBE_MAX_RETRIES = 0
        settings.CELERY_TASK_ALWAYS_EAGER = True
        yield server


@pytest.fixture
def api():
    with FakeGatewayServer() as server:
        load_clinic()
        yield server


def configured(gateway: str, api: FakeGatewayServer):
    return override_settings(**gateway_settings(gateway, api.url))


def typed_reply(api: FakeGatewayServer, phone: str, text: str) -> list[str]:
    """What the assistant answers ``text`` typed on Meta by a new patient (the comparison)."""
    with configured("meta", api):
        assert meta_text(phone=phone, text=text, message_id=f"wamid.T{phone}").status_code == 200
    return api.texts_to(phone)


def test_a_meta_voice_note_is_fetched_from_the_graph_api_transcribed_once_and_answered_as_the_text_typed(
    speech, api
):
    audio = speak(PHRASE)
    api.add_media("MEDIA1", audio)
    with configured("meta", api):
        response = meta_voice(phone="5519991230101", message_id="wamid.V1", media_id="MEDIA1")
    assert response.status_code == 200 and response.json()["messages"] == 1
    # The Graph API's two steps, both with the bearer token.
    assert [d["path"] for d in api.downloads] == ["/v21.0/MEDIA1", "/media-download/MEDIA1"]
    assert {d["headers"]["authorization"] for d in api.downloads} == {"Bearer token"}
    (request,) = speech.transcriptions
    assert request["file"]["data"] == audio and request["file"]["filename"].endswith(".ogg")
    assert (request["model"], request["language"]) == ("whisper-1", "pt")
    assert request["authorization"] == "Bearer transcribe-key"
    # The clinic's own names, so proper nouns come out spelled as the NLU knows them.
    assert "Dr. Henrique Bastos" in request["prompt"] and "NotreDame Intermédica" in request["prompt"]
    voiced = api.texts_to("5519991230101")
    assert voiced and voiced == typed_reply(api, "5519991230102", PHRASE)
    message = ConversationMessage.objects.get(gateway_message_id="meta:wamid.V1")
    assert message.content == PHRASE and message.intent == "ask_insurance"
    assert message.payload["transcript"] == "ok" and message.processed_at is not None
    note = VoiceNote.objects.get(message=message)
    assert note.status == VoiceStatus.TRANSCRIBED and note.provider == "openai"
    assert note.audio is None, "the audio is not kept once transcribed (LGPD)"
    assert note.size_bytes == len(audio) and 1.0 < note.seconds < 5.0
    usage = TokenUsage.objects.get(purpose=Purpose.TRANSCRIPTION)
    assert (usage.calls, usage.audio_seconds) == (1, float(int(note.seconds) + 1))


def test_an_evolution_voice_note_comes_from_get_base64_from_media_message_and_is_answered_as_typed(
    speech, api
):
    audio = speak(PHRASE)
    api.add_media("3EBVOICE01", audio)
    with configured("evolution", api):
        assert evolution_voice(phone="5519991230103", message_id="3EBVOICE01").status_code == 200
    (fetch,) = api.downloads
    assert fetch["path"] == "/chat/getBase64FromMediaMessage/clinica-voz"
    # The message itself is sent, so Evolution need not have stored it.
    assert fetch["json"]["message"]["key"]["id"] == "3EBVOICE01"
    assert fetch["json"]["message"]["message"]["audioMessage"]["mediaKey"] == "bWVkaWFrZXk="
    assert speech.transcriptions[0]["file"]["data"] == audio
    with configured("evolution", api):
        evolution_voice(phone="5519991230104", message_id="3EBTEXT01", text=PHRASE)
    assert api.texts_to("5519991230103") == api.texts_to("5519991230104") != []


def test_an_evolution_voice_note_with_base64_in_the_webhook_needs_no_fetch(speech, api):
    audio = speak(PHRASE)
    with configured("evolution", api):
        assert (
            evolution_voice(phone="5519991230105", message_id="3EBVOICE02", inline=audio).status_code == 200
        )
    assert api.downloads == []
    assert speech.transcriptions[0]["file"]["data"] == audio
    assert any("Unimed" in t for t in api.texts_to("5519991230105"))
    assert VoiceNote.objects.get().audio is None  # the webhook's bytes are dropped once transcribed


def test_a_z_api_voice_note_whose_url_points_into_a_private_network_is_never_fetched(speech, api):
    # A leaked webhook secret must not make the server fetch from the clinic's own network.
    url = api.add_media("zapi-note.ogg", b"OggS not fetched")  # the fake listens on 127.0.0.1
    with configured("zapi", api), override_settings(ZAPI_MEDIA_HOSTS=()):
        assert zapi_voice(phone="5519991230108", message_id="ZP1", url=url).status_code == 200
    assert api.downloads == [] and speech.transcriptions == []
    assert api.texts_to("5519991230108")  # the patient still gets a polite answer


def test_a_z_api_voice_note_is_downloaded_from_its_url_and_answered_as_typed(speech, api):
    audio = speak(PHRASE)
    url = api.add_media("zapi-note.ogg", audio)
    with configured("zapi", api):
        assert zapi_voice(phone="5519991230106", message_id="ZV1", url=url).status_code == 200
    (download,) = api.downloads
    assert download["path"] == "/files/zapi-note.ogg"
    assert "client-token" not in download["headers"]  # Z-API's storage gets none of our credentials
    assert speech.transcriptions[0]["file"]["data"] == audio
    with configured("zapi", api):
        zapi_voice(phone="5519991230107", message_id="ZT1", url="", text=PHRASE)
    assert api.texts_to("5519991230106") == api.texts_to("5519991230107") != []


def test_with_the_provider_off_a_voice_note_gets_todays_polite_reply_and_nothing_is_fetched(settings, api):
    settings.TRANSCRIBE_PROVIDER = "off"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    api.add_media("MEDIA2", speak(PHRASE))
    with configured("meta", api):
        assert meta_voice(phone="5519991230108", message_id="wamid.V2", media_id="MEDIA2").status_code == 200
    assert api.texts_to("5519991230108")[0].startswith(NON_TEXT_REPLY)
    assert api.downloads == [] and not VoiceNote.objects.exists()
    assert ConversationMessage.objects.get(direction=Direction.USER).payload == {"kind": "audio"}


@pytest.mark.parametrize("failure", [Heard(status=500), Heard(status=429), Heard(PHRASE, delay=3.0)])
def test_a_provider_error_or_timeout_gets_the_polite_reply_and_the_message_is_not_lost(speech, api, failure):
    speech.default = failure
    api.add_media("MEDIA3", speak(PHRASE))
    with configured("meta", api):
        assert meta_voice(phone="5519991230109", message_id="wamid.V3", media_id="MEDIA3").status_code == 200
    assert api.texts_to("5519991230109")[0].startswith(VOICE_FAILED_REPLY)
    message = ConversationMessage.objects.get(direction=Direction.USER)
    assert message.processed_at is not None and message.payload["transcript"] == "failed"
    assert VoiceNote.objects.get().status == VoiceStatus.FAILED
    assert TokenUsage.objects.get(purpose=Purpose.TRANSCRIPTION).fallbacks == 1


def test_a_redelivered_voice_note_is_transcribed_once_and_answered_once(speech, api):
    api.add_media("MEDIA4", speak(PHRASE))
    with configured("meta", api):
        for _ in range(3):
            assert (
                meta_voice(phone="5519991230110", message_id="wamid.V4", media_id="MEDIA4").status_code == 200
            )
    assert len(speech.transcriptions) == 1
    assert len(api.texts_to("5519991230110")) == 1
    assert VoiceNote.objects.count() == 1


def test_an_empty_transcript_gets_the_polite_reply(speech, api):
    speech.default = Heard("Legendas pela comunidade Amara.org")  # what Whisper writes over silence
    api.add_media("MEDIA5", speak("hum"))
    with configured("meta", api):
        meta_voice(phone="5519991230111", message_id="wamid.V5", media_id="MEDIA5")
    assert api.texts_to("5519991230111")[0].startswith(VOICE_FAILED_REPLY)
    assert VoiceNote.objects.get().failure == "empty"


def test_an_expired_meta_media_gets_the_polite_reply_without_a_transcription(speech, api):
    api.media_status = 404
    with configured("meta", api):
        meta_voice(phone="5519991230112", message_id="wamid.V6", media_id="GONE")
    assert speech.transcriptions == []
    assert api.texts_to("5519991230112")[0].startswith(VOICE_FAILED_REPLY)
    assert VoiceNote.objects.get().failure == "not_found"


def test_bytes_that_are_not_audio_are_refused_before_the_provider(speech, api):
    api.add_media("MEDIA7", b"<html><body>Erro 500</body></html>", "audio/ogg")
    with configured("meta", api):
        meta_voice(phone="5519991230113", message_id="wamid.V7", media_id="MEDIA7")
    assert speech.transcriptions == []
    assert VoiceNote.objects.get().failure == "not_audio"
    assert api.texts_to("5519991230113")[0].startswith(VOICE_FAILED_REPLY)


def test_voice_notes_keep_arrival_time_order_with_their_message_id_timestamps(speech, api):
    # The message keeps the gateway's timestamp (arrival order), not the transcription's time.
    api.add_media("MEDIA8", speak(PHRASE))
    sent_at = int(time.time()) - 30
    with configured("meta", api):
        meta_voice(phone="5519991230114", message_id="wamid.V8", media_id="MEDIA8", timestamp=sent_at)
    message = ConversationMessage.objects.get(direction=Direction.USER)
    assert int(message.timestamp.timestamp()) == sent_at


def test_staff_see_the_transcript_marked_as_a_voice_note_in_the_desk_and_admin(
    speech, api, django_user_model
):
    api.add_media("MEDIA9", speak(PHRASE))
    with configured("meta", api):
        meta_voice(phone="5519991230115", message_id="wamid.V9", media_id="MEDIA9")
    message = ConversationMessage.objects.get(direction=Direction.USER)
    admin = django_user_model.objects.create_superuser("gerente", "g@x.br", "senha-longa-123")
    client = Client()
    client.force_login(admin)
    desk = client.get(f"/staff/conversas/{message.session_id}/").content.decode()
    assert "Mensagem de voz · transcrição automática" in desk and PHRASE in desk
    listing = client.get("/admin/conversations/conversationmessage/").content.decode()
    assert "áudio transcrito" in listing
    notes = client.get("/admin/conversations/voicenote/")
    assert notes.status_code == 200 and "transcrito" in notes.content.decode()
