"""Credentials never reach a log: access logs (gunicorn, runserver), HTTP client lines, tracebacks."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import httpx
import pytest
from django.conf import settings

from clinicbot.core.logs import MaskingFilter, logging_config, redact_query_string, redact_secrets
from clinicbot.testing.servers import embedded_env, free_port, running

ZAPI_PATH_SECRET = "zapiPathSecret2024"
VERIFY_TOKEN = "metaVerifyToken77"
CALENDAR_TOKEN = "cal_Q8w3Rt6Yp1Zx9Kd2"
PHONE = "5511999990001"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (
            f'"GET /webhooks/meta/?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=9 HTTP/1.1" 200',
            '"GET /webhooks/meta/?hub.mode=***&hub.verify_token=***&hub.challenge=*** HTTP/1.1" 200',
        ),
        (
            'HTTP Request: POST https://api.z-api.io/instances/3C0F/token/zT0ken/send-text "HTTP/1.1 200 OK"',
            'HTTP Request: POST https://api.z-api.io/instances/3C0F/token/***/send-text "HTTP/1.1 200 OK"',
        ),
        (f"POST /webhooks/zapi/{ZAPI_PATH_SECRET}/ HTTP/1.1", "POST /webhooks/zapi/***/ HTTP/1.1"),
        (f"GET /calendar/dra-ana.ics?token={CALENDAR_TOKEN}", "GET /calendar/dra-ana.ics?token=***"),
        ("GET /feed/Xy9kLm3Pq7Rt5Vw1Zs8Nb2.ics", "GET /feed/***.ics"),
        ("url https://g.example/v1/models?key=AIzaSyA1b2", "url https://g.example/v1/models?key=***"),
        ("Authorization: Bearer cbk_abc_DEF123", "Authorization: Bearer ***"),
        # Not secrets: left alone.
        ("GET /static/admin/css/base.1a2b3c4d5e6f.css", "GET /static/admin/css/base.1a2b3c4d5e6f.css"),
        ("GET /calendar/dra-maria-aparecida-souza.ics", "GET /calendar/dra-maria-aparecida-souza.ics"),
        ("tem horário? sim", "tem horário? sim"),
    ],
)
def test_credentials_in_urls_are_redacted_and_the_rest_kept(line, redacted):
    assert redact_secrets(line) == redacted


def test_a_bare_query_string_keeps_its_keys_only():
    assert redact_query_string(f"token={CALENDAR_TOKEN}&x=") == "token=***&x="


def test_secrets_are_redacted_even_in_the_unmasked_debug_records_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter(unmasked_debug=True))
    logger = logging.getLogger("t.secrets")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("GET /webhooks/zapi/%s/", ZAPI_PATH_SECRET)
        try:
            raise ValueError(f"for url 'https://api.z-api.io/instances/1/token/{ZAPI_PATH_SECRET}/send-text'")
        except ValueError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
    assert ZAPI_PATH_SECRET not in stream.getvalue()
    assert "/webhooks/zapi/***/" in stream.getvalue() and "/token/***/send-text" in stream.getvalue()


def test_third_party_http_loggers_only_pass_warnings():
    loggers = logging_config(fmt="json", level="DEBUG", debug=True)["loggers"]
    for name in ("httpx", "httpcore", "urllib3", "openai", "google_genai"):
        assert loggers[name]["level"] == "WARNING"


def access_requests(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post(f"/webhooks/zapi/{ZAPI_PATH_SECRET}/", content=b"{}")
        client.get(f"/calendar/dra-ana.ics?token={CALENDAR_TOKEN}")
        client.get(
            "/webhooks/meta/",
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        )
        client.get(f"/api/v1/conversations/{PHONE}", headers={"Referer": f"{base}/?token={CALENDAR_TOKEN}"})


def assert_clean_access_log(text: str) -> None:
    for secret in (ZAPI_PATH_SECRET, VERIFY_TOKEN, CALENDAR_TOKEN, PHONE):
        assert secret not in text, text
    # The lines are there, with the secrets replaced.
    assert "/webhooks/zapi/***/" in text and "token=***" in text and "hub.verify_token=***" in text
    assert "5511*****0001" in text


def test_gunicorn_access_log_shows_no_path_secret_query_token_or_phone(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    args = ["-m", "gunicorn", "clinicbot.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with running([*args, "--access-logfile", "-"], embedded_env(tmp_path), port, log):
        access_requests(port)
    assert_clean_access_log(log.read_text())


def test_runserver_access_lines_show_no_verify_token_or_path_secret(tmp_path):
    port = free_port()
    log = tmp_path / "runserver.log"
    args = ["manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    with running(args, embedded_env(tmp_path, LOG_FORMAT="json"), port, log):
        access_requests(port)
    text = log.read_text()
    assert '"logger": "django.server"' in text  # through our JSON handler, not Django's own
    assert_clean_access_log(text)


def test_a_gateway_call_logs_no_token_at_any_level(tmp_path):
    """A real Z-API send from a configured process: httpx would log the URL with the token."""
    script = (
        "import logging, django; django.setup()\n"
        "from clinicbot.testing.fake_gateway import FakeGatewayServer\n"
        "from clinicbot.whatsapp.gateways.zapi import ZapiGateway\n"
        "with FakeGatewayServer() as api:\n"
        f"    gw = ZapiGateway(base_url=api.url, instance_id='I1', token={ZAPI_PATH_SECRET!r}, client_token='c')\n"
        "    gw.send_text('5511999990001', 'oi')\n"
        "    logging.getLogger('httpx').warning('retrying %s', api.url + "
        f"'/instances/I1/token/{ZAPI_PATH_SECRET}/send-text')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=embedded_env(tmp_path, LOG_LEVEL="DEBUG"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert ZAPI_PATH_SECRET not in run.stdout + run.stderr
    assert "/token/***/send-text" in run.stderr  # the warning is there, redacted
