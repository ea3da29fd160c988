"""What the date and time rules share: a candidate value found in the text, and negation.

A rule (:class:`Rule`) is a compiled pattern and a parser turning its match into a
:class:`Candidate` (or None to reject the match); :mod:`.temporal` runs the rule table
and decides, for the whole message, which candidates are the answer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

# "nao terca", "e nao terca", "nao e na terca", "nao dia 10": the value is rejected.
# "não (é) dia 5" negates what follows; an emphatic "não não, é dia 1" rejects what came before.
_NEGATION_BEFORE_RE = re.compile(r"(?:^|(?<!nao)\s)nao\s+(?:(?:e|na|no|a|o|pra|para|pro|dia|de)\s+){0,2}$")
LOOKBEHIND = 24  # characters of context inspected before a match


# How a clock hour is turned into 0..23 once the whole message is known.
HOUR_LITERAL = "literal"  # 0, 13..23, "08:00", "N da manha", "meio dia"
HOUR_PM = "pm"  # "N da tarde" / "N da noite"
HOUR_AMBIGUOUS = "ambiguous"  # 1..12 with no qualifier: depends on the period / clinic hours


@dataclass(frozen=True)
class Candidate:
    """One temporal expression found in the text, before the message-level decisions."""

    start: int
    end: int
    negated: bool
    date: datetime.date | None = None
    hour: int | None = None
    minute: int = 0
    hour_rule: str = HOUR_LITERAL
    prefix: str = ""
    period: str | None = None
    weekday: int | None = None  # a weekday's name ("quinta"): may only qualify a day number
    day_number: int | None = None  # a bare day of the month ("dia 1")


@dataclass(frozen=True)
class Scan:
    """The message being read: its normalised text, today, whether "semana que vem" is in it."""

    text: str
    today: datetime.date
    next_week: bool
    time_expected: bool = False  # a time was asked for: "830" / "1430" alone read as 08:30 / 14:30


def is_negated(text: str, start: int) -> bool:
    """The value at ``start`` is rejected ("nao terca", "nao e dia 10")."""
    return _NEGATION_BEFORE_RE.search(text, max(0, start - LOOKBEHIND), start) is not None


def candidate(
    match: re.Match[str],
    ctx: Scan,
    *,
    date: datetime.date | None = None,
    hour: int | None = None,
    minute: int = 0,
    hour_rule: str = HOUR_LITERAL,
    prefix: str = "",
    period: str | None = None,
) -> Candidate:
    """The candidate of ``match`` (negated when "nao" comes right before it)."""
    start, end = match.span()
    return Candidate(
        start,
        end,
        is_negated(ctx.text, start),
        date=date,
        hour=hour,
        minute=minute,
        hour_rule=hour_rule,
        prefix=prefix,
        period=period,
    )


def squeeze_spaces(fragment: str) -> str:
    """ "quarenta  e cinco" -> "quarenta e cinco" (to look a matched phrase up)."""
    return " ".join(fragment.split())


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: what it finds, its pattern and its parser."""

    kind: str  # "date" | "time" | "period"
    pattern: re.Pattern[str]
    parse: Callable[[re.Match[str], Scan], Candidate | None]
