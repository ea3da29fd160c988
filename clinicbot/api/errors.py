"""The API's one error type and its one JSON shape: ``{"error": {"code", "message", "details"}}``.

Every failure under ``/api/`` ends up in this shape: errors raised by the views
(:class:`ApiError`), the framework's own (validation, authentication, throttling, 404),
unexpected exceptions (500, logged) and — through :class:`ErrorEnvelopeMiddleware` —
responses produced outside the API's views (unknown URLs, wrong methods, oversized bodies).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

logger = logging.getLogger(__name__)

_E = TypeVar("_E", bound=Exception)

# Marks a response that already has the shape, so the middleware leaves it alone.
_ENVELOPE_ATTR = "clinicbot_api_error"

# Code and pt-BR message for a status when nothing more specific is known.
DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Requisição malformada."),
    401: ("not_authenticated", "Envie uma chave de API válida em 'Authorization: Bearer …' ou 'X-API-Key'."),
    403: ("forbidden", "Esta chave de API não tem permissão para esta operação."),
    404: ("not_found", "Recurso não encontrado."),
    405: ("method_not_allowed", "Método HTTP não permitido neste endereço."),
    409: ("conflict", "Conflito com o estado atual do recurso."),
    413: ("payload_too_large", "Corpo da requisição grande demais."),
    415: ("unsupported_media_type", "Envie o corpo como application/json."),
    422: ("validation_error", "Parâmetros inválidos."),
    429: ("rate_limited", "Limite de requisições por minuto excedido para esta chave."),
    500: ("internal_error", "Erro interno; a equipe foi avisada."),
    503: ("unavailable", "Serviço temporariamente indisponível."),
}


class ApiError(Exception):
    """An error answered to the API client; ``code`` is stable, ``message`` is for people."""

    def __init__(self, status: int, code: str, message: str = "", details: Any = None) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message or DEFAULT_ERRORS.get(status, (code, code))[1]
        self.details = details


def error_response(
    status: int, code: str | None = None, message: str | None = None, details: Any = None
) -> JsonResponse:
    """A response in the API's error shape."""
    default_code, default_message = DEFAULT_ERRORS.get(status, ("error", "Erro."))
    body = {
        "error": {"code": code or default_code, "message": message or default_message, "details": details}
    }
    response = JsonResponse(body, status=status)
    setattr(response, _ENVELOPE_ATTR, True)
    return response


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Keep what a client can act on; pydantic's ``ctx``/``input`` may hold arbitrary objects.
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _on(api: NinjaAPI, exc_class: type[_E], handler: Callable[[HttpRequest, _E], HttpResponse]) -> None:
    """``api.add_exception_handler``, typed as it behaves.

    django-ninja types a handler's argument as "the exception or its class", but it only
    ever calls a handler with the raised instance (looked up by ``type(exc).__mro__``).
    """
    api.add_exception_handler(
        exc_class, cast("Callable[[HttpRequest, _E | type[_E]], HttpResponse]", handler)
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Route every exception the framework sees to the one error shape."""

    _on(api, ApiError, lambda r, e: error_response(e.status, e.code, e.message, e.details))
    _on(
        api,
        ValidationError,
        lambda r, e: error_response(422, details=_validation_details(list(e.errors))),
    )

    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
        response = error_response(401)
        response["WWW-Authenticate"] = 'Bearer realm="clinicbot"'
        return response

    _on(api, AuthenticationError, unauthorized)
    _on(api, AuthorizationError, lambda r, e: error_response(403))
    _on(api, Throttled, lambda r, e: error_response(429))
    _on(
        api,
        HttpError,
        # The framework's messages are English and generic: keep them as details only.
        lambda r, e: error_response(e.status_code, details=str(e) if e.status_code < 500 else None),
    )
    _on(api, Http404, lambda r, e: error_response(404))

    def unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
        logger.exception("API error on %s %s", request.method, route_of(request))
        return error_response(500)

    _on(api, Exception, unexpected)


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request (``api/v1/conversations/<phone>``), never the
    path itself: paths and query strings of this API carry phone numbers."""
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else "/api/(unknown)"


class ErrorEnvelopeMiddleware:
    """Gives non-API-view error responses under ``/api/`` the API's error shape.

    Django answers unknown URLs (404), the framework answers a wrong method (405) and
    request parsing can fail (400/413) before any API code runs; their bodies are HTML or
    plain text. This rewrites them, keeping headers such as ``Allow`` and ``Retry-After``.

    It also logs each API error itself, by route and status, and tells Django's request
    logger it is done: that logger writes the full path, i.e. the phone of
    ``/api/v1/conversations/<phone>``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith("/api/"):
            return response
        if not getattr(response, _ENVELOPE_ATTR, False):
            wrapped = error_response(response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    wrapped[header] = response[header]
            response = wrapped
        if response.status_code < 500:  # 5xx were logged with their traceback already
            logger.info("API %s %s -> %s", request.method, route_of(request), response.status_code)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
