"""Real processes for the reliability scenarios: gunicorn, Celery workers, redis-server, a TCP proxy.

Every process runs in its own session (``start_new_session``) so a SIGKILL reaches the
whole group — gunicorn's master and workers, Celery's parent and pool — as a crash would.
Output goes to a log file per process, kept for a failing test's post-mortem.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    """Poll ``check`` until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return True
        time.sleep(interval)
    return False


class ManagedProcess:
    """One process group started from ``argv``; ``kill9`` is a crash, ``stop`` a clean exit."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child holds its own descriptor
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole group: no handler runs, nothing is flushed or acknowledged."""
        if self.alive:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL if the group does not exit in time."""
        if not self.alive:
            return
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the process's output (for assertion messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class WebServer(ManagedProcess):
    """gunicorn serving the project on a fixed port (so a restart keeps the gateway's URL)."""

    def __init__(self, *, env: dict[str, str], cwd: Path, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "clinicbot.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
                # Django is imported once, in the master, then forked: a restart takes
                # one boot instead of one per worker.
                "--preload",
            ],
            env=env,
            cwd=cwd,
            log_dir=log_dir,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_and_wait(self, timeout: float = 30) -> WebServer:
        """Start and wait until ``/health`` answers 200."""
        self.start()
        ok = wait_until(
            lambda: httpx.get(f"{self.url}/health", timeout=1).status_code == 200, timeout=timeout
        )
        assert ok, f"gunicorn did not come up:\n{self.log_tail()}"
        return self


class Worker(ManagedProcess):
    """A Celery worker consuming this scenario's own queue."""

    count = 0

    def __init__(
        self, *, env: dict[str, str], cwd: Path, log_dir: Path, concurrency: int = 2, beat: bool = False
    ) -> None:
        Worker.count += 1
        # --beat embeds the periodic scheduler (sweeper, heartbeat …) as `make worker` does.
        schedule = ["--beat", "--schedule", str(log_dir / f"beat{Worker.count}")] if beat else []
        super().__init__(
            f"worker{Worker.count}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinicbot",
                "worker",
                "-Q",
                env["CELERY_QUEUE"],
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
                "-n",
                f"rel{Worker.count}-{os.getpid()}@%h",
                *schedule,
            ],
            env=env,
            cwd=cwd,
            log_dir=log_dir,
        )


class RedisServer(ManagedProcess):
    """A throw-away redis-server on its own port, without persistence (a restart starts empty)."""

    def __init__(
        self, *, cwd: Path, log_dir: Path, port: int | None = None, binary: str = "redis-server"
    ) -> None:
        self.port = port or free_port()
        super().__init__(
            "redis",
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            env=dict(os.environ),
            cwd=cwd,
            log_dir=log_dir,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start_and_wait(self, timeout: float = 10) -> RedisServer:
        self.start()

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        assert wait_until(answers, timeout=timeout), f"redis-server did not start:\n{self.log_tail()}"
        return self


class TcpProxy:
    """A TCP relay (threads) in front of a server; ``cut()`` drops every connection and refuses new ones.

    It plays a network failure between the web server and PostgreSQL: established
    connections die mid-stream and new ones are refused until ``restore()``.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._up = threading.Event()
        self._up.set()
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)  # so close() ends the accept loop promptly
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            if not self._up.is_set():
                client.close()  # the database is "unreachable": the handshake fails at once
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # idle persistent connections must not time out here
            with self._lock:
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._lock:
                self._sockets.difference_update((src, dst))

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        self._up.clear()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        """Accept and relay connections again."""
        self._up.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()
