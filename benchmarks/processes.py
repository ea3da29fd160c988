"""Start and stop the service's real processes for a benchmark: gunicorn and Celery workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcesses:
    """The web server and the workers of one run, each in its own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        # Each process starts its own session: process group id -> component name.
        self.groups: dict[int, str] = {}

    def _spawn(self, name: str, args: list[str], *, log_name: str = "") -> subprocess.Popen[bytes]:
        """Start ``python -m args`` as a process of component ``name``."""
        log = open(self.log_dir / f"{log_name or name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a stop reaches gunicorn's and Celery's children
        )
        log.close()
        self.procs.append(proc)
        self.groups[proc.pid] = name
        return proc

    def start_web(self, *, port: int, workers: int, threads: int) -> str:
        """gunicorn with the gthread worker (the webhook is short and I/O-bound); returns its URL."""
        self._spawn(
            "gunicorn",
            [
                "gunicorn",
                "clinicbot.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--log-level",
                "warning",
            ],
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code < 500:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the web server did not start; see {self.log_dir / 'gunicorn.log'}")

    def start_workers(
        self, *, queue: str, concurrency: int, pool: str = "prefork", loglevel: str = "WARNING"
    ) -> None:
        """Celery consuming the run's own queue: one worker with a pool of ``concurrency``
        (prefork, threads), or ``concurrency`` single-process workers (``solo``)."""
        for n in range(concurrency if pool == "solo" else 1):
            self._spawn(
                "celery",
                [
                    "celery",
                    "-A",
                    "clinicbot",
                    "worker",
                    "-Q",
                    queue,
                    "-c",
                    "1" if pool == "solo" else str(concurrency),
                    "--pool",
                    pool,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    loglevel,
                    "-n",
                    f"{queue}-{n}@%h",
                ],
                log_name=f"celery-{n}",
            )

    def logs_tail(self, lines: int = 20) -> str:
        """The last lines of every process log (for an error message)."""
        out = []
        for log in sorted(self.log_dir.glob("*.log")):
            out.append(f"== {log.name}")
            out += log.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what is still alive after 15 s."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
