"""Opening hours: is the clinic open now, and when does it open next (pure, no I/O).

Times are the clinic's local wall-clock times (naive datetimes): opening hours are
written that way in the clinic file and the policy already works in local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from .replies.format import WEEKDAYS
from .types import TimeRange

OpeningHours = Mapping[int, Sequence[TimeRange]]  # weekday (0 = Monday) -> ranges

# Far enough to cross any real run of holidays (Carnaval, year-end recess), finite so
# a clinic with no hours at all cannot loop forever.
MAX_DAYS_AHEAD = 60


def is_open(hours: OpeningHours, holidays: Collection[dt.date], now: dt.datetime) -> bool:
    """True when ``now`` (local, naive) falls inside an opening range of a working day."""
    if now.date() in holidays:
        return False
    return any(r.start <= now.time() < r.end for r in hours.get(now.weekday(), ()))


def next_opening(hours: OpeningHours, holidays: Collection[dt.date], now: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``now`` when the clinic is open (``now`` if open).

    Lunch breaks are gaps between ranges of one day; holidays skip the whole day.
    None when nothing opens within :data:`MAX_DAYS_AHEAD` days.
    """
    for offset in range(MAX_DAYS_AHEAD + 1):
        day = now.date() + dt.timedelta(days=offset)
        if day in holidays:
            continue
        for rng in sorted(hours.get(day.weekday(), ()), key=lambda r: r.start):
            start, end = dt.datetime.combine(day, rng.start), dt.datetime.combine(day, rng.end)
            if now < end:
                return max(start, now)
    return None


def fmt_hour(t: dt.time) -> str:
    """How people say a time: "8h", "13h30"."""
    return f"{t.hour}h" if t.minute == 0 else f"{t.hour}h{t.minute:02d}"


def fmt_opening(opening: dt.datetime, now: dt.datetime) -> str:
    """ "hoje, 13h", "amanhã, 8h", "segunda-feira, 8h" or, a week or more ahead, "segunda-feira, 06/04, 8h"."""
    days = (opening.date() - now.date()).days
    hour = fmt_hour(opening.time())
    if days == 0:
        return f"hoje, {hour}"
    if days == 1:
        return f"amanhã, {hour}"
    weekday = WEEKDAYS[opening.weekday()]
    if days < 7:
        return f"{weekday}, {hour}"
    return f"{weekday}, {opening:%d/%m}, {hour}"
