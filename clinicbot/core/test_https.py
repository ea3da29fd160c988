"""HTTPS: on by default in a deployment (DEBUG off, a real database), off on the demo; check --deploy is clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

PRODUCTION = {
    "DATABASE_URL": "postgres://clinic@127.0.0.1:1/clinic",  # never connected to by these commands
    "SECRET_KEY": "production-like-" + "k3y" * 20,
    "ALLOWED_HOSTS": "bot.clinica.example",
}
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'redirect': s.SECURE_SSL_REDIRECT, "
    "'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE}))"
)


def run(args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh process on clinicbot.settings with only ``env`` on top of a clean environment."""
    drop = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    environ = {
        k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("SECURE_", "SESSION_"))
    }
    environ.update(CLINICBOT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="clinicbot.settings", **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_the_production_configuration(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            PRODUCTION,
            {
                "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
                "redirect": True,
                "hsts": 31536000,
                "subdomains": True,
                "session": True,
                "csrf": True,
            },
        ),
        # The demo (`make run`) and a DEBUG machine speak plain HTTP.
        (
            {},
            {
                "proxy": None,
                "redirect": False,
                "hsts": 0,
                "subdomains": False,
                "session": False,
                "csrf": False,
            },
        ),
        (
            {**PRODUCTION, "DEBUG": "1"},
            {
                "proxy": None,
                "redirect": False,
                "hsts": 0,
                "subdomains": False,
                "session": False,
                "csrf": False,
            },
        ),
        # Every part can be set from the environment.
        (
            {
                **PRODUCTION,
                "SECURE_PROXY_SSL_HEADER": "off",
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "60",
            },
            {"proxy": None, "redirect": False, "hsts": 60, "subdomains": True, "session": True, "csrf": True},
        ),
        (
            {"SECURE_PROXY_SSL_HEADER": "X-Scheme", "SESSION_COOKIE_SECURE": "1"},
            {"proxy": ["HTTP_X_SCHEME", "https"], "redirect": False, "hsts": 0, "subdomains": False}
            | {"session": True, "csrf": False},
        ),
    ],
)
def test_https_settings_follow_the_deployment_and_the_environment(tmp_path, env, expected):
    result = run(["-c", SHOW], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.django_db
def test_plain_http_is_redirected_except_health_metrics_and_webhooks(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()

    staff = client.get("/staff/")
    assert staff.status_code == 301 and staff["Location"] == "https://testserver/staff/"
    assert client.get("/admin/login/").status_code == 301
    assert client.get("/health").status_code == 200
    assert client.get("/webhooks/meta/", {"hub.mode": "subscribe"}).status_code != 301
    assert client.post("/webhooks/evolution/", b"{}", content_type="application/json").status_code != 301
    assert client.get("/metrics").status_code != 301
    # Through the proxy the request is HTTPS: no redirect, and HSTS is sent.
    settings.SECURE_HSTS_SECONDS = 3600
    secure = Client(headers={"X-Forwarded-Proto": "https"})
    page = secure.get("/admin/login/")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"].startswith("max-age=3600")
