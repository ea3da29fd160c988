"""Prometheus metrics: the counters move with real traffic, /metrics serves them, workers merge."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import zoneinfo

import pytest
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import REGISTRY

from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_gateway import (
    meta_cloud_api,
    meta_signature,
    meta_text_webhook,
)

SECRET = "metrics-app-secret"
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)  # a Wednesday

pytestmark = pytest.mark.django_db(transaction=True)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics and parse it back with prometheus-client's own parser."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def meta():
    with (
        meta_cloud_api(
            secret=SECRET,
            CELERY_TASK_ALWAYS_EAGER=True,
        ) as server,
    ):
        load_clinic()
        yield server


def post_webhook(payload: dict, *, secret: str = SECRET):
    body = json.dumps(payload).encode()
    return Client().post(
        "/webhooks/meta/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, secret),
    )


def test_a_whatsapp_conversation_moves_the_message_turn_intent_and_cache_counters(meta):
    names = {
        "in": ("clinicbot_messages_in_total", {"gateway": "meta", "type": "text"}),
        "out": ("clinicbot_messages_out_total", {"gateway": "meta", "type": "text"}),
        "turns": ("clinicbot_turn_duration_seconds_count", {}),
        "intent": ("clinicbot_intents_total", {"intent": "ask_insurance"}),
        "snapshot_hits": ("clinicbot_cache_lookups_total", {"family": "snapshot", "result": "hit"}),
    }
    before = {k: value(n, **labels) for k, (n, labels) in names.items()}

    for n, text in enumerate(["oi", "quais convenios vcs aceitam?"]):
        payload = meta_text_webhook(
            phone="5519991112001", text=text, message_id=f"wamid.M{n}", timestamp=int(time.time())
        )
        assert post_webhook(payload).status_code == 200
    assert len(meta.texts_to("5519991112001")) >= 2

    after = {k: value(n, **labels) for k, (n, labels) in names.items()}
    assert after["in"] - before["in"] == 2
    assert after["out"] - before["out"] >= 2
    assert after["turns"] - before["turns"] == 2
    assert after["intent"] - before["intent"] == 1
    # Each turn checks the cached clinic snapshot's version (the worker reads the session
    # from its locked row, not the cache).
    assert after["snapshot_hits"] - before["snapshot_hits"] >= 2

    # And the scrape shows the same numbers, in Prometheus' text format.
    samples = scraped(Client())
    assert samples[("clinicbot_messages_in_total", (("gateway", "meta"), ("type", "text")))] == after["in"]
    assert samples[("clinicbot_intents_total", (("intent", "ask_insurance"),))] == after["intent"]


def test_a_rejected_webhook_signature_counts_as_an_auth_failure(meta):
    before = value("clinicbot_webhook_auth_failures_total", gateway="meta")
    payload = meta_text_webhook(
        phone="5519991112002", text="oi", message_id="wamid.X", timestamp=int(time.time())
    )
    assert post_webhook(payload, secret="wrong").status_code == 401
    assert value("clinicbot_webhook_auth_failures_total", gateway="meta") - before == 1


def test_an_outbound_failure_is_counted_by_gateway_and_kind():
    with (
        meta_cloud_api(
            secret=SECRET,
            status=400,
            CELERY_TASK_ALWAYS_EAGER=True,
        ),
    ):
        load_clinic()
        before = value("clinicbot_outbound_failures_total", gateway="meta", kind="permanent")
        payload = meta_text_webhook(
            phone="5519991112003", text="oi", message_id="wamid.F", timestamp=int(time.time())
        )
        assert post_webhook(payload).status_code == 200
    assert value("clinicbot_outbound_failures_total", gateway="meta", kind="permanent") - before >= 1


def test_a_booking_counts_as_booked_and_its_turns_record_the_funnel():
    load_clinic()
    booked_before = value("clinicbot_bookings_total", outcome="booked")
    event_before = value("clinicbot_turn_events_total", event="booked")
    session_miss = value("clinicbot_cache_lookups_total", family="session", result="miss")
    session_hit = value("clinicbot_cache_lookups_total", family="session", result="hit")
    p = Patient("5519991112004", NOW)
    p.says("oi, quero marcar cardiologista")
    p.says("unimed")
    p.says("Joana Prado Lima")
    p.says("segunda que vem as 9h")
    assert "Consulta marcada" in p.says("sim")
    assert value("clinicbot_bookings_total", outcome="booked") - booked_before == 1
    assert value("clinicbot_turn_events_total", event="booked") - event_before == 1
    # Every channel's turn reads the conversation from its locked row (the worker's path),
    # never from the cache, where the previous turn's write may still be in flight.
    assert value("clinicbot_cache_lookups_total", family="session", result="miss") - session_miss == 0
    assert value("clinicbot_cache_lookups_total", family="session", result="hit") - session_hit == 0

    from clinicbot.conversations.models import ConversationSession
    from clinicbot.conversations.turn_metrics import BOOKED_RANK, OPS_KEY

    context = ConversationSession.objects.get(phone="5519991112004").context
    assert context[OPS_KEY] == {"2026-05-13": {"stage": BOOKED_RANK}}


def test_metrics_need_the_bearer_token_when_one_is_set(settings):
    settings.METRICS_TOKEN = "scrape-me"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    samples = scraped(Client(), HTTP_AUTHORIZATION="Bearer scrape-me")
    assert any(name == "clinicbot_turn_duration_seconds_count" for name, _ in samples)


def test_without_a_token_metrics_answer_only_a_scraper_on_this_machine(settings, django_user_model):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401
    assert Client().get("/metrics", REMOTE_ADDR="192.168.0.10").status_code == 401
    # Through a reverse proxy on this machine: the connection is local, the client is not.
    proxied = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 401
    staff = Client(REMOTE_ADDR="203.0.113.9")
    staff.force_login(django_user_model.objects.create_user("ti", password="x", is_staff=True))
    assert staff.get("/metrics").status_code == 200


def test_a_non_ascii_bearer_token_is_a_401_not_a_500(settings):
    settings.METRICS_TOKEN = "scrape-me"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrapé-me").status_code == 401


# Fresh interpreters: prometheus-client reads PROMETHEUS_MULTIPROC_DIR at import. The
# metrics module needs no Django set-up, like a gunicorn or Celery worker at import time.
WORKER = """
from clinicbot.core.metrics import MESSAGES_IN
MESSAGES_IN.labels(gateway="zapi", type="text").inc({n})
"""
SCRAPE = """
from clinicbot.core.metrics import render_latest
print(render_latest()[0].decode())
"""


def test_under_several_processes_the_scrape_sums_every_worker(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the snippets touch no database
    for n in (2, 3):
        subprocess.run(
            [sys.executable, "-c", WORKER.format(n=n)], env=env, cwd=settings.BASE_DIR, check=True, timeout=60
        )
    out = subprocess.run(
        [sys.executable, "-c", SCRAPE],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert samples[("clinicbot_messages_in_total", (("gateway", "zapi"), ("type", "text")))] == 5


def test_gunicorns_child_exit_hook_marks_the_dead_worker(tmp_path, monkeypatch):
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live = tmp_path / "gauge_livesum_4242.db"
    live.write_bytes(b"")
    other = tmp_path / "gauge_livesum_4343.db"
    other.write_bytes(b"")
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    hooks["child_exit"](server=None, worker=type("Worker", (), {"pid": 4242})())
    assert not live.exists() and other.exists()
