"""Token usage in the admin, and the evaluation through an LLM provider (a local server)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from clinicbot.conversations.evaluation import run_evaluation
from clinicbot.llm.models import Purpose, TokenUsage
from clinicbot.testing.fake_llm import Answer, FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_admin_lists_tokens_per_day_with_the_budget_share(admin_client, settings):
    settings.LLM_DAILY_TOKEN_BUDGET = 1000
    TokenUsage.objects.create(
        day=dt.date(2026, 3, 2), provider="openai", prompt_tokens=700, completion_tokens=50, calls=3
    )
    page = admin_client.get("/admin/llm/tokenusage/").content.decode()
    assert "750" in page and "75.0%" in page


@pytest.mark.django_db(transaction=True)
def test_evaluate_with_an_llm_reports_prompt_tokens_per_turn(settings, tmp_path):
    dialogues = tmp_path / "d.yaml"
    dialogues.write_text(
        'now: "2026-03-02T09:00:00-03:00"\n'
        "dialogues:\n"
        "  - id: faq\n    phone: '5511900000001'\n    turns:\n"
        "      - user: 'vcs aceitam unimed?'\n        reply_contains: ['Unimed']\n"
        "      - user: 'obrigado'\n",
        encoding="utf-8",
    )
    prefix = cache.key_prefix
    with FakeOpenAIServer() as llm:  # a model that repeats the offline reply
        settings.OPENAI_BASE_URL = llm.base_url
        settings.LLM_PROVIDER = "openai"  # what `evaluate --provider openai` sets
        try:
            report = run_evaluation(clinic="tests/eval/clinic_alt.yaml", nlu=None, dialogues=str(dialogues))
        finally:
            cache.key_prefix = prefix
    assert report["dialogues"]["passed"] == 1
    assert report["llm"]["provider"] == "openai" and report["llm"]["calls"] == 1
    assert 0 < report["llm"]["mean_prompt_tokens_per_turn"] <= 800
    assert len(llm.requests) == 1


@pytest.mark.django_db
def test_admin_tells_readings_from_reply_wording(admin_client):
    day = dt.date(2026, 3, 2)
    TokenUsage.objects.create(day=day, provider="openai", prompt_tokens=700, calls=1)
    TokenUsage.objects.create(
        day=day, provider="openai", purpose=Purpose.UNDERSTANDING, prompt_tokens=9, calls=1
    )
    page = admin_client.get("/admin/llm/tokenusage/").content.decode()
    assert "Redação de respostas</td>" in page and "Leitura de mensagens</td>" in page
    filtered = admin_client.get("/admin/llm/tokenusage/?purpose=understanding").content.decode()
    assert "Redação de respostas</td>" not in filtered and "Leitura de mensagens</td>" in filtered


@pytest.mark.django_db(transaction=True)
def test_evaluate_with_an_llm_counts_readings_of_unsure_messages_apart_from_wording(settings, tmp_path):
    nlu = tmp_path / "n.yaml"
    nlu.write_text(
        'now: "2026-03-02T09:00:00-03:00"\ncases:\n'
        "  - {text: 'aquele negocio do coracao', intent: schedule_appointment, entities: {specialty: Cardiologia}}\n"
        "  - {text: 'quero marcar cardiologia', intent: schedule_appointment, entities: {specialty: Cardiologia}}\n",
        encoding="utf-8",
    )
    dialogues = tmp_path / "d.yaml"
    dialogues.write_text(
        'now: "2026-03-02T09:00:00-03:00"\n'
        "dialogues:\n"
        "  - id: unsure\n    phone: '5511900000002'\n    turns:\n"
        "      - user: 'aquele negocio do coracao'\n        intent: schedule_appointment\n",
        encoding="utf-8",
    )
    reading = '{"intent": "schedule_appointment", "entities": {"specialty": "Cardiologia"}}'
    prefix = cache.key_prefix
    with FakeOpenAIServer(default_reading=Answer(reading, prompt_tokens=600, completion_tokens=40)) as llm:
        settings.OPENAI_BASE_URL = llm.base_url
        settings.LLM_PROVIDER = "openai"
        try:
            report = run_evaluation(
                clinic="tests/eval/clinic_alt.yaml", nlu=str(nlu), dialogues=str(dialogues)
            )
        finally:
            cache.key_prefix = prefix
    assert report["nlu"]["intent_accuracy"] == 1.0 and report["dialogues"]["passed"] == 1
    # One NLU case and one dialogue turn were unsure; the confident case made no call.
    assert report["llm"]["understanding"] == {
        "calls": 2,
        "failures": 0,
        "prompt_tokens": 1200,
        "completion_tokens": 80,
        "mean_prompt_tokens_per_call": 600.0,
    }
    assert report["llm"]["calls"] == 0 and report["llm"]["total_tokens"] == 1280
    assert len(llm.reading_requests()) == 2


def test_the_readable_evaluate_report_prints_the_readings_apart(tmp_path):
    nlu = tmp_path / "n.yaml"
    nlu.write_text(
        'now: "2026-03-02T09:00:00-03:00"\ncases:\n'
        "  - {text: 'aquele negocio do coracao', intent: schedule_appointment}\n",
        encoding="utf-8",
    )
    env = {"CLINICBOT_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    with FakeOpenAIServer(
        default_reading=Answer('{"intent": "schedule_appointment"}', prompt_tokens=500)
    ) as llm:
        run = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "evaluate",
                "--clinic",
                "tests/eval/clinic_alt.yaml",
                "--nlu",
                str(nlu),
            ]
            + ["--provider", "openai"],
            cwd=ROOT,
            env=env | {"OPENAI_BASE_URL": llm.base_url, "LLM_MAX_RETRIES": "0"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "intent accuracy 1.000" in run.stdout
    assert "LLM openai replies: 0 calls" in run.stdout
    assert "LLM readings of unsure messages: 1 calls, 0 failures, tokens 500 prompt" in run.stdout
