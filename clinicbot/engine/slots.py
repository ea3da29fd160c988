"""Free slots: a doctor's weekly schedule cut into slot-length pieces, minus holidays,
minus taken starts, minus the past. Pure functions; the scheduling app supplies the
taken starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .types import Catalog, DoctorInfo

TakenLookup = Callable[[int, dt.date], set[dt.time]]


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable start: a doctor at a local date and time."""

    date: dt.date
    time: dt.time
    doctor: str

    @property
    def key(self) -> str:
        return f"{self.doctor}|{self.date.isoformat()}|{self.time:%H:%M}"

    @classmethod
    def from_key(cls, key: str) -> Slot:
        doctor, day, hhmm = key.split("|")
        return cls(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), doctor)


def schedule_starts(doctor: DoctorInfo, day: dt.date) -> list[dt.time]:
    """Every slot start of the doctor's weekly schedule on that day (taken or not)."""
    starts: list[dt.time] = []
    step = dt.timedelta(minutes=doctor.slot_minutes)
    for rng in doctor.schedule.get(day.weekday(), ()):
        cursor = dt.datetime.combine(day, rng.start)
        end = dt.datetime.combine(day, rng.end)
        while cursor + step <= end:
            starts.append(cursor.time())
            cursor += step
    return starts


def free_starts(
    catalog: Catalog, doctor: DoctorInfo, day: dt.date, taken: TakenLookup, now: dt.datetime
) -> list[dt.time]:
    """Free slot starts of a doctor on a day (``now`` is local, naive or aware)."""
    if day in catalog.holidays or day < now.date() or beyond_horizon(catalog, day, now):
        return []
    starts = schedule_starts(doctor, day)
    if not starts:
        return []
    busy = taken(doctor.id, day)
    cutoff = now.time() if day == now.date() else None
    return [t for t in starts if t not in busy and (cutoff is None or t > cutoff)]


def beyond_horizon(catalog: Catalog, day: dt.date, now: dt.datetime) -> bool:
    """True when the day is further ahead than the clinic books."""
    return (day - now.date()).days > catalog.clinic.booking_horizon_days


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def nearest_free(
    catalog: Catalog,
    doctors: Iterable[DoctorInfo],
    day: dt.date,
    wanted: dt.time | None,
    taken: TakenLookup,
    now: dt.datetime,
    *,
    limit: int = 3,
    period: str = "",
    horizon_days: int = 14,
) -> list[Slot]:
    """The free slots nearest to what the patient asked, in chronological order.

    With a time: the asked day's free starts closest to the asked time; when that day has
    fewer (a holiday, a day off, a full day), the earliest starts of the next days the
    doctors work — never earlier days, never the past.
    Without one: the earliest free starts of the first day, from ``day`` on, that has
    any (``period`` restricts them to morning/afternoon/evening).
    """
    doctors = list(doctors)
    today = now.date()

    def free_on(current: dt.date) -> list[Slot]:
        found: dict[dt.time, Slot] = {}
        for d in doctors:
            for t in free_starts(catalog, d, current, taken, now):
                if in_period(t, period) and t not in found:  # one entry per time, first doctor wins
                    found[t] = Slot(current, t, d.name)
        return list(found.values())

    if wanted is None:
        for offset in range(horizon_days * 2 + 1):
            slots = free_on(day + dt.timedelta(days=offset))
            if slots:
                return sorted(slots)[:limit]
        return []

    def by_closeness(slots: list[Slot]) -> list[Slot]:
        target = _minutes(wanted)
        return sorted(slots, key=lambda s: (abs(_minutes(s.time) - target), s.time))

    # The asked day first, closest to the asked time; then the next days they work, from
    # their first free time (a patient who asked for Friday is not offered Thursday).
    pool: list[Slot] = by_closeness(free_on(day)) if day >= today else []
    for offset in range(1, horizon_days * 2 + 1):
        if len(pool) >= limit:
            break
        current = day + dt.timedelta(days=offset)
        if current >= today:
            pool += sorted(free_on(current))
    return sorted(pool[:limit])


PERIOD_BOUNDS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (18 * 60, 24 * 60)}


def in_period(t: dt.time, period: str) -> bool:
    """True when the time falls in the period (or no period is given)."""
    if not period:
        return True
    lo, hi = PERIOD_BOUNDS[period]
    return lo <= _minutes(t) < hi
