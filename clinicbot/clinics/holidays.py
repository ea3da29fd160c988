"""Days the clinic is closed: Brazil's national holidays (and optionally a state's) plus its own.

The national calendar comes from the ``holidays`` package (Easter-based dates included), so
nobody is offered 25/12 or Good Friday because a clinic forgot to list it. ``HOLIDAYS_COUNTRY``
("BR" by default, "off" to disable) and ``HOLIDAYS_SUBDIVISION`` (a state, e.g. "SP") choose it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays as holiday_calendars
from django.conf import settings

YEARS_AHEAD = 2  # the booking horizon never reaches further


@lru_cache(maxsize=8)
def _public_holidays(country: str, subdivision: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    calendar = holiday_calendars.country_holidays(
        country, subdiv=subdivision or None, years=range(first_year, last_year + 1)
    )
    return frozenset(calendar.keys())


def public_holidays(today: dt.date) -> frozenset[dt.date]:
    """Public holidays from last year to ``YEARS_AHEAD`` years on, for the configured country."""
    country = settings.HOLIDAYS_COUNTRY
    if not country or country == "off":
        return frozenset()
    return _public_holidays(country, settings.HOLIDAYS_SUBDIVISION, today.year - 1, today.year + YEARS_AHEAD)
