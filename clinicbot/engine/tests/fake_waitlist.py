"""An in-memory waiting list for engine tests, and a conversation that has one."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from clinicbot.engine.dialogue.turn import Turn
from clinicbot.engine.ports import WaitlistReceipt, WaitlistRequest

from .fakes import NOW, Conversation


@dataclass
class FakeEntry:
    id: int
    request: WaitlistRequest
    status: str = "waiting"
    appointment_id: int = 0


class FakeWaitlist:
    """Entries in a dict; statuses move like the database's (waiting/offered/booked/declined)."""

    def __init__(self, hold_minutes: int = 30) -> None:
        self.hold_minutes = hold_minutes
        self.entries: dict[int, FakeEntry] = {}
        self._ids = itertools.count(1)

    def join(self, request: WaitlistRequest) -> WaitlistReceipt:
        same = next(
            (e for e in self.entries.values() if e.status == "waiting" and e.request == request), None
        )
        entry = same or FakeEntry(next(self._ids), request)
        self.entries[entry.id] = entry
        return WaitlistReceipt(entry.id, self.hold_minutes)

    def decline(self, entry_id: int) -> None:
        self.entries[entry_id].status = "declined"

    def booked(self, entry_id: int, appointment_id: int) -> None:
        self.entries[entry_id].status = "booked"
        self.entries[entry_id].appointment_id = appointment_id

    def requeue(self, entry_id: int) -> None:
        self.entries[entry_id].status = "waiting"

    def offer(self, entry_id: int) -> None:
        """What the clinic's offer does to an entry (the session side is set by the test)."""
        self.entries[entry_id].status = "offered"


class WaitlistConversation(Conversation):
    """A conversation whose turns carry the in-memory waiting list."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        super().__init__(now)
        self.waitlist = FakeWaitlist()

    def says(self, text: str) -> str:
        turn = Turn(
            self.catalog, self.understanding, self.availability, self.bookings, self.now, self.waitlist
        )
        result = self.policy.handle(self.state, text, turn)
        self.last_events = result.events
        self.last_replies = result.replies
        return "\n".join(r.text for r in result.replies)
