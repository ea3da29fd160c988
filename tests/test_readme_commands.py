"""The README's commands, as a newcomer copies them on a fresh clone."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_command(starting: str) -> list[str]:
    """The README's shell command that starts with ``starting`` (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", README)
    line = next(line for line in joined.splitlines() if line.strip().startswith(starting))
    words = shlex.split(line.split(" #")[0].replace("[--json] [--verbose-turns]", ""))
    return [sys.executable if w == ".venv/bin/python" else w for w in words]


def test_the_evaluation_command_runs_on_the_sets_the_repository_ships(tmp_path):
    command = readme_command(".venv/bin/python manage.py evaluate")
    for path in (word for word in command if word.endswith(".yaml")):
        assert (ROOT / path).exists(), f"the README points at {path}, which a fresh clone does not have"

    run = subprocess.run(
        command,
        cwd=ROOT,
        env={"CLINICBOT_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"^NLU: \d+ cases, intent accuracy", run.stdout, re.MULTILINE)
    assert re.search(r"^Dialogues: \d+/\d+ passed", run.stdout, re.MULTILINE)
    # The report only: the turns' JSON log lines are in var/evaluate.log.
    assert '"logger"' not in run.stdout + run.stderr
    assert "turn answered" in (tmp_path / "evaluate.log").read_text()


def test_the_files_the_readme_sends_newcomers_to_exist():
    for path in (
        "docs/DEPLOY.md",
        "docker-compose.yml",
        "Dockerfile",
        "deploy",
        "tests/eval",
        "demo/clinic.yaml",
    ):
        assert path in README and (ROOT / path).exists(), path
