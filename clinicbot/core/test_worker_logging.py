"""A real Celery worker logs like the web server: masked JSON lines, not Celery's own plain text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from django.conf import settings

from clinicbot.testing.servers import embedded_env


def test_a_real_worker_writes_masked_json_lines(tmp_path):
    log = tmp_path / "worker.log"
    # The node name carries a phone-like number: the worker's own "ready" line must mask it.
    args = ["-m", "celery", "-A", "clinicbot", "worker", "--pool", "solo", "-n", "5511999990001@%h"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args, "--loglevel", "INFO"],
            cwd=settings.BASE_DIR,
            env=embedded_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while " ready." not in log.read_text(errors="replace") and proc.poll() is None:
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    text = log.read_text(errors="replace")
    # (The start-up banner is printed, not logged: only log lines are judged.)
    lines = [line for line in text.splitlines() if " ready." in line]
    assert lines, text[-3000:]
    ready = json.loads(lines[0])  # a JSON object, not Celery's "[time: INFO/MainProcess] …"
    assert ready["logger"] == "celery.apps.worker"
    assert ready["message"].startswith("5511*****0001@") and ready["message"].endswith(" ready.")
    assert "correlation_id" in ready
