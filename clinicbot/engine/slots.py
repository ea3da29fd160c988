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
    if day in catalog.holidays or day < now.date():
        return []
    starts = schedule_starts(doctor, day)
    if not starts:
        return []
    busy = taken(doctor.id, day)
    cutoff = now.time() if day == now.date() else None
    return [t for t in starts if t not in busy and (cutoff is None or t > cutoff)]


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
    horizon_days: int = 30,
) -> list[Slot]:
    """The free slots nearest to what the patient asked.

    The same day first, closest to the asked time; when that day has none, the next
    days any of the doctors works, earliest first (closest to the asked time within a
    day). ``period`` restricts the times to morning/afternoon/evening when given.
    """
    doctors = list(doctors)
    for offset in range(horizon_days + 1):
        current = day + dt.timedelta(days=offset)
        found = [
            Slot(current, t, d.name)
            for d in doctors
            for t in free_starts(catalog, d, current, taken, now)
            if in_period(t, period)
        ]
        if not found:
            continue
        if wanted is not None:
            target = _minutes(wanted)
            found.sort(key=lambda s: (abs(_minutes(s.time) - target), s.time, s.doctor))
        else:
            found.sort(key=lambda s: (s.time, s.doctor))
        # One start per time (two doctors free at 10:00 count once) in the offer.
        unique: list[Slot] = []
        seen: set[dt.time] = set()
        for slot in found:
            if slot.time not in seen:
                seen.add(slot.time)
                unique.append(slot)
        best = unique[:limit]
        return sorted(best, key=lambda s: s.time)
    return []


PERIOD_BOUNDS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (18 * 60, 24 * 60)}


def in_period(t: dt.time, period: str) -> bool:
    """True when the time falls in the period (or no period is given)."""
    if not period:
        return True
    lo, hi = PERIOD_BOUNDS[period]
    return lo <= _minutes(t) < hi
