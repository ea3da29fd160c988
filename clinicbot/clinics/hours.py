"""Parsing of "HH:MM-HH:MM" hour ranges used in clinic files and opening hours."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from clinicbot.engine.types import TimeRange

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_range(text: str) -> TimeRange:
    """Parse "08:00-12:00"; raise ValueError with a readable message otherwise."""
    match = _RANGE.match(str(text))
    if not match:
        raise ValueError(f'"{text}" is not a range like "08:00-12:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise ValueError(f'"{text}" has an invalid time') from None
    if end <= start:
        raise ValueError(f'"{text}" ends before it starts')
    return TimeRange(start, end)


def parse_ranges(texts: Iterable[str]) -> list[TimeRange]:
    return [parse_range(t) for t in texts]
