"""A local HTTP server playing the clinic-management system that receives booking webhooks.

Records each request's raw body and headers (to verify signatures) and answers with a
scripted list of statuses (then 200), optionally stalling to provoke client timeouts.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeClinicSystem:
    """``with FakeClinicSystem(statuses=[500]) as system: system.url`` — 500 once, then 200."""

    def __init__(self, *, statuses: list[int] | None = None, stall_first: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.stall_first = stall_first
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    first = not server.requests
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw})
                    status = server.statuses.pop(0) if server.statuses else 200
                if first and server.stall_first:
                    time.sleep(server.stall_first)
                data = json.dumps({"ok": 200 <= status < 300}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/clinicbot/events"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeClinicSystem:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [json.loads(r["raw"]) for r in self.requests]
