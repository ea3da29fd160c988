"""LLM providers behind one small interface: ``complete(prompt) -> Completion``.

* ``openai`` — the official ``openai`` SDK against any OpenAI-compatible server
  (``{OPENAI_BASE_URL}/chat/completions``: OpenAI, Ollama, vLLM, llama.cpp server).
* ``gemini`` — the official ``google-genai`` SDK.
* ``offline`` — no provider at all: the template engine's reply is sent as it is.

``complete_json(prompt, schema)`` asks for structured output (a message's reading):
OpenAI-compatible servers get ``response_format={"type": "json_schema", strict}``; a
server that rejects it (400/422: older Ollama, llama.cpp or vLLM builds) is asked again
with ``{"type": "json_object"}`` — the prompt itself spells out the format — and, once
that worked, gets ``json_object`` directly from then on. Gemini gets
``response_mime_type="application/json"`` and the schema in its OpenAPI dialect.

Both SDKs retry 429/5xx/timeouts with exponential backoff themselves
(``LLM_MAX_RETRIES``); every failure that survives the retries becomes one
:class:`LLMError`, the single error type of this boundary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings

from clinicbot.engine.llm.prompt import Prompt

from .models import ProviderName

logger = logging.getLogger(__name__)

RETRY_STATUSES = [408, 429, 500, 502, 503, 504]
# How servers without json_schema support refuse it: 400 (llama.cpp, vLLM) or 422 (FastAPI-based).
_REJECTED_FORMAT = frozenset({400, 422})


class LLMError(Exception):
    """A provider call failed; ``reason`` is a short code (timeout, rate_limited, server_error…)."""

    def __init__(self, reason: str, detail: str = "", *, status: int = 0) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.status = status  # the HTTP status, when the server answered one


@dataclass(frozen=True)
class Completion:
    """A model's answer and the tokens the provider says it used."""

    text: str
    prompt_tokens: int
    completion_tokens: int


class Provider(Protocol):
    name: str

    def complete(self, prompt: Prompt) -> Completion:
        """Ask the model; raise :class:`LLMError` on any failure."""
        ...

    def complete_json(self, prompt: Prompt, schema: dict[str, Any]) -> Completion:
        """Ask for a JSON answer following ``schema`` (the text is still unchecked); raise :class:`LLMError`."""
        ...


def _estimate(chars: int) -> int:
    # Only when a server omits its usage fields (some llama.cpp builds): ~4 chars a token.
    return max(1, chars // 4)


class OpenAIProvider:
    """Chat completions on an OpenAI-compatible endpoint."""

    name = ProviderName.OPENAI.value

    def __init__(
        self, *, base_url: str, api_key: str, model: str, timeout_s: float, max_retries: int
    ) -> None:
        import openai

        self._openai = openai
        self.model = model
        # Local servers (Ollama, vLLM) accept any key, but the SDK insists on one.
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=max_retries
        )
        # False once the server refused json_schema but took json_object (one client per process).
        self.json_schema_supported = True

    def complete(self, prompt: Prompt) -> Completion:
        return self._create(prompt, temperature=0.2)

    def complete_json(self, prompt: Prompt, schema: dict[str, Any]) -> Completion:
        if self.json_schema_supported:
            structured = {
                "type": "json_schema",
                "json_schema": {"name": "leitura", "strict": True, "schema": schema},
            }
            try:
                return self._create(prompt, temperature=0.0, response_format=structured)
            except LLMError as exc:
                if exc.status not in _REJECTED_FORMAT:
                    raise
                logger.info("server refused json_schema (%s); asking for json_object", exc.status)
        completion = self._create(prompt, temperature=0.0, response_format={"type": "json_object"})
        # Only now: a 400 that json_object also gets is about the request, not the format.
        self.json_schema_supported = False
        return completion

    def _create(
        self, prompt: Prompt, *, temperature: float, response_format: dict[str, Any] | None = None
    ) -> Completion:
        oa = self._openai
        extra: dict[str, Any] = {"response_format": response_format} if response_format else {}
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=prompt.messages(),  # type: ignore[arg-type]
                max_tokens=prompt.spec.max_output_tokens,
                temperature=temperature,
                **extra,
            )
        except oa.APITimeoutError as exc:
            raise LLMError("timeout") from exc
        except oa.RateLimitError as exc:
            raise LLMError("rate_limited", status=429) from exc
        except oa.APIStatusError as exc:
            code = exc.status_code
            raise LLMError("server_error" if code >= 500 else "http_error", str(code), status=code) from exc
        except oa.APIConnectionError as exc:
            raise LLMError("connection") from exc
        except oa.OpenAIError as exc:
            raise LLMError("error", type(exc).__name__) from exc
        if not response.choices or response.choices[0].message.content is None:
            raise LLMError("bad_response", "no choices")
        text = response.choices[0].message.content
        usage = response.usage
        if usage is None:
            return Completion(text, _estimate(prompt.chars), _estimate(len(text)))
        return Completion(text, usage.prompt_tokens, usage.completion_tokens)


