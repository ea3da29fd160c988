"""The Gemini provider through the google-genai SDK, its HTTP played by respx."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from clinicbot.engine.llm.facts import Fact
from clinicbot.engine.llm.prompt import NORMAL, build_prompt
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
