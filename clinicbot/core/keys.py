"""The secret keys: Django's ``SECRET_KEY`` and the key of the LGPD audit hashes.

Rules (see README "Security"):

- a ``SECRET_KEY`` from the environment is used as given, unless it is the development
  key this repository once shipped (it is public, so it signs nothing);
- without a usable key, the embedded demo (``make run``: no ``DATABASE_URL``) and a
  ``DEBUG=1`` machine generate one and keep it in ``<var>/secret_key`` (mode 0600), so
  sessions survive restarts and no two installations share a key;
- anything else (a real database with ``DEBUG`` off) refuses to start with one line.

The audit trail hashes phones with ``AUDIT_HASH_KEY`` when it is set, else with a key
derived from ``SECRET_KEY`` for that single purpose (HMAC with a fixed label), so the
hashes never use the signing key itself. Each audit row records the id of the key that
made its hash (:func:`key_id`).

This module imports no Django: settings.py calls it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from .config import ConfigError

# The key settings.py used whenever SECRET_KEY was unset, published in the repository.
PUBLISHED_KEYS = frozenset({"dev-insecure-clinicbot-embedded-default-key-change-me"})
KEY_FILE_NAME = "secret_key"
AUDIT_KEY_LABEL = b"clinicbot.privacy.audit-hash.v1"


def _read_key_file(path: Path) -> str:
    # An older install may have created it with the umask's mode: keep it private.
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def stored_key(var_dir: Path) -> str:
    """The key kept in ``var_dir/secret_key``, created (0600) on first use.

    Several processes may start at once (web server, worker): the key is written to a
    private temporary file and hard-linked into place, which fails if another process
    got there first, so every process ends up reading the same key.
    """
    path = var_dir / KEY_FILE_NAME
    if path.exists():
        key = _read_key_file(path)
        if key:
            return key
        path.unlink()  # an empty file (a crash before the write): start again
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = var_dir / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(50) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key_file(path)


def secret_key(*, environ: Mapping[str, str], debug: bool, embedded: bool, var_dir: Path) -> str:
    """Django's SECRET_KEY by the rules of the module docstring; ConfigError when refused."""
    given = environ.get("SECRET_KEY", "").strip()
    if given and given not in PUBLISHED_KEYS:
        return given
    if embedded or debug:
        return stored_key(var_dir)
    what = "is the published development key" if given else "is not set"
    raise ConfigError(
        f"SECRET_KEY {what}: set a long random value "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )


def audit_hash_key(*, environ: Mapping[str, str], secret: str) -> str:
    """``AUDIT_HASH_KEY``, or a key derived from ``secret`` for the audit hashes only."""
    given = environ.get("AUDIT_HASH_KEY", "").strip()
    if given:
        if given in PUBLISHED_KEYS or given == secret:
            raise ConfigError("AUDIT_HASH_KEY must be its own random value, not SECRET_KEY")
        return given
    return hmac.new(secret.encode(), AUDIT_KEY_LABEL, hashlib.sha256).hexdigest()


def key_id(key: str) -> str:
    """A short public fingerprint of ``key`` (tells which key made a hash, reveals nothing)."""
    return hmac.new(key.encode(), b"clinicbot.key-id", hashlib.sha256).hexdigest()[:12]
