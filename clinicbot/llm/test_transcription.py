"""The transcription port: Gemini's inline audio, the breaker, the seconds budget's accounting, the
clinic-vocabulary prompt, the admin page and the health report.

Providers are reached over real HTTP at a local server (``FakeSpeechServer``); audio is real
Ogg/Opus made by espeak-ng + opusenc.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.tests.fakes import make_catalog
from clinicbot.engine.types import DoctorInfo
from clinicbot.llm.audio_usage import audio_seconds_used
from clinicbot.llm.breaker import LLM, TRANSCRIBE, breaker_is_open
from clinicbot.llm.models import ConversationTokenUsage, Purpose, TokenUsage
from clinicbot.llm.transcribe import audio_transcribe, clean_transcript
from clinicbot.llm.transcription import GEMINI_INSTRUCTION, AudioFile
from clinicbot.llm.vocabulary import MAX_CHARS, transcription_prompt
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_speech import FakeSpeechServer, Heard
from clinicbot.testing.voice import audio_tools_missing, speak

pytestmark = pytest.mark.django_db
needs_audio = pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or "")
NOW = dt.datetime(2026, 5, 11, 13, 0, tzinfo=dt.UTC)


def _note(text: str = "quero marcar cardiologia") -> AudioFile:
    return AudioFile(data=speak(text), mime="audio/ogg", filename="mensagem-de-voz.ogg")


def _transcribe(seconds: float = 2.0, session_id: int | None = 7):
    load_clinic()
    return audio_transcribe(
        audio=_note(), seconds=seconds, catalog=get_catalog(), session_id=session_id, now=NOW
    )


@pytest.fixture
def openai_speech(settings):
    with FakeSpeechServer(default=Heard("quero marcar cardiologia")) as server:
        settings.TRANSCRIBE_PROVIDER = "openai"
        settings.TRANSCRIBE_BASE_URL = server.base_url
        settings.TRANSCRIBE_MAX_RETRIES = 0
        settings.TRANSCRIBE_TIMEOUT_S = 2.0
        yield server


@needs_audio
def test_gemini_gets_the_audio_inline_with_the_instruction_and_the_clinic_s_names(settings):
    with FakeSpeechServer(default=Heard("quero marcar com a Dra. Sílvia Tenório")) as server:
        settings.TRANSCRIBE_PROVIDER = "gemini"
        settings.GEMINI_BASE_URL = server.url
        settings.GEMINI_API_KEY = "g-key"
        settings.GEMINI_MODEL = "gemini-test"
        outcome = _transcribe()
    assert (outcome.ok, outcome.text, outcome.provider) == (
        True,
        "quero marcar com a Dra. Sílvia Tenório",
        "gemini",
    )
    (body,) = server.gemini
    assert server.gemini_audio() == _note().data
    parts = body["contents"][0]["parts"]
    inline = next(
        p.get("inlineData") or p.get("inline_data") for p in parts if "inlineData" in p or "inline_data" in p
    )
    assert (inline.get("mimeType") or inline.get("mime_type")) == "audio/ogg", inline.keys()
    assert any("Dra. Sílvia Tenório" in p.get("text", "") for p in parts)
    assert body["systemInstruction"]["parts"][0]["text"] == GEMINI_INSTRUCTION


@needs_audio
def test_failures_in_a_row_open_the_transcription_breaker_and_leave_the_llm_s_alone(openai_speech, settings):
    settings.LLM_BREAKER_FAILURES, settings.LLM_BREAKER_COOLDOWN_S = 2, 60
    openai_speech.default = Heard(status=500)
    assert [_transcribe().reason for _ in range(3)] == ["server_error", "server_error", "circuit_open"]
    assert len(openai_speech.transcriptions) == 2
    assert breaker_is_open(now=NOW, name=TRANSCRIBE) and not breaker_is_open(now=NOW, name=LLM)
    openai_speech.default = Heard("oi")
    later = NOW + dt.timedelta(seconds=61)
    load_clinic()
    outcome = audio_transcribe(audio=_note(), seconds=2.0, catalog=get_catalog(), session_id=None, now=later)
    assert outcome.ok and not breaker_is_open(now=later, name=TRANSCRIBE)


@needs_audio
def test_seconds_are_counted_per_day_and_conversation_and_survive_an_emptied_cache(
    openai_speech, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the rows are written once the turn commits
        assert _transcribe(seconds=2.2).ok and _transcribe(seconds=0.4).ok
    day = dt.date(2026, 5, 11)  # 10:00 in São Paulo
    row = TokenUsage.objects.get(purpose=Purpose.TRANSCRIPTION)
    assert (row.day, row.provider, row.calls, row.audio_seconds) == (
        day,
        "openai",
        2,
        4.0,
    )  # 3 + 1, rounded up
    assert (row.prompt_tokens, row.completion_tokens) == (0, 0)  # not the LLM's token budget
    assert ConversationTokenUsage.objects.get(session_id=7).audio_seconds == 4.0
    cache.clear()
    assert audio_seconds_used(day=day) == 4


@needs_audio
def test_the_budget_counts_the_note_about_to_be_sent(openai_speech, settings):
    settings.TRANSCRIBE_DAILY_SECONDS_BUDGET = 5
    assert _transcribe(seconds=3.5).ok  # 4 of 5
    assert _transcribe(seconds=1.0).ok  # 5 of 5
    assert _transcribe(seconds=0.5).reason == "budget"
    assert len(openai_speech.transcriptions) == 2
    settings.TRANSCRIBE_DAILY_SECONDS_BUDGET = 0  # no budget: nothing is transcribed
    assert _transcribe(seconds=0.5).reason == "budget"


def test_the_vocabulary_prompt_names_doctors_first_and_stays_within_whisper_s_window():
    catalog = make_catalog()
    many = tuple(
        DoctorInfo(
            id=100 + i,
            name=f"Dra. Nome{i} Sobrenome{i}",
            specialties=(),
            insurances=(),
            price=0,
            slot_minutes=30,
            schedule={},
        )  # fmt: skip
        for i in range(80)
    )
    import dataclasses

    prompt = transcription_prompt(dataclasses.replace(catalog, doctors=many))
    assert len(prompt) <= MAX_CHARS and prompt.startswith("Mensagem de voz de um paciente")
    assert "Dra. Nome0 Sobrenome0" in prompt and "Nome79" not in prompt
    small = transcription_prompt(catalog)
    assert all(d.name in small for d in catalog.doctors)
    assert all(i.name in small for i in catalog.insurances)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  quero   marcar\nconsulta ", "quero marcar consulta"),
        ("Legendas pela comunidade Amara.org", ""),
        ("[Música]", ""),
        ("Obrigado por assistir!", ""),
        ("Obrigada.", "Obrigada."),
        ("...", ""),
        ("obrigado, quero marcar com o Dr. Henrique", "obrigado, quero marcar com o Dr. Henrique"),
    ],
)
def test_what_is_no_speech_is_an_empty_transcript(raw, clean):
    assert clean_transcript(raw) == clean


def test_the_admin_page_shows_seconds_against_their_own_budget(settings):
    settings.TRANSCRIBE_DAILY_SECONDS_BUDGET = 1000
    TokenUsage.objects.create(
        day=NOW.date(), provider="openai", purpose=Purpose.TRANSCRIPTION, calls=3, audio_seconds=250
    )
    admin = get_user_model().objects.create_superuser("chefe", "c@x.br", "senha-longa-123")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/llm/tokenusage/?purpose=transcription")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Transcrição de áudios" in html and "25.0%" in html


def test_health_shows_the_transcription_provider_and_degrades_while_its_breaker_is_open(settings):
    settings.HEALTH_TOKEN = "t"
    settings.TRANSCRIBE_PROVIDER = "openai"
    auth = {"HTTP_AUTHORIZATION": "Bearer t"}
    body = Client().get("/health/detailed", **auth).json()
    assert body["transcription"] == {
        "provider": "openai",
        "breaker": "closed",
        "seconds_today": 0,
        "daily_seconds_budget": settings.TRANSCRIBE_DAILY_SECONDS_BUDGET,
        "budget_spent": False,
        "voice_replies": "off",
    }
    from clinicbot.llm.breaker import breaker_record_failure

    for _ in range(settings.LLM_BREAKER_FAILURES):
        breaker_record_failure(now=timezone.now(), name=TRANSCRIBE)
    body = Client().get("/health/detailed", **auth).json()
    assert body["transcription"]["breaker"] == "open"
    assert "transcription provider failing (breaker open)" in body["reasons"]
    settings.TRANSCRIBE_PROVIDER = "off"
    assert Client().get("/health/detailed", **auth).json()["transcription"] == {"provider": "off"}


@needs_audio
def test_a_503_is_retried_by_the_sdk_and_the_second_answer_is_used(openai_speech, settings):
    settings.TRANSCRIBE_MAX_RETRIES = 1
    openai_speech.script.extend([Heard(status=503), Heard("quero marcar dermatologia")])
    outcome = _transcribe()
    assert (outcome.ok, outcome.text) == (True, "quero marcar dermatologia")
    assert len(openai_speech.transcriptions) == 2
    assert not breaker_is_open(now=NOW, name=TRANSCRIBE)
