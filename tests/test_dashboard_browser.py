"""The staff dashboard in a real browser: Debian's Chromium driven by Playwright.

Logs in through the admin, opens the dashboard on a known fortnight of roll-ups and
checks that every chart is drawn (a non-empty SVG with bars/lines, of real size) and
shows the fixture's numbers. Leaves a screenshot in ``artifacts/dashboard.png``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connections
from django.utils import timezone

from clinicbot.ops.models import DailyMetrics

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
USER, PASSWORD = "gerente", "senha-do-painel-1"


def known_fortnight() -> None:
    """14 days of roll-ups: 20 + n conversations and n bookings on the n-th day."""
    today = timezone.localdate()
    for n in range(1, 15):
        DailyMetrics.objects.create(
            date=today - dt.timedelta(days=14 - n),
            conversations=20 + n,
            bookings=n,
            handoffs=n % 3,
            no_shows=n % 2,
            llm_tokens=100 * n,
            funnel_collecting=15 + n,
            funnel_choosing_slot=10 + n,
            funnel_confirming=5 + n,
            funnel_booked=n,
            computed_at=timezone.now(),
        )


@pytest.fixture
def page(live_server, monkeypatch, django_user_model):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls while Playwright's loop runs
    user = django_user_model.objects.create_user(USER, password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dailymetrics"))
    known_fortnight()
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
            context.set_default_timeout(TIMEOUT_MS)
            # The machine may be offline: any request leaving the test server fails the test.
            outside: list[str] = []
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(live_server.url)
                    else (outside.append(route.request.url), route.abort())
                ),
            )
            yield context.new_page(), outside
        finally:
            browser.close()
            connections.close_all()


def test_the_dashboard_draws_every_chart_with_the_days_numbers(live_server, page):
    page, outside = page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/admin/login/?next=/ops/dashboard/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=f"{live_server.url}/ops/dashboard/"):
        page.click("input[type=submit]")
    page.click("text=últimos 30 dias")

    expect = sync_api.expect
    total_conversations = sum(20 + n for n in range(1, 15))  # 385
    total_bookings = sum(range(1, 15))  # 105
    expect(page.locator("#card-conversations strong")).to_have_text(str(total_conversations))
    expect(page.locator("#card-bookings strong")).to_have_text(str(total_bookings))
    expect(page.locator("#card-conversion strong")).to_have_text("27%")  # 105 / 385

    for key in ("volume", "conversion", "funnel", "handoffs", "tokens"):
        svg = page.locator(f"#chart-{key} svg")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, (key, box)
        # Drawn marks: bars are rects/paths inside the plot's series groups.
        marks = page.locator(f"#chart-{key} svg .series .rect, #chart-{key} svg .series path")
        assert marks.count() > 0, key

    # The volume chart has a bar per day for each series (30 days x conversations, bookings).
    assert page.locator("#chart-volume svg .series .rect").count() == 60
    # The funnel prints its totals on the bars.
    funnel_text = page.locator("#chart-funnel svg").text_content() or ""
    for total in (total_conversations, sum(15 + n for n in range(1, 15)), total_bookings):
        assert str(total) in funnel_text, (total, funnel_text)
    # And the bars are ordered by size: conversations widest, bookings narrowest.
    widths = page.locator("#chart-funnel svg .series .rect").evaluate_all(
        "els => els.map(e => e.getBBox().width)"
    )
    assert len(widths) == 5 and min(widths) > 0 and sorted(widths) == widths, widths

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert not errors, errors
    assert not outside, outside
