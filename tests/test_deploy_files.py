"""The production deployment guide (docs/DEPLOY.md) and the files it names.

Every repository file the guide names exists; the Compose file, the Dockerfile and the
systemd units fit together (services, commands, mounted files, one beat). No Docker or
systemd is needed to run these checks; ``docker compose config`` validates the Compose
file further where the tool exists (docs/DEPLOY.md).
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUIDE = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
SYSTEMD = ROOT / "deploy" / "systemd"
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def named_files() -> set[str]:
    """Repository paths the guide writes in backticks (host paths and commands left out)."""
    names = set()
    for token in re.findall(r"`([^`\s]+)`", GUIDE):
        if token.startswith(("/", "http", "-", "$", ".")) or any(c in token for c in "<=*:"):
            continue
        if "/" in token or token in ("Dockerfile", "README.md") or token.endswith((".yml", ".example")):
            names.add(token.rstrip("/"))
        elif token.endswith((".service", ".timer")):
            names.add(f"deploy/systemd/{token}")
    return names


def test_every_file_the_guide_names_exists():
    names = named_files()
    assert {
        "docker-compose.yml",
        "Dockerfile",
        "deploy/caddy/Caddyfile",
        "deploy/nginx/clinicbot.conf",
    } <= names
    assert "deploy/systemd/clinicbot-web.service" in names
    missing = sorted(n for n in names if not (ROOT / n).exists())
    assert not missing, missing


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_web_worker_one_beat_database_redis_and_the_tls_proxy():
    services = compose()["services"]
    assert set(services) == APP_SERVICES | {"db", "redis", "caddy"}
    for name in APP_SERVICES:
        assert services[name]["build"] == "." and services[name]["image"] == "clinicbot:latest", name
        assert (
            "DATABASE_URL" in services[name]["environment"] and "REDIS_URL" in services[name]["environment"]
        )
    commands = {name: " ".join(services[name]["command"]) for name in APP_SERVICES}
    assert "gunicorn clinicbot.wsgi:application" in commands["web"]
    assert commands["worker"].startswith("celery -A clinicbot worker") and "--beat" not in commands["worker"]
    assert commands["beat"].startswith("celery -A clinicbot beat")
    assert sum("beat" in c.split() for c in commands.values()) == 1  # exactly one scheduler
    assert commands["migrate"] == "python manage.py migrate --noinput"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("db", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name


def test_compose_mounts_and_depends_only_on_what_exists():
    data = compose()
    services = data["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
            else:
                assert source in data["volumes"], (name, source)
    assert "reverse_proxy {$CLINICBOT_UPSTREAM:web:8000}" in (ROOT / "deploy/caddy/Caddyfile").read_text()


def test_the_dockerfile_copies_what_exists_and_starts_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        for source in sources.split():
            assert source == "." or (ROOT / source).exists(), source
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert '"gunicorn", "clinicbot.wsgi:application"' in dockerfile
    assert "USER clinicbot" in dockerfile


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize(
    ("name", "runs"),
    [
        ("clinicbot-web.service", "gunicorn clinicbot.wsgi:application"),
        ("clinicbot-worker.service", "celery -A clinicbot worker"),
        ("clinicbot-beat.service", "celery -A clinicbot beat"),
        ("clinicbot-backup.service", "python manage.py backup"),
    ],
)
def test_each_systemd_unit_runs_its_process_from_the_venv_with_the_environment_file(name, runs):
    service = unit(name)["Service"]
    executable, *args = shlex.split(service["ExecStart"])
    assert executable.startswith("/opt/clinicbot/.venv/bin/")
    assert f"{Path(executable).name} {' '.join(args)}".startswith(runs)
    assert service["EnvironmentFile"] == "/etc/clinicbot/clinicbot.env"
    assert service["User"] == "clinicbot" and service["WorkingDirectory"] == "/opt/clinicbot"


def test_the_backup_timer_starts_the_backup_service_daily():
    timer = unit("clinicbot-backup.timer")
    assert timer["Timer"]["OnCalendar"].startswith("*-*-*") and timer["Timer"]["Persistent"] == "true"
    assert (SYSTEMD / "clinicbot-backup.service").exists()  # a timer starts the service of its own name


def test_the_environment_example_has_every_setting_the_guide_asks_for():
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    for setting in (
        "SECRET_KEY",
        "AUDIT_HASH_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "POSTGRES_PASSWORD",
        "CLINIC_DOMAIN",
        "HEALTH_TOKEN",
        "METRICS_TOKEN",
        "ADMINS",
    ):
        assert re.search(rf"^#? ?{setting}=", example, re.MULTILINE), setting
