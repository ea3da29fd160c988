"""SECRET_KEY and the audit-hash key: refused when public, generated and kept on the demo."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from clinicbot.core.config import ConfigError
from clinicbot.core.keys import PUBLISHED_KEYS, audit_hash_key, key_id, secret_key, stored_key

PUBLISHED = next(iter(PUBLISHED_KEYS))
PRINT_KEYS = "from django.conf import settings; print(settings.SECRET_KEY); print(settings.AUDIT_HASH_KEY)"


def run_python(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Start a fresh interpreter on clinicbot.settings with only ``env`` on top of a clean environment."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AUDIT_HASH_KEY", "DEBUG"}
    }
    environ.update(CLINICBOT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="clinicbot.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("given", ["", PUBLISHED])
def test_a_deployment_without_a_real_secret_key_refuses_to_start_with_one_line(tmp_path, given):
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/clinic"}
    if given:
        env["SECRET_KEY"] = given
    result = run_python(tmp_path, PRINT_KEYS, **env)

    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("clinicbot: configuration error: SECRET_KEY ")
    assert ("published development key" if given else "is not set") in line
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_demo_generates_a_private_key_once_and_keeps_it(tmp_path):
    first = run_python(tmp_path, PRINT_KEYS)
    second = run_python(tmp_path, PRINT_KEYS)

    assert first.returncode == 0, first.stderr
    key, audit_key = first.stdout.split()
    assert second.stdout.split() == [key, audit_key]  # the same key after a restart
    assert key not in PUBLISHED_KEYS and len(key) >= 50
    assert audit_key != key  # the audit hashes never use the signing key itself
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_published_key_is_replaced_by_the_generated_one_on_the_demo(tmp_path):
    result = run_python(tmp_path, PRINT_KEYS, SECRET_KEY=PUBLISHED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == (tmp_path / "secret_key").read_text().strip()


def test_a_deployment_with_debug_on_uses_a_generated_key_not_the_published_one(tmp_path):
    key = secret_key(environ={"SECRET_KEY": PUBLISHED}, debug=True, embedded=False, var_dir=tmp_path)
    assert key not in PUBLISHED_KEYS and key == stored_key(tmp_path)


def test_a_given_secret_key_is_used_as_is():
    assert secret_key(environ={"SECRET_KEY": "k" * 60}, debug=False, embedded=False, var_dir=Path("/x")) == (
        "k" * 60
    )


def test_a_key_file_left_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("an-old-key\n")
    path.chmod(0o644)
    assert stored_key(tmp_path) == "an-old-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_audit_hash_key_is_its_own_value_or_derived_for_that_use_only():
    derived = audit_hash_key(environ={}, secret="s" * 60)
    assert derived != "s" * 60 and derived == audit_hash_key(environ={}, secret="s" * 60)
    assert audit_hash_key(environ={}, secret="t" * 60) != derived
    assert audit_hash_key(environ={"AUDIT_HASH_KEY": "a" * 40}, secret="s" * 60) == "a" * 40
    with pytest.raises(ConfigError, match="AUDIT_HASH_KEY must be its own random value"):
        audit_hash_key(environ={"AUDIT_HASH_KEY": "s" * 60}, secret="s" * 60)


def test_key_id_tells_keys_apart_without_revealing_them():
    assert key_id("a" * 40) != key_id("b" * 40)
    assert len(key_id("a" * 40)) == 12 and "a" * 12 not in key_id("a" * 40)


def test_the_audit_phone_hash_is_keyed_with_the_audit_key_not_secret_key(settings):
    from clinicbot.privacy.subject import hash_key_id, phone_hash

    settings.AUDIT_HASH_KEY = "audit-key-" + "x" * 40
    expected = hmac.new(settings.AUDIT_HASH_KEY.encode(), b"5511999990001", hashlib.sha256).hexdigest()
    assert phone_hash("5511999990001") == expected
    assert (
        phone_hash("5511999990001")
        != hmac.new(settings.SECRET_KEY.encode(), b"5511999990001", hashlib.sha256).hexdigest()
    )
    assert hash_key_id() == key_id(settings.AUDIT_HASH_KEY)