def gemini_client(*, api_key: str, timeout_s: float, max_retries: int, base_url: str = "") -> Any:
    """A google-genai client with our timeout and retries (replies and transcription share it)."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(
        timeout=int(timeout_s * 1000),
        base_url=base_url or None,
        retry_options=types.HttpRetryOptions(
            attempts=max_retries + 1, initial_delay=0.5, max_delay=8.0, http_status_codes=RETRY_STATUSES
        ),
        # Our own httpx client: the project already depends on httpx, and tests can
        # intercept it with respx.
        httpx_client=httpx.Client(timeout=timeout_s),
    )
    return genai.Client(api_key=api_key or "missing-key", http_options=options)


class GeminiProvider:
    """``generate_content`` through the google-genai SDK."""

    name = ProviderName.GEMINI.value

    def __init__(
        self, *, api_key: str, model: str, timeout_s: float, max_retries: int, base_url: str = ""
    ) -> None:
        from google.genai import errors, types

        self._types, self._errors = types, errors
        self.model = model
        self.client = gemini_client(
            api_key=api_key, timeout_s=timeout_s, max_retries=max_retries, base_url=base_url
        )

    def complete(self, prompt: Prompt) -> Completion:
        return self._generate(prompt, temperature=0.2)

    def complete_json(self, prompt: Prompt, schema: dict[str, Any]) -> Completion:
        return self._generate(
            prompt,
            temperature=0.0,
            response_mime_type="application/json",
            response_schema=openapi_schema(schema),
        )

    def _generate(self, prompt: Prompt, *, temperature: float, **structured: Any) -> Completion:
        types, errors = self._types, self._errors
        try:
            response = self.client.models.generate_content(
                model=self.model,
                contents=prompt.user,
                config=types.GenerateContentConfig(
                    system_instruction=prompt.system,
                    max_output_tokens=prompt.spec.max_output_tokens,
                    temperature=temperature,
                    **structured,
                ),
            )
        except httpx.TimeoutException as exc:
            raise LLMError("timeout") from exc
        except httpx.HTTPError as exc:
            raise LLMError("connection") from exc
        except errors.APIError as exc:
            code = int(exc.code or 0)
            reason = "rate_limited" if code == 429 else "server_error" if code >= 500 else "http_error"
            raise LLMError(reason, str(code), status=code) from exc
        except Exception as exc:  # the SDK raises pydantic/value errors on odd bodies
            raise LLMError("error", type(exc).__name__) from exc
        text = response.text
        if not text:
            raise LLMError("bad_response", "empty text")
        usage = response.usage_metadata
        prompt_tokens = (usage.prompt_token_count if usage else None) or _estimate(prompt.chars)
        completion_tokens = (usage.candidates_token_count if usage else None) or _estimate(len(text))
        return Completion(text, prompt_tokens, completion_tokens)


def openapi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema in the OpenAPI dialect Gemini's ``response_schema`` takes.

    ``"type": ["string", "null"]`` becomes ``"type": "string", "nullable": true`` (and null
    leaves the enum); ``additionalProperties`` is not part of that dialect and is dropped.
    """
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "additionalProperties":
            continue
        if key == "type" and isinstance(value, list):
            out["type"] = next(t for t in value if t != "null")
            if "null" in value:
                out["nullable"] = True
        elif key == "enum":
            out["enum"] = [v for v in value if v is not None]
        elif key == "properties":
            out["properties"] = {name: openapi_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out["items"] = openapi_schema(value)
        else:
            out[key] = value
    return out


_memo: tuple[tuple[object, ...], Provider | None] | None = None


def get_provider() -> Provider | None:
    """The configured provider (one client per process, rebuilt when settings change); None = offline."""
    global _memo
    name = settings.LLM_PROVIDER
    key: tuple[object, ...] = (
        name,
        settings.LLM_TIMEOUT_S,
        settings.LLM_MAX_RETRIES,
        settings.OPENAI_BASE_URL,
        settings.OPENAI_API_KEY,
        settings.OPENAI_MODEL,
        settings.GEMINI_API_KEY,
        settings.GEMINI_MODEL,
        settings.GEMINI_BASE_URL,
    )
    if _memo is not None and _memo[0] == key:
        return _memo[1]
    provider: Provider | None
    if name == ProviderName.OPENAI:
        provider = OpenAIProvider(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            model=settings.OPENAI_MODEL,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
        )
    elif name == ProviderName.GEMINI:
        provider = GeminiProvider(
            api_key=settings.GEMINI_API_KEY,
            model=settings.GEMINI_MODEL,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
            base_url=settings.GEMINI_BASE_URL,
        )
    else:
        if name != ProviderName.OFFLINE:
            logger.warning("unknown LLM_PROVIDER %r: answering offline", name)
        provider = None
    _memo = (key, provider)
    return provider
