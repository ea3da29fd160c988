"""Helpers of the REST API tests: dates relative to today, a keyed client, the error-shape check."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.test import Client

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


def next_weekday(weekday: int, *, at: dt.time = dt.time(9, 0), min_days: int = 2) -> dt.datetime:
    """The first given weekday (0 = Monday) at least ``min_days`` from now, at a local time."""
    day = dt.datetime.now(TZ).date() + dt.timedelta(days=min_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, at, tzinfo=TZ)


class ApiClient:
    """A Django test client that sends one API key on every call."""

    def __init__(self, secret: str, *, header: str = "bearer") -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if header == "bearer" else {"X-API-Key": secret}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, body or {}, content_type="application/json", headers=self.headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has the status and the API's one error shape; returns the error object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    error: dict[str, Any] = body["error"]
    return error
