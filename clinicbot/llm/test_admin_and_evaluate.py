"""Token usage in the admin, and the evaluation through an LLM provider (a local server)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from clinicbot.conversations.evaluation import run_evaluation
from clinicbot.llm.models import TokenUsage
from clinicbot.testing_support.fake_llm import FakeOpenAIServer


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
