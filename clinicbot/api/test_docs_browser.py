"""The API docs page renders in a real browser with every request kept on this server (offline)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the 'playwright' Python package is not installed"
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_every_operation_without_reaching_the_internet(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    local = urlparse(live_server.url).netloc
    outside: list[str] = []
    errors: list[str] = []

    def only_local(route):  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).netloc == local or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}/api/docs/")
            operations = page.locator(".opblock-summary-path")
            sync_api.expect(operations.first).to_be_visible(timeout=15_000)
            paths = set(operations.all_inner_texts())
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
            connections.close_all()
    assert outside == [], f"the docs page tried to reach {outside}"
    assert errors == []
    assert "clinicbot API" in title
    assert {"/api/v1/slots", "/api/v1/appointments", "/api/v1/conversations/{phone}"} <= {
        p.replace("\u200b", "") for p in paths
    }
