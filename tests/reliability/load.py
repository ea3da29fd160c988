"""A load generator that behaves like Meta's webhook delivery.

Each message is a signed Cloud API webhook POSTed to the live web server. Like Meta, the
sender retries on anything but a 2xx (and on connection errors) with a growing pause,
so a message counts as *accepted* only once a 200 came back.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from clinicbot.testing.fake_gateway import meta_signature, meta_text_webhook


@dataclass(frozen=True)
class Delivery:
    """One webhook: a patient's message with its Meta id (the dedup key)."""

    phone: str
    text: str
    message_id: str

    def body(self) -> bytes:
        payload = meta_text_webhook(
            phone=self.phone, text=self.text, message_id=self.message_id, timestamp=int(time.time())
        )
        return json.dumps(payload).encode()


@dataclass
class LoadReport:
    """What the senders saw: accepted ids and every attempt's outcome (status code or error)."""

    accepted: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: str) -> None:
        with self._lock:
            self.outcomes[outcome] += 1

    def accept(self, message_id: str) -> None:
        with self._lock:
            self.accepted.append(message_id)

    def give_up(self, message_id: str) -> None:
        with self._lock:
            self.given_up.append(message_id)

    @property
    def accepted_count(self) -> int:
        with self._lock:
            return len(self.accepted)


class MetaSender:
    """POSTs signed webhooks to ``base_url``; retries until a 200 or ``give_up_after`` seconds."""

    def __init__(
        self, base_url: str, secret: str, report: LoadReport, *, give_up_after: float = 60.0
    ) -> None:
        self.url = f"{base_url}/webhooks/meta/"
        self.secret = secret
        self.report = report
        self.give_up_after = give_up_after

    def deliver(self, delivery: Delivery) -> bool:
        """Deliver one message like Meta would; True once the server acknowledged it with 200."""
        # Meta signs one body and redelivers it unchanged: build it once.
        body = delivery.body()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta_signature(body, self.secret),
        }
        deadline = time.monotonic() + self.give_up_after
        pause = 0.1
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    status = client.post(self.url, content=body, headers=headers).status_code
                    outcome = str(status)
                except httpx.HTTPError as exc:
                    status, outcome = 0, type(exc).__name__
                self.report.record(outcome)
                if status == 200:
                    self.report.accept(delivery.message_id)
                    return True
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        self.report.give_up(delivery.message_id)
        return False

    def conversation(self, deliveries: list[Delivery], *, pause: float = 0.0) -> None:
        """One patient's messages in order: the next goes out once the previous was accepted."""
        for delivery in deliveries:
            if not self.deliver(delivery):
                return
            if pause:
                time.sleep(pause)


def run_patients(
    sender: MetaSender, scripts: dict[str, list[Delivery]], *, pause: float = 0.0
) -> list[threading.Thread]:
    """Start one thread per patient (they write at the same time); return the threads."""
    threads = [
        threading.Thread(target=sender.conversation, args=(deliveries,), kwargs={"pause": pause}, daemon=True)
        for deliveries in scripts.values()
    ]
    for thread in threads:
        thread.start()
    return threads
