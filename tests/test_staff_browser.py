"""The staff desk in a real browser: log in, open the hand-off queue, reply, hand back.

Debian's Chromium driven by Playwright (as in test_simulator_browser.py); the reply goes
over real HTTP to a local server playing Meta's Graph API. Leaves a screenshot of the
conversation page in ``artifacts/staff_desk.png``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.testing import Patient, load_clinic, recepcao_group
from clinicbot.testing.fake_gateway import meta_cloud_api

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 15_000

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the 'playwright' Python package is not installed"
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

USER, PASSWORD = "recepcao", "senha-da-recepcao-1"
PHONE = "5519998899001"


@pytest.fixture
def api():
    with (
        meta_cloud_api(
            secret="s",
            CELERY_TASK_ALWAYS_EAGER=True,  # the live server sends the reply in-process
        ) as server,
    ):
        yield server


@pytest.fixture
def page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread (see test_simulator_browser.py).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="pt-BR")
            context.set_default_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()
            connections.close_all()


def test_staff_answers_a_handed_off_patient_from_the_browser(live_server, page, api, django_user_model):
    load_clinic()
    rita = django_user_model.objects.create_user(USER, password=PASSWORD, is_staff=True, first_name="Rita")
    rita.groups.add(recepcao_group())  # the front desk's permissions
    patient = Patient(PHONE, timezone.now() - dt.timedelta(minutes=7))
    patient.says("quero falar com um atendente")
    assert patient.says("tem alguém aí?") == ""  # handed off: the assistant is silent
    expect = sync_api.expect

    page.goto(f"{live_server.url}/admin/login/?next=/staff/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=f"{live_server.url}/staff/"):
        page.click("input[type=submit], button[type=submit]")
    row = page.locator("#queue tbody tr").first
    expect(row).to_contain_text(PHONE)
    expect(row).to_contain_text("minutos")  # the wait time

    row.get_by_role("link", name="Abrir conversa").click()
    expect(page.locator(".msg-user").last).to_contain_text("tem alguém aí?")
    page.fill("#reply-text", "Oi, Bruno! Aqui é a Rita, da recepção. Como posso ajudar?")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".messages")).to_contain_text("Mensagem enviada ao paciente.")
    expect(page.locator(".msg-staff").last).to_contain_text("Rita (equipe)")

    assert api.wait_for(1)
    assert api.texts_to(PHONE) == ["Oi, Bruno! Aqui é a Rita, da recepção. Como posso ajudar?"]
    staff_message = ConversationMessage.objects.get(direction=Direction.STAFF)
    assert staff_message.delivery_status == DeliveryStatus.SENT and staff_message.payload["author"] == USER

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff_desk.png"), full_page=True)

    page.get_by_role("button", name="Devolver ao assistente").click()
    expect(page.locator(".messages")).to_contain_text("Conversa devolvida ao assistente.")
    expect(page.locator("body")).to_contain_text("Nenhuma conversa aguardando atendimento.")
    assert not ConversationSession.objects.get(phone=PHONE).handed_off
