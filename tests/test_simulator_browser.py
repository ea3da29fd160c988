"""The web simulator in a real browser: Debian's Chromium driven by Playwright.

Needs ``/usr/bin/chromium`` (``scripts/ensure_chromium.sh`` installs Debian's package)
and the ``playwright`` Python package; never ``playwright install`` (no browser downloads
here). Skips with the reason when either is missing. Leaves a screenshot of the chat in
``artifacts/simulator.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from clinicbot.clinics.models import Clinic
from clinicbot.clinics.snapshot import invalidate_snapshot
from clinicbot.testing import DEMO_CLINIC, load_clinic

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (Debian's 'chromium' package)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the 'playwright' Python package is not installed (pip install 'playwright>=1.45,<2')",
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


STAFF_USER, STAFF_PASSWORD = "recepcao", "senha-do-simulador-1"


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(STAFF_USER, password=STAFF_PASSWORD, is_staff=True)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A fresh headless Chromium page (no cookies), closed after the test."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made from
    # the test meanwhile (load_clinic, the staff user) would trip its async-safety check.
    # Scoped to these tests only, so the rest of the suite keeps the check.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 900, "height": 1000}, locale="pt-BR")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            yield page
        finally:
            browser.close()
            # While Playwright's loop runs, Django keeps separate (contextvar) DB connections:
            # close them here, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()


def send(page, text: str) -> None:
    """Type a message in the chat box and submit it, as a person would (Enter)."""
    page.fill("#text", text)
    page.press("#text", "Enter")


def bot_bubbles(page):
    return page.locator(".msg.bot")


def test_staff_books_through_the_simulator_in_a_real_browser(live_server, browser_page, staff_user):
    load_clinic()
    page = browser_page
    expect = sync_api.expect
    page_errors: list[str] = []
    api_failures: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            api_failures.append(f"{r.status} {r.url}")
            if "/simulator/api/" in r.url and r.status != 200
            else None
        ),
    )

    # Log in as staff through the admin's login form, landing on the simulator.
    page.goto(f"{live_server.url}/admin/login/?next=/simulator/")
    page.fill("#id_username", STAFF_USER)
    page.fill("#id_password", STAFF_PASSWORD)
    with page.expect_navigation(url=f"{live_server.url}/simulator/"):
        page.click("input[type=submit], button[type=submit]")
    expect(page.locator("header")).to_contain_text("Simulador do WhatsApp")

    send(page, "oi")
    expect(page.locator(".msg.user").last).to_have_text("oi")
    expect(bot_bubbles(page).filter(has_text="assistente").first).to_be_visible()

    before = bot_bubbles(page).count()
    send(page, "quero marcar cardiologista pela unimed")
    expect(bot_bubbles(page)).not_to_have_count(before)
    buttons = bot_bubbles(page).last.locator(".choices button")
    expect(buttons.first).to_be_visible()
    titles = buttons.all_inner_texts()
    assert re.search(r"\d{1,2}[:h]\d{2}|\d{1,2}h", titles[0]), titles  # a time, e.g. "seg 18/05 09:00"

    before = bot_bubbles(page).count()
    buttons.first.click()
    expect(bot_bubbles(page)).not_to_have_count(before)
    expect(bot_bubbles(page).last).to_contain_text(re.compile("nome", re.IGNORECASE))

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "simulator.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not api_failures, api_failures
    assert not page_errors, page_errors


def test_fresh_visitor_can_chat_on_the_public_simulator(live_server, browser_page, settings):
    """The embedded default's public simulator, opened in a new browser with no cookies."""
    settings.SIMULATOR_PUBLIC = True
    load_clinic()
    page = browser_page
    page.goto(f"{live_server.url}/simulator/")
    with page.expect_response(lambda r: "/simulator/api/messages" in r.url) as answer:
        send(page, "oi")
    assert answer.value.status == 200
    sync_api.expect(bot_bubbles(page).filter(has_text="assistente").first).to_be_visible()


def test_replies_render_whatsapp_formatting_keep_links_inside_and_explain_in_portuguese(
    live_server, browser_page, staff_user, settings
):
    """Issue 15 item 12: *negrito* bold, links clickable and wrapped, the staff-only line in Portuguese."""
    load_clinic(DEMO_CLINIC)
    # A clinic whose hand-off link is one long unbreakable word (it used to run out of the bubble).
    Clinic.objects.update(
        handoff_url="https://atendimento.clinicamarealta.com.br/whatsapp/recepcao/atendimento-humano"
        "/encaminhamento-do-assistente-virtual-para-a-equipe-da-recepcao"
    )
    invalidate_snapshot()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    expect = sync_api.expect
    page.goto(f"{live_server.url}/admin/login/?next=/simulator/")
    page.fill("#id_username", STAFF_USER)
    page.fill("#id_password", STAFF_PASSWORD)
    with page.expect_navigation(url=f"{live_server.url}/simulator/"):
        page.click("input[type=submit], button[type=submit]")

    send(page, "oi, sou a Marta Reis, quero marcar dermatologia pela unimed")
    first_time = bot_bubbles(page).last.locator(".choices button").first
    expect(first_time).to_be_visible()
    first_time.click()
    expect(bot_bubbles(page).last).to_contain_text("Posso confirmar")
    send(page, "sim")
    booked = bot_bubbles(page).filter(has_text="Consulta marcada").last
    expect(booked).to_be_visible()

    code = booked.locator("strong").last.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code  # "Código: *P59SR5*" shown bold, no asterisks
    assert f"*{code}*" not in booked.inner_text()
    link = booked.locator("a[href^='https://']")
    expect(link).to_have_count(1)
    for bubble in bot_bubbles(page).all():  # nothing runs out of its bubble
        assert bubble.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), bubble.inner_text()[:80]

    meta = page.locator(".meta").last.inner_text()
    assert meta == "entendeu: confirmação · conversa: livre", meta
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screen_simulator_bubbles.png"))

    # A public visitor (no staff login) sees the conversation and nothing of the internals.
    settings.SIMULATOR_PUBLIC = True
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/simulator/")
    send(page, "oi")
    expect(bot_bubbles(page).first).to_be_visible()
    expect(page.locator(".meta")).to_have_count(0)
