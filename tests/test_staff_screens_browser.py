"""Every staff screen at 1280×800 in a real browser: Portuguese only, no column cut off.

Debian's Chromium driven by Playwright (as the other ``*_browser.py`` tests). A clinic day
with the widest values the demo clinic has (the longest specialty, convênio, status and a
long patient name) is shown on the start page, the staff desk, the agenda, the dashboard,
the simulator and every admin list; each must read as Portuguese (see
:mod:`clinicbot.testing.portuguese`) and fit the window: an admin list whose table
is wider than its box hides its last columns behind a scrollbar. Screenshots of the main
screens go to ``artifacts/screen_*.png``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations.models import ConversationSession
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import DEMO_CLINIC, Patient, load_clinic
from clinicbot.testing.portuguese import problems

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 15_000
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
WIDTH, HEIGHT = 1280, 800

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the 'playwright' Python package is not installed"
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
USER, PASSWORD = "gerente", "senha-da-gerente-1"


def wide_clinic_day() -> dict:
    """The demo clinic with its widest values on screen."""
    load_clinic(DEMO_CLINIC)
    now = timezone.now()
    Patient("5581988887777", now - dt.timedelta(minutes=12)).says("quero falar com um atendente")
    Patient("5581977776666", now - dt.timedelta(seconds=20)).says("quero falar com um atendente")
    doctor = Doctor.objects.get(name="Dra. Marília Wanderley")
    monday = timezone.localdate() + dt.timedelta(days=(7 - timezone.localdate().weekday()) % 7 or 7)
    for n, status in enumerate(
        [AppointmentStatus.CONFIRMED, AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW]
    ):
        start = dt.datetime.combine(monday, dt.time(8 + n, 0), tzinfo=TZ)
        Appointment.objects.create(
            patient_name="Maria Aparecida dos Santos Albuquerque Cavalcanti",
            phone="5581999990000",
            doctor=doctor,
            specialty=Specialty.objects.get(name="Otorrinolaringologia"),
            insurance=Insurance.objects.get(name="Bradesco Saúde"),
            start=start,
            end=start + dt.timedelta(minutes=30),
            status=status,
            confirmation_code=f"WIDE0{n}",
        )
    session = ConversationSession.objects.get(phone="5581988887777")
    return {"doctor": doctor, "day": monday, "session": session}


@pytest.fixture
def page(live_server, monkeypatch, django_user_model):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls while Playwright's loop runs
    django_user_model.objects.create_superuser(USER, password=PASSWORD)
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="pt-BR")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", USER)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("input[type=submit]")
            yield page
        finally:
            browser.close()
            connections.close_all()


# What sticks out at the right: the page itself, or an admin list inside its scrolling box.
OVERFLOW = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push("page " + document.documentElement.scrollWidth);
  for (const box of document.querySelectorAll("#changelist .results, .results")) {
    if (box.scrollWidth > box.clientWidth + 1) out.push("list " + box.scrollWidth + " > " + box.clientWidth);
  }
  for (const th of document.querySelectorAll("#result_list thead th")) {
    const r = th.getBoundingClientRect();
    if (r.right > window.innerWidth) out.push("column " + th.innerText + " ends at " + r.right);
  }
  return out;
}"""


def check(page, url: str, shot: str | None = None) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = [f"cut: {o}" for o in page.evaluate(OVERFLOW)]
    found += problems(page.content(), text=page.inner_text("body"))
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"screen_{shot}.png"))  # the 1280×800 a person sees first
    return found


def test_every_staff_screen_at_1280_is_portuguese_and_nothing_is_cut(live_server, page):
    day = wide_clinic_day()
    base = live_server.url
    screens = {
        "start": "/",
        "queue": "/staff/",
        "conversation": f"/staff/conversas/{day['session'].id}/",
        "agenda": f"/staff/agenda/?medico={day['doctor'].id}&data={day['day']:%d/%m/%Y}",
        "dashboard": "/ops/dashboard/?dias=7",
        "simulator": "/simulator/",
        "admin": "/admin/",
        "admin_appointments": "/admin/scheduling/appointment/",
        "admin_conversations": "/admin/conversations/conversationsession/",
        "admin_doctors": "/admin/clinics/doctor/",
        "admin_waiting_list": "/admin/scheduling/waitlistentry/",
    }
    failures = {}
    for name, path in screens.items():
        found = check(page, base + path, shot=name)
        if found:
            failures[path] = found[:5]
    for model in admin.site._registry:
        path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if path not in screens.values():
            found = check(page, base + path)
            if found:
                failures[path] = found[:5]
    assert not failures, "\n".join(f"{p}: {f}" for p, f in failures.items())


def test_the_agenda_date_reads_day_first_and_doctors_sort_by_accent_aware_name(live_server, page):
    day = wide_clinic_day()
    page.goto(f"{live_server.url}/staff/agenda/?medico={day['doctor'].id}&data={day['day'].isoformat()}")
    field = page.locator("#agenda-date")
    assert field.input_value() == f"{day['day']:%d/%m/%Y}"
    doctors = page.locator("select[name=medico] option").all_inner_texts()
    assert doctors.index("Dr. Ícaro Sobral") < doctors.index("Dr. Tiago Barreto")

    following = day["day"] + dt.timedelta(days=1)
    field.fill(f"{following:%d/%m/%Y}")
    with page.expect_navigation():
        page.get_by_role("button", name="Ver").click()
    assert page.locator("#agenda-date").input_value() == f"{following:%d/%m/%Y}"
    assert f"{following:%d/%m/%Y}" in page.locator("h1").inner_text()
