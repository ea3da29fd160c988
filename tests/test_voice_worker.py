"""Voice notes on real Celery workers (PostgreSQL + Redis only): transcribed once, answered once.

Two worker processes share the test database and broker; signed Meta voice-note webhooks
arrive through Django's test client, each delivered twice at once (Meta redelivers); the
Graph API (sends and media) and the OpenAI-compatible transcription endpoint are local
servers. Every note must be fetched, transcribed and answered exactly once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from clinicbot.conversations.models import ConversationMessage, Direction, VoiceNote, VoiceStatus
from clinicbot.testing.fake_gateway import FakeGatewayServer
from clinicbot.testing.fake_speech import FakeSpeechServer, Heard
from clinicbot.testing.voice import audio_tools_missing, speak
from clinicbot.testing.voice_webhooks import META_SECRET, meta_voice
from tests.test_worker import Workers, wait_until_answered

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL and Redis shared with worker processes",
    ),
    pytest.mark.skipif(audio_tools_missing() is not None, reason=audio_tools_missing() or ""),
]

PHRASE = "quais convênios vocês aceitam"


@pytest.fixture
def voice_flow(tmp_path) -> Iterator[tuple[FakeGatewayServer, FakeSpeechServer, Workers]]:
    from django.db import connection

    from clinicbot.celery import app
    from clinicbot.testing import load_clinic

    app.control.purge()
    with FakeGatewayServer() as api, FakeSpeechServer(default=Heard(PHRASE, delay=0.3)) as speech:
        db = connection.settings_dict
        meta = {
            "WHATSAPP_GATEWAY": "meta",
            "META_APP_SECRET": META_SECRET,
            "META_ACCESS_TOKEN": "token",
            "META_PHONE_NUMBER_ID": "PNID-1",
            "META_VERIFY_TOKEN": "v",
            "META_GRAPH_URL": api.url,
            "TRANSCRIBE_PROVIDER": "openai",
            "TRANSCRIBE_BASE_URL": speech.base_url,
        }
        env = {
            **os.environ,
            **meta,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_QUEUE": app.conf.task_default_queue,
            "MESSAGE_DEBOUNCE_MS": "0",
            "RATE_LIMIT_MESSAGES_PER_MINUTE": "1000",
            "CLINICBOT_VAR_DIR": str(tmp_path),
        }
        workers = Workers(env)
        try:
            with override_settings(
                **meta, CELERY_TASK_ALWAYS_EAGER=False, RATE_LIMIT_MESSAGES_PER_MINUTE=1000
            ):
                load_clinic()
                yield api, speech, workers
        finally:
            workers.stop_all()


def test_voice_notes_delivered_twice_at_once_are_transcribed_and_answered_once_each_by_two_workers(
    voice_flow,
):
    api, speech, workers = voice_flow
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    audio = speak(PHRASE)
    patients = [f"55199925{i:05d}" for i in range(6)]
    posts = []
    for i, phone in enumerate(patients):
        api.add_media(f"W{i}", audio)
        for _ in range(2):  # Meta's redelivery, racing the first delivery
            posts.append(
                threading.Thread(
                    target=meta_voice,
                    kwargs={"phone": phone, "message_id": f"wamid.W{i}", "media_id": f"W{i}"},
                )
            )
    started = time.monotonic()
    for t in posts:
        t.start()
    for t in posts:
        t.join()
    webhooks_done = time.monotonic() - started
    wait_until_answered(api, len(patients))
    time.sleep(1.0)  # a duplicate would arrive now
    assert len(speech.transcriptions) == len(patients)
    assert all(r["file"]["data"] == audio for r in speech.transcriptions)
    for phone in patients:
        (reply,) = api.texts_to(phone)
        assert "Cassi" in reply
    assert VoiceNote.objects.filter(status=VoiceStatus.TRANSCRIBED, audio=None).count() == len(patients)
    assert not ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()
    # The webhooks only stored: 12 of them took less than the transcriptions' own delays.
    assert webhooks_done < 0.3 * len(patients) * 2
