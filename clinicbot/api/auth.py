"""Authentication of API requests by key (``Authorization: Bearer`` or ``X-API-Key``) and scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from .errors import ApiError
from .models import ApiKey, ApiScope
from .services import api_key_verify


def _check(raw: str | None, scope: str) -> ApiKey | None:
    if not raw:
        return None  # not this scheme: the next one is tried, then 401
    key = api_key_verify(raw=raw)
    if key is None:
        raise ApiError(401, "invalid_api_key", "Chave de API inválida ou revogada.")
    if scope and not key.allows(scope):
        raise ApiError(
            403,
            "insufficient_scope",
            f"Esta chave não tem a permissão “{ApiScope(scope).label}”, exigida por esta operação.",
            {"required_scope": scope},
        )
    return key


class BearerKey(HttpBearer):
    """``Authorization: Bearer cbk_…``."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any | None:
        # Overridden so that a malformed header is never logged (the framework logs it in DEBUG).
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return _check(token, self.scope)


class HeaderKey(APIKeyHeader):
    """``X-API-Key: cbk_…`` (for tools that cannot set an Authorization header)."""

    param_name = "X-API-Key"

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return _check(key, self.scope)


def needs(scope: str) -> list[BearerKey | HeaderKey]:
    """The ``auth=`` of an operation that needs ``scope`` ("" = any valid key)."""
    return [BearerKey(scope), HeaderKey(scope)]


ANY_KEY = needs("")
SLOTS_READ = needs(ApiScope.SLOTS_READ)
APPOINTMENTS_READ = needs(ApiScope.APPOINTMENTS_READ)
APPOINTMENTS_WRITE = needs(ApiScope.APPOINTMENTS_WRITE)
CONVERSATIONS_READ = needs(ApiScope.CONVERSATIONS_READ)
