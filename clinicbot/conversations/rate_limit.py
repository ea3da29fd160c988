"""The per-phone rate limit of the turn pipeline (``RATE_LIMIT_MESSAGES_PER_MINUTE``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from clinicbot.engine.state import Bookkeeping
from clinicbot.engine.types import Reply

from .models import ConversationMessage

__all__ = ["RATE_LIMIT_REPLY", "RateWindow"]

RATE_LIMIT_REPLY = (
    "Recebi muitas mensagens em pouco tempo. 🙏 Vou responder em instantes; aguarde um minuto, por favor."
)


@dataclass
class RateWindow:
    """The phone's messages of the last minute, kept in the session state between turns.

    Carried in the session's bookkeeping (capped at the limit + 1 arrival times) so the
    check costs no query: the state is loaded and saved by every turn anyway, under the
    same row lock, and no dialogue reset touches it.
    """

    arrivals: list[float]
    notice_at: float | None

    @classmethod
    def load(cls, kept: Bookkeeping, pending: list[ConversationMessage], now: dt.datetime) -> RateWindow:
        cutoff = (now - dt.timedelta(minutes=1)).timestamp()
        arrivals = [t for t in kept.recent_arrivals if t >= cutoff]
        arrivals += [t for t in (m.timestamp.timestamp() for m in pending) if t >= cutoff]
        return cls(sorted(arrivals), kept.rate_notice_at)

    def check(self, now: dt.datetime) -> tuple[Reply, ...] | None:
        """None when the phone is within its rate; else the replies for this batch (a notice once a minute)."""
        limit = settings.RATE_LIMIT_MESSAGES_PER_MINUTE
        if limit <= 0 or len(self.arrivals) <= limit:
            return None
        if self.notice_at is not None and now.timestamp() - self.notice_at < 60:
            return ()
        self.notice_at = now.timestamp()
        return (Reply(RATE_LIMIT_REPLY),)

    def remember(self, kept: Bookkeeping) -> None:
        limit = settings.RATE_LIMIT_MESSAGES_PER_MINUTE
        if limit <= 0:
            return
        # Only whether the limit is exceeded matters: the newest limit + 1 arrivals suffice.
        kept.recent_arrivals = self.arrivals[-(limit + 1) :]
        if self.notice_at is not None:
            kept.rate_notice_at = self.notice_at
