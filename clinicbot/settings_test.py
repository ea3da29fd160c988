"""Settings of the test suite: the real settings, plus what a test run needs from its environment.

pytest-django imports this module (pyproject.toml). A test run is neither the embedded
demo nor a deployment: on the PostgreSQL pass it would be refused for lack of a
``SECRET_KEY``, and Django's test client and live servers speak plain HTTP. The values go
into the environment *before* the settings read it, so the web servers and workers the
suite starts as subprocesses inherit them too. A variable already set wins.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key-" + "0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from clinicbot.settings import *  # noqa: E402,F403

# Erasures in tests go to the test run's own log, never the instance's BACKUP_DIR.
ERASURE_LOG = VAR_DIR / "test-erasures.jsonl"  # noqa: F405
# Hashing test users' passwords with PBKDF2's million rounds only slows the suite down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
