"""Dates, times and day periods in normalised Brazilian-Portuguese chat text.

The rules live in :mod:`.dates` and :mod:`.times` (their words in :mod:`.temporal_words`);
this module runs them and decides for the whole message. Choice numbers: :mod:`.choices`.

Pure standard library: this runs on every inbound message, so every pattern is compiled
once at import time and the rules are plain data (a priority-ordered table of
``regex -> parser``), not a chain of ifs.

The input must already have gone through :func:`clinicbot.engine.nlu.normalize.normalize`
(lower case, no accents, punctuation other than ``:``/``/`` between digits turned into
spaces, chat abbreviations expanded). Conventions, in short:

* ``hoje`` / ``amanha`` / ``depois de amanha`` are relative to ``today``.
* A weekday is its *next* occurrence, never today; with "semana que vem" / "proxima
  semana" anywhere in the text it falls in the next Monday-based calendar week.
* ``dia N`` is the next day N (this month or a later one that has it); ``dd/mm[/yy]`` and
  ``N de <mes>`` without a year are this year unless already past, else next year.
* A bare hour 1..6 is afternoon (a clinic does not see patients at 4 a.m.), 7..12 stays,
  0 and 13..23 are literal; "N da tarde/noite" adds 12, a standalone period "de tarde" /
  "a noite" adds 12 to hours < 12 and "de manha" keeps the hour as written.
* A value directly preceded by "nao " (or "e nao ", "nao e ") is negated: its text is
  still consumed (reported in ``spans``) but it is never the answer.
* Otherwise the last-mentioned value wins (corrections: "terca, quer dizer quinta").
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass

from . import dates as date_rules
from . import times as time_rules
from .choices import extract_choice_number
from .temporal_base import HOUR_AMBIGUOUS, HOUR_LITERAL, HOUR_PM, Candidate, Rule, Scan
from .temporal_words import AFTERNOON, EVENING, MORNING, RANGE_END_PREFIXES, RANGE_START_PREFIXES

__all__ = ["TemporalMatch", "extract_choice_number", "extract_temporal"]


@dataclass(frozen=True)
class TemporalMatch:
    """What :func:`extract_temporal` found in one message.

    ``date``/``time``/``period`` are the last non-negated values mentioned. ``dates`` and
    ``times`` list every non-negated value in text order (negated ones are left out so that
    the last element is always the user's final word). ``spans`` are the character ranges
    of the normalised text that were consumed as temporal expressions (negated ones
    included), sorted by start, so the caller can blank them out before looking for names.
    """

    date: datetime.date | None
    time: datetime.time | None
    period: str | None
    spans: tuple[tuple[int, int], ...]
    dates: tuple[datetime.date, ...] = ()
    times: tuple[datetime.time, ...] = ()


# Priority order: an earlier rule's match wins any overlap ("dia 06/04" is a date, not
# "dia 6"; "depois de amanha" is not also "amanha"; "3 da tarde" is a time, not a period).
_RULES: tuple[Rule, ...] = (*date_rules.RULES, *time_rules.RULES)


def _resolve_hour(candidate: Candidate, period: str | None) -> int:
    """Turn a candidate hour into 0..23 using the message's standalone period."""
    hour = candidate.hour if candidate.hour is not None else 0
    if candidate.hour_rule == HOUR_PM:
        return hour + 12 if hour < 12 else hour
    if candidate.hour_rule == HOUR_LITERAL:
        return hour
    if period in (AFTERNOON, EVENING):
        return hour + 12 if hour < 12 else hour
    if period == MORNING:
        return hour
    return hour + 12 if 1 <= hour <= 6 else hour  # the clinic does not open at 4 a.m.


def _is_range_end(candidate: Candidate, previous: Candidate | None, text: str) -> bool:
    """``as 12`` in ``das 10 as 12``: the start of the range is the requested time."""
    return (
        previous is not None
        and candidate.prefix in RANGE_END_PREFIXES
        and previous.prefix in RANGE_START_PREFIXES
        and not text[previous.end : candidate.start].strip()
    )


def _collect(ctx: Scan) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
    """Run the rule table; return (dates, times, periods) candidates in text order."""
    taken: list[tuple[int, int]] = []
    found: dict[str, list[Candidate]] = {"date": [], "time": [], "period": []}
    for rule in _RULES:
        for match in rule.pattern.finditer(ctx.text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            candidate = rule.parse(match, ctx)
            if candidate is not None:
                taken.append((start, end))
                found[rule.kind].append(candidate)
    for candidates in found.values():
        candidates.sort(key=lambda c: c.start)
    return found["date"], found["time"], found["period"]


# Between two values of one kind: "às 9, não, às 10" -> "9 nao as 10" once normalised.
_CORRECTION_BETWEEN = re.compile(r"^\s*nao\s*(?:e\s+)?$")


def _self_corrected(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """A self-correction keeps the second value: "segunda às 9, não, às 10" is 10:00.

    Without this the "não" in front of the second value negates *it*, and the first one —
    the value the patient took back — would be read.
    """
    out = list(candidates)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if not first.negated and _CORRECTION_BETWEEN.match(text[first.end : second.start]):
            out[i] = dataclasses.replace(first, negated=True)
            out[i + 1] = dataclasses.replace(second, negated=False)
    return out


def _day_named_with_weekday(candidates: list[Candidate], today: datetime.date) -> datetime.date | None:
    """ "dia 1, quinta" / "quinta, dia 1": the weekday qualifies the day, it is no second date.

    The day of the month that falls on that weekday (July 1st when it is a Thursday, not
    the next Thursday); when none does, the day number, the more specific of the two.
    """
    kept = [c for c in candidates if not c.negated and c.date]
    days = [(c.day_number, c.date) for c in kept if c.day_number is not None]
    weekdays = [c.weekday for c in kept if c.weekday is not None]
    if len(kept) != 2 or len(days) != 1 or len(weekdays) != 1:
        return None
    (number, date), weekday = days[0], weekdays[0]
    return date_rules.day_with_weekday(today, number, weekday) or date


def extract_temporal(
    text: str,
    today: datetime.date,
    *,
    now_time: datetime.time | None = None,
    time_expected: bool = False,
    self_correction: bool = False,
) -> TemporalMatch:
    """Find the date, time and period of day in an already normalised message.

    ``today`` anchors relative expressions. ``now_time`` is optional: when given and the
    message's date is today, an ambiguous morning hour that has already passed ("hoje as
    8" said at 15:00) is read as the evening hour instead (20:00). ``time_expected`` (a
    time was just asked for or offered) lets a bare "830" / "1430" be a clock time.
    """
    next_week = date_rules.NEXT_WEEK_RE.search(text)
    ctx = Scan(text=text, today=today, next_week=next_week is not None, time_expected=time_expected)
    date_candidates, time_candidates, period_candidates = _collect(ctx)
    if self_correction:  # "não," standing alone in the raw message: "às 9, não, às 10"
        date_candidates = _self_corrected(text, date_candidates)
        time_candidates = _self_corrected(text, time_candidates)

    periods = [c.period for c in period_candidates if not c.negated and c.period]
    period = periods[-1] if periods else None
    dates = tuple(c.date for c in date_candidates if not c.negated and c.date)
    date = _day_named_with_weekday(date_candidates, today) or (dates[-1] if dates else None)

    times: list[datetime.time] = []
    chosen: datetime.time | None = None
    previous: Candidate | None = None
    for candidate in time_candidates:
        hour = _resolve_hour(candidate, period)
        if (
            now_time is not None
            and date == today
            and candidate.hour_rule == HOUR_AMBIGUOUS
            and period is None
            and 7 <= hour <= 11
            and datetime.time(hour, candidate.minute) <= now_time
        ):
            hour += 12
        value = datetime.time(hour, candidate.minute)
        if not candidate.negated:
            times.append(value)
            if not _is_range_end(candidate, previous, text):
                chosen = value
        previous = candidate

    spans = [(c.start, c.end) for c in (*date_candidates, *time_candidates, *period_candidates)]
    if next_week is not None and date_candidates:
        spans.append(next_week.span())
    return TemporalMatch(
        date=date,
        time=chosen,
        period=period,
        spans=tuple(sorted(spans)),
        dates=dates,
        times=tuple(times),
    )
