"""The dependency rule: ``clinicbot.engine`` imports no Django and no app of this project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# Run in a fresh interpreter: every module under clinicbot/engine is imported while
# Django, the Django apps and the service clients cannot be imported at all.
PROBE = r"""
import importlib, importlib.abc, json, pkgutil, sys

BLOCKED = (
    "django", "celery", "kombu", "redis", "psycopg", "dj_database_url",
    "clinicbot.core", "clinicbot.clinics", "clinicbot.scheduling", "clinicbot.conversations",
    "clinicbot.ops", "clinicbot.settings", "clinicbot.urls", "clinicbot.celery",
    "clinicbot.testing", "clinicbot.testing.factories", "clinicbot.wsgi", "clinicbot.asgi",
)

class Forbidden(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ImportError(f"the engine must not import {name}")
        return None

sys.meta_path.insert(0, Forbidden())
try:
    import django  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the import blocker does not work")

import clinicbot.engine as engine

imported, failed = [], {}
for info in pkgutil.walk_packages(engine.__path__, "clinicbot.engine."):
    try:
        importlib.import_module(info.name)
        imported.append(info.name)
    except Exception as exc:
        failed[info.name] = f"{type(exc).__name__}: {exc}"
leaked = sorted(m for m in sys.modules if any(m == b or m.startswith(b + ".") for b in BLOCKED))
print(json.dumps({"imported": imported, "failed": failed, "leaked": leaked}))
"""


def test_every_engine_module_imports_without_django():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, report["failed"]
    assert report["leaked"] == []
    engine_dir = Path(settings.BASE_DIR) / "clinicbot" / "engine"
    expected = {
        "clinicbot."
        + ".".join(p.relative_to(engine_dir.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in engine_dir.rglob("*.py")
    } - {"clinicbot.engine"}
    assert set(report["imported"]) == expected
