"""The Gemini provider through the google-genai SDK (replies and readings), its HTTP played by respx."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import respx

from clinicbot.engine.llm.facts import Fact
from clinicbot.engine.llm.prompt import NORMAL, build_prompt
from clinicbot.engine.ports import LlmReading
from clinicbot.engine.tests.fakes import make_catalog
from clinicbot.llm.interpreter import LlmInterpreter
from clinicbot.llm.models import Purpose, TokenUsage
from clinicbot.llm.providers import GeminiProvider, LLMError

# Any API version segment (v1, v1beta): the SDK picks it.
URL = r"https://generativelanguage\.googleapis\.com/v1\w*/models/gemini-test:generateContent"


def _prompt():
    return build_prompt(
        task="answer",
        clinic="Clínica Teste",
        message="vcs tem estacionamento?",
        draft="Desculpe, com isso eu não consigo ajudar.",
        facts=[
            Fact("faq", "Estacionamento?", "Pergunta frequente: Estacionamento? Resposta: Sim, no subsolo.")
        ],
        history=[],
        slots={},
        spec=NORMAL,
    )


def _ok(text: str = "Sim, temos estacionamento no subsolo.") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 210, "candidatesTokenCount": 12, "totalTokenCount": 222},
        },
    )


def _provider(retries: int = 2, timeout: float = 2.0) -> GeminiProvider:
    return GeminiProvider(api_key="g-key", model="gemini-test", timeout_s=timeout, max_retries=retries)


@respx.mock
def test_gemini_request_shape_and_usage():
    route = respx.post(url__regex=URL).mock(return_value=_ok())
    completion = _provider().complete(_prompt())
    assert (completion.text, completion.prompt_tokens, completion.completion_tokens) == (
        "Sim, temos estacionamento no subsolo.",
        210,
        12,
    )
    request = route.calls.last.request
    assert request.headers["x-goog-api-key"] == "g-key"
    body = json.loads(request.content)
    assert "subsolo" in body["systemInstruction"]["parts"][0]["text"]
    assert "<mensagem_do_paciente>" in body["contents"][0]["parts"][0]["text"]
    assert body["generationConfig"]["maxOutputTokens"] == 250


@respx.mock
def test_gemini_retries_503_then_answers():
    route = respx.post(url__regex=URL).mock(
        side_effect=[httpx.Response(503, json={"error": {"code": 503}}), _ok()]
    )
    assert _provider().complete(_prompt()).text.startswith("Sim")
    assert route.call_count == 2


@respx.mock
def test_gemini_rate_limit_after_retries_is_one_llm_error():
    respx.post(url__regex=URL).mock(
        return_value=httpx.Response(429, json={"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})
    )
    with pytest.raises(LLMError) as caught:
        _provider(retries=0).complete(_prompt())
    assert caught.value.reason == "rate_limited"


@respx.mock
def test_gemini_timeout_is_one_llm_error():
    respx.post(url__regex=URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(LLMError) as caught:
        _provider(retries=0).complete(_prompt())
    assert caught.value.reason == "timeout"


def _reading_prompt():
    from clinicbot.engine.llm.understanding_prompt import NORMAL_READING, build_reading_prompt

    return build_reading_prompt(
        message="aquele negocio do coracao",
        situation="idle",
        catalog=make_catalog(),
        today=dt.date(2027, 6, 1),
        spec=NORMAL_READING,
    )


@respx.mock
def test_gemini_reading_asks_for_json_in_the_schema_of_the_clinics_names():
    route = respx.post(url__regex=URL).mock(return_value=_ok('{"intent": "greeting", "entities": {}}'))
    request = _reading_prompt()
    assert _provider().complete_json(request.prompt, request.schema).text.startswith('{"intent"')
    config = json.loads(route.calls.last.request.content)["generationConfig"]
    assert (config["responseMimeType"], config["temperature"], config["maxOutputTokens"]) == (
        "application/json",
        0.0,
        160,
    )
    schema = config["responseSchema"]
    assert "schedule_appointment" in schema["properties"]["intent"]["enum"]
    doctor = schema["properties"]["entities"]["properties"]["doctor"]
    # Gemini's OpenAPI dialect: nullable instead of a "null" type or enum member.
    assert doctor["nullable"] is True and None not in doctor["enum"] and "Dr. Marcos Lins" in doctor["enum"]
    assert "additionalProperties" not in json.dumps(schema)


@pytest.mark.django_db
@respx.mock
def test_gemini_reading_through_the_interpreter_is_checked_and_an_unreadable_one_counted(
    django_capture_on_commit_callbacks,
):
    answer = (
        '{"intent": "schedule_appointment", "entities": {"specialty": "Cardiologia", "doctor": "Dr. Fulano"}}'
    )
    respx.post(url__regex=URL).mock(side_effect=[_ok(answer), _ok("Não entendi a pergunta.")])
    catalog, today = make_catalog(), dt.date(2027, 6, 1)
    now = dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        read = LlmInterpreter(_provider(), session_id=7, now=now).interpret(
            "aquele negocio do coracao", situation="idle", catalog=catalog, today=today
        )
        unreadable = LlmInterpreter(_provider(), session_id=7, now=now).interpret(
            "aquele negocio do coracao", situation="idle", catalog=catalog, today=today
        )
    assert read == LlmReading("schedule_appointment", {"specialty": "Cardiologia"})
    assert unreadable is None
    usage = TokenUsage.objects.get(provider="gemini", purpose=Purpose.UNDERSTANDING)
    assert (usage.calls, usage.prompt_tokens, usage.fallbacks) == (2, 420, 1)
