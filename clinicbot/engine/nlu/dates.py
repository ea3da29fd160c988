"""Dates in a normalised message: "25/12", "3 de abril", "dia 10", "daqui a 2 semanas", "amanha", "terca".

Conventions: see :mod:`.temporal`. :data:`RULES` are the date rows of its rule table, in
priority order.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

from .temporal_base import Candidate, Rule, Scan, candidate, squeeze_spaces
from .temporal_words import (
    COUNT_WORDS,
    DAY_WORDS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    ORDINAL_NOUNS,
    RELATIVE_DAYS,
    WEEKDAYS,
    alternation,
)

_NUMERIC_DATE_RE = re.compile(
    r"\b(?:dia\s+)?(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?\b"
)

_MONTH_NAME_DATE_RE = re.compile(
    rf"""\b(?:dia\s+)?(?P<day>\d{{1,2}}|primeiro)\s+
    (?:de\s+(?P<month>{alternation(MONTHS)}|{alternation(MONTH_ABBREVIATIONS)})
      |(?P<bare_month>{alternation(MONTHS)}))\b
    (?:\s+(?:de\s+)?(?P<year>\d{{4}})\b)?""",
    re.X,
)

_DAY_OF_MONTH_RE = re.compile(
    rf"""\bdia\s+(?P<day>\d{{1,2}}|primeiro|{alternation(DAY_WORDS)})\b(?![/:])
    (?P<next_month>\s+(?:do|no|de)\s+(?:mes\s+que\s+vem|proximo\s+mes))?""",
    re.X,
)

_DAYS_FROM_NOW_RE = re.compile(
    rf"""\b(?:daqui\s+a|daqui|dentro\s+de|em)\s+
    (?P<count>\d{{1,2}}|{alternation(COUNT_WORDS)})\s+(?P<unit>dias?|semanas?)\b""",
    re.X,
)

# "hoje em dia" means "nowadays", not today.
_RELATIVE_DAY_RE = re.compile(rf"\b(?P<word>{alternation(RELATIVE_DAYS)})\b(?!\s+em\s+dia\b)")

_WEEKDAY_RE = re.compile(
    rf"""\b(?:proxim[ao]\s+)?
    (?:(?P<day>segunda|terca|quarta|quinta|sexta|sabado|domingo)|(?P<num>[2-6]a)(?=\s+feira\b))
    (?:\s+feira)?(?:\s+que\s+vem)?\b
    (?!\s+(?:{alternation(ORDINAL_NOUNS)})\b)""",
    re.X,
)

# "semana que vem" anywhere: weekdays fall in the next calendar week.
NEXT_WEEK_RE = re.compile(
    r"\b(?:(?:da|na|de)\s+)?(?:semana\s+que\s+vem|proxima\s+semana|semana\s+seguinte)\b"
)

# A date right after "nasci em", "data de nascimento", "nasceu dia", "aniversario": a birthday.
_BIRTH_BEFORE_RE = re.compile(r"\b(?:nasc\w*|aniversari\w*|dn)(?:\s+[a-z]+){0,3}\s+$")
_BIRTH_LOOKBEHIND = 40
# Two-digit years up to this many years ahead are this century's ("25/12/27"); "12/05/85" is 1985.
_TWO_DIGIT_YEARS_AHEAD = 10

_FRACTION_NOUN_AFTER_RE = re.compile(r"\s+(?:de\s+)?(?:comprimidos?|doses?|copos?|xicaras?|colher(?:es)?)\b")


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _next_day_of_month(
    today: datetime.date, day: int, *, from_next_month: bool = False
) -> datetime.date | None:
    """Day ``day`` of this month if not past (else of the next month that has it)."""
    if not 1 <= day <= 31:
        return None
    offset = 1 if from_next_month or day < today.day else 0
    for months in range(offset, offset + 12):
        year, month = _add_months(today.year, today.month, months)
        try:
            return datetime.date(year, month, day)
        except ValueError:  # "dia 31" in a 30-day month: try the following month
            continue
    return None


def _day_month_year(today: datetime.date, day: int, month: int, year: int | None) -> datetime.date | None:
    """Explicit day/month; without a year, this year unless already past, else the next."""
    if year is not None:
        if year < 100:
            year += 2000 if year <= today.year % 100 + _TWO_DIGIT_YEARS_AHEAD else 1900
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 8):  # 29/02 may need a leap year
        try:
            value = datetime.date(candidate_year, month, day)
        except ValueError:
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                return None
            continue
        if value >= today:
            return value
    return None


def _next_weekday(today: datetime.date, weekday: int, *, next_week: bool) -> datetime.date:
    if next_week:
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        return next_monday + datetime.timedelta(days=weekday)
    days_ahead = (weekday - today.weekday()) % 7 or 7  # never today
    return today + datetime.timedelta(days=days_ahead)


def _day_number(word: str) -> int:
    if word == "primeiro":
        return 1
    return DAY_WORDS[squeeze_spaces(word)] if not word.isdigit() else int(word)


def _date_candidate(match: re.Match[str], ctx: Scan, value: datetime.date) -> Candidate:
    """The candidate of a calendar date, rejected when it cannot be the appointment's.

    A date of birth ("nasci em 03/09/1990", "data de nascimento 12/05/85") or any date
    written with a year that is already past is consumed (so it is neither a name nor a
    time) but never the answer, while an appointment date in the same message still is.
    """
    found = candidate(match, ctx, date=value)
    birth = _BIRTH_BEFORE_RE.search(ctx.text, max(0, match.start() - _BIRTH_LOOKBEHIND), match.start())
    if birth or value < ctx.today:
        return replace(found, negated=True)
    return found


def _parse_numeric_date(match: re.Match[str], ctx: Scan) -> Candidate | None:
    if _FRACTION_NOUN_AFTER_RE.match(ctx.text, match.end()):
        return None  # "1/2 comprimido" is half a pill
    year = match["year"]
    value = _day_month_year(ctx.today, int(match["day"]), int(match["month"]), int(year) if year else None)
    return _date_candidate(match, ctx, value) if value else None


def _parse_month_name_date(match: re.Match[str], ctx: Scan) -> Candidate | None:
    month_word = match["month"] or match["bare_month"]
    month = MONTHS.get(month_word) or MONTH_ABBREVIATIONS[month_word]
    year = match["year"]
    value = _day_month_year(ctx.today, _day_number(match["day"]), month, int(year) if year else None)
    return _date_candidate(match, ctx, value) if value else None


def _parse_day_of_month(match: re.Match[str], ctx: Scan) -> Candidate | None:
    day = _day_number(match["day"])
    value = _next_day_of_month(ctx.today, day, from_next_month=match["next_month"] is not None)
    return replace(_date_candidate(match, ctx, value), day_number=day) if value else None


def _parse_relative_day(match: re.Match[str], ctx: Scan) -> Candidate | None:
    days = RELATIVE_DAYS[squeeze_spaces(match["word"])]
    return candidate(match, ctx, date=ctx.today + datetime.timedelta(days=days))


def _parse_weekday(match: re.Match[str], ctx: Scan) -> Candidate | None:
    weekday = WEEKDAYS[match["day"] or match["num"]]
    found = candidate(match, ctx, date=_next_weekday(ctx.today, weekday, next_week=ctx.next_week))
    return replace(found, weekday=weekday)


def day_with_weekday(today: datetime.date, day: int, weekday: int) -> datetime.date | None:
    """The next day ``day`` of a month that falls on ``weekday`` ("dia 1, quinta"), if one soon does."""
    for months in range(3):
        year, month = _add_months(today.year, today.month, months)
        try:
            value = datetime.date(year, month, day)
        except ValueError:
            continue
        if value >= today and value.weekday() == weekday:
            return value
    return None


def _parse_days_from_now(match: re.Match[str], ctx: Scan) -> Candidate | None:
    raw = match["count"]
    count = int(raw) if raw.isdigit() else COUNT_WORDS[squeeze_spaces(raw)]
    days = count * 7 if match["unit"].startswith("semana") else count
    return candidate(match, ctx, date=ctx.today + datetime.timedelta(days=days))


RULES: tuple[Rule, ...] = (
    Rule("date", _NUMERIC_DATE_RE, _parse_numeric_date),
    Rule("date", _MONTH_NAME_DATE_RE, _parse_month_name_date),
    Rule("date", _DAY_OF_MONTH_RE, _parse_day_of_month),
    Rule("date", _DAYS_FROM_NOW_RE, _parse_days_from_now),
    Rule("date", _RELATIVE_DAY_RE, _parse_relative_day),
    Rule("date", _WEEKDAY_RE, _parse_weekday),
)
