"""The current time, injectable so evaluations and tests can freeze it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


class SystemClock:
    """Wall-clock time (aware, UTC)."""

    def now(self) -> dt.datetime:
        return timezone.now()


@dataclass
class FrozenClock:
    """Always the same instant (used by ``manage.py evaluate`` and tests)."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at
