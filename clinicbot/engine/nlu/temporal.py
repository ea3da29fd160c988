"""Dates, times and day periods in normalised Brazilian-Portuguese chat text.

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

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["TemporalMatch", "extract_choice_number", "extract_temporal"]

MORNING = "morning"
AFTERNOON = "afternoon"
EVENING = "evening"


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


# --------------------------------------------------------------------------------------
# Vocabulary (data)
# --------------------------------------------------------------------------------------

WEEKDAYS: dict[str, int] = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
    # "2a feira" .. "6a feira"
    "2a": 0,
    "3a": 1,
    "4a": 2,
    "5a": 3,
    "6a": 4,
}

MONTHS: dict[str, int] = {
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
}
# Abbreviations are only accepted after "de" ("3 de abr"): "set", "mar", "out" are words.
MONTH_ABBREVIATIONS: dict[str, int] = {name[:3]: number for name, number in MONTHS.items()}

RELATIVE_DAYS: dict[str, int] = {"hoje": 0, "amanha": 1, "depois de amanha": 2}

HOUR_WORDS: dict[str, int] = {
    "uma": 1,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
    "dez": 10,
    "onze": 11,
    "doze": 12,
}

MINUTE_WORDS: dict[str, int] = {
    "meia": 30,
    "quinze": 15,
    "trinta": 30,
    "quarenta e cinco": 45,
    "quarenta": 40,
    "cinquenta": 50,
    "vinte e cinco": 25,
    "vinte": 20,
    "dez": 10,
    "cinco": 5,
}

# Days of the month written as words ("dia quinze", "dia vinte e dois").
_UNITS = {"um": 1, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "nove": 9}
DAY_WORDS: dict[str, int] = {
    **_UNITS,
    "dez": 10,
    "onze": 11,
    "doze": 12,
    "treze": 13,
    "quatorze": 14,
    "catorze": 14,
    "quinze": 15,
    "dezesseis": 16,
    "dezessete": 17,
    "dezoito": 18,
    "dezenove": 19,
    "vinte": 20,
    "trinta": 30,
    **{f"vinte e {w}": 20 + n for w, n in _UNITS.items()},
    "trinta e um": 31,
}
# "daqui a duas semanas", "em tres dias": a count of days or weeks from today.
COUNT_WORDS: dict[str, int] = {**_UNITS, "uma": 1, "duas": 2, "dez": 10, "quinze": 15}

FIXED_TIMES: dict[str, datetime.time] = {
    "meio dia": datetime.time(12, 0),
    "meia noite": datetime.time(0, 0),
}

PERIOD_WORDS: dict[str, str] = {
    "manha": MORNING,
    "manhazinha": MORNING,
    "tarde": AFTERNOON,
    "tardezinha": AFTERNOON,
    "tardinha": AFTERNOON,
    "noite": EVENING,
    "noitezinha": EVENING,
}

# "N da tarde": how the qualifier changes the hour.
QUALIFIER_ADDS_12: dict[str, bool] = {"manha": False, "madrugada": False, "tarde": True, "noite": True}

# Words that, right before a bare "tarde"/"noite"/"manha", make it a greeting or an
# adverb ("boa tarde", "mais tarde") rather than a period of the day.
NOT_PERIOD_BEFORE: frozenset[str] = frozenset(
    {"boa", "bom", "boas", "mais", "muito", "tao", "ja", "meio", "meia", "cedo"}
)

# Nouns that make "as 5 ..." a quantity, not a time ("as 2 filhas", "todas as 3 opcoes").
QUANTITY_NOUNS: tuple[str, ...] = (
    "anos?",
    "mes",
    "meses",
    "dias?",
    "semanas?",
    "filhos?",
    "filhas?",
    "reais",
    "real",
    "metros?",
    "km",
    "kg",
    "quilos?",
    "minutos?",
    "min",
    "pessoas?",
    "vezes",
    "opcoes",
    "consultas?",
    "criancas?",
    "vagas?",
    "doses?",
    "sessoes",
    "exames?",
    "unidades?",
    "comprimidos?",
    "cm",
    "ml",
    "mg",
    "uma",
)

# Words before "N horas" that make it a duration ("demora 2 horas").
DURATION_BEFORE: tuple[str, ...] = (
    "ha",
    "faz",
    "durante",
    "por",
    "demora",
    "demorou",
    "leva",
    "levou",
    "umas",
    "uns",
    "mais de",
    "menos de",
    "quase",
    "cerca de",
)

# A weekday word directly followed by one of these is an ordinal ("segunda opcao").
ORDINAL_NOUNS: tuple[str, ...] = (
    "opcao",
    "opcoes",
    "horario",
    "vez",
    "via",
    "consulta",
    "alternativa",
    "data",
    "vaga",
    "hora",
    "pessoa",
    "filha",
    "mao",
    "dose",
    "sessao",
    "parcela",
    "semana",
)

# "a partir das 10", "o das 11", "pras 10", "as 9": words that introduce a clock time.
TIME_PREFIXES: tuple[str, ...] = (
    r"a\s+partir\s+d[ao]s?",
    r"por\s+volta\s+das",
    r"depois\s+das",
    r"antes\s+das",
    r"perto\s+das",
    r"ate\s+as",
    r"la\s+pelas",
    r"pelas",
    r"(?:o|a)\s+das",
    r"(?:para|pra)\s+as",
    r"pras",
    r"as",
    r"das",
)
FIXED_TIME_PREFIXES: tuple[str, ...] = (
    r"a\s+partir\s+d[ao]",
    r"depois\s+do",
    r"antes\s+do",
    r"perto\s+do",
    r"o\s+do",
    r"ao",
    r"pro",
    r"no",
)
# Time prefixes that start / end a range ("das 10 as 12"): the range start is the answer.
RANGE_START_PREFIXES: frozenset[str] = frozenset({"das"})
RANGE_END_PREFIXES: frozenset[str] = frozenset({"as", "ate as"})


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation of ``words`` (longest first so "quarenta e cinco" beats "quarenta")."""
    items = sorted(words, key=len, reverse=True)
    return "|".join(item.replace(" ", r"\s+") for item in items)


# --------------------------------------------------------------------------------------
# Patterns (compiled once)
# --------------------------------------------------------------------------------------

_NUMERIC_DATE_RE = re.compile(
    r"\b(?:dia\s+)?(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?\b"
)

_MONTH_NAME_DATE_RE = re.compile(
    rf"""\b(?:dia\s+)?(?P<day>\d{{1,2}}|primeiro)\s+
    (?:de\s+(?P<month>{_alternation(MONTHS)}|{_alternation(MONTH_ABBREVIATIONS)})
      |(?P<bare_month>{_alternation(MONTHS)}))\b
    (?:\s+(?:de\s+)?(?P<year>\d{{4}})\b)?""",
    re.X,
)

_DAY_OF_MONTH_RE = re.compile(
    rf"""\bdia\s+(?P<day>\d{{1,2}}|primeiro|{_alternation(DAY_WORDS)})\b(?![/:])
    (?P<next_month>\s+(?:do|no|de)\s+(?:mes\s+que\s+vem|proximo\s+mes))?""",
    re.X,
)

_DAYS_FROM_NOW_RE = re.compile(
    rf"""\b(?:daqui\s+a|daqui|dentro\s+de|em)\s+
    (?P<count>\d{{1,2}}|{_alternation(COUNT_WORDS)})\s+(?P<unit>dias?|semanas?)\b""",
    re.X,
)

# "hoje em dia" means "nowadays", not today.
_RELATIVE_DAY_RE = re.compile(rf"\b(?P<word>{_alternation(RELATIVE_DAYS)})\b(?!\s+em\s+dia\b)")

_WEEKDAY_RE = re.compile(
    rf"""\b(?:proxim[ao]\s+)?
    (?:(?P<day>segunda|terca|quarta|quinta|sexta|sabado|domingo)|(?P<num>[2-6]a)(?=\s+feira\b))
    (?:\s+feira)?(?:\s+que\s+vem)?\b
    (?!\s+(?:{_alternation(ORDINAL_NOUNS)})\b)""",
    re.X,
)

_NEXT_WEEK_RE = re.compile(
    r"\b(?:(?:da|na|de)\s+)?(?:semana\s+que\s+vem|proxima\s+semana|semana\s+seguinte)\b"
)

_FIXED_TIME_RE = re.compile(
    rf"""\b(?:(?:{"|".join(FIXED_TIME_PREFIXES)}|{"|".join(TIME_PREFIXES)})\s+)?
    (?P<word>{_alternation(FIXED_TIMES)})\b
    (?:\s+e\s+(?P<word_min>{_alternation(MINUTE_WORDS)})\b)?""",
    re.X,
)

_CLOCK_TIME_RE = re.compile(
    rf"""\b(?:(?P<prefix>{"|".join(TIME_PREFIXES)})\s+)?
    (?P<hour>\d{{1,2}}(?![\d/])|(?:{_alternation(HOUR_WORDS)})\b)
    (?:
        :(?P<colon_min>\d{{2}})(?:\s?(?:horas|hora|hrs|hr|hs|h)\b)?
      | \s?(?P<h_suffix>horas|hora|hrs|hr|hs|h)(?![a-z])(?:\s?(?P<h_min>\d{{2}})\b(?:\s?(?:minutos|min)\b)?)?
    )?
    (?:\s+e\s+(?P<word_min>{_alternation(MINUTE_WORDS)}|[0-5]\d)\b)?
    (?:\s+da\s+(?P<qualifier>{_alternation(QUALIFIER_ADDS_12)})\b)?""",
    re.X,
)

_PERIOD_RE = re.compile(
    rf"""\b(?P<lead>
        (?:(?:na|pela|no|de|a|ao)\s+)?(?:parte|periodo|turno|fim|final|inicio|comeco|meio)\s+da\s+
      | (?:de|a|pela|na|da|esta|nesta|essa|nessa|durante\s+a)\s+
    )?
    (?P<word>{_alternation(PERIOD_WORDS)})\b(?!\s+demais\b)""",
    re.X,
)

_FRACTION_NOUN_AFTER_RE = re.compile(r"\s+(?:de\s+)?(?:comprimidos?|doses?|copos?|xicaras?|colher(?:es)?)\b")
_QUANTITY_AFTER_RE = re.compile(rf"\s*(?:{'|'.join(QUANTITY_NOUNS)})\b")
_DURATION_BEFORE_RE = re.compile(rf"\b(?:{_alternation(DURATION_BEFORE)})\s+$")
_DAY_BEFORE_RE = re.compile(r"\bdia\s+$")
_PREVIOUS_WORD_RE = re.compile(r"(\w+)\s+$")
# "nao terca", "e nao terca", "nao e na terca", "nao dia 10": the value is rejected.
_NEGATION_BEFORE_RE = re.compile(r"(?:^|\s)nao\s+(?:(?:e|na|no|a|o|pra|para|pro|dia|de)\s+){0,2}$")
_LOOKBEHIND = 24  # characters of context inspected before a match


# --------------------------------------------------------------------------------------
# Candidates and calendar helpers
# --------------------------------------------------------------------------------------

# How a clock hour is turned into 0..23 once the whole message is known.
HOUR_LITERAL = "literal"  # 0, 13..23, "08:00", "N da manha", "meio dia"
HOUR_PM = "pm"  # "N da tarde" / "N da noite"
HOUR_AMBIGUOUS = "ambiguous"  # 1..12 with no qualifier: depends on the period / clinic hours


@dataclass(frozen=True)
class _Candidate:
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


@dataclass(frozen=True)
class _Context:
    text: str
    today: datetime.date
    next_week: bool


def _is_negated(text: str, start: int) -> bool:
    return _NEGATION_BEFORE_RE.search(text, max(0, start - _LOOKBEHIND), start) is not None


def _candidate(
    match: re.Match[str],
    ctx: _Context,
    *,
    date: datetime.date | None = None,
    hour: int | None = None,
    minute: int = 0,
    hour_rule: str = HOUR_LITERAL,
    prefix: str = "",
    period: str | None = None,
) -> _Candidate:
    start, end = match.span()
    return _Candidate(
        start,
        end,
        _is_negated(ctx.text, start),
        date=date,
        hour=hour,
        minute=minute,
        hour_rule=hour_rule,
        prefix=prefix,
        period=period,
    )


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
            year += 2000
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
    return DAY_WORDS[_words(word)] if not word.isdigit() else int(word)


def _parse_days_from_now(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    raw = match["count"]
    count = int(raw) if raw.isdigit() else COUNT_WORDS[_words(raw)]
    days = count * 7 if match["unit"].startswith("semana") else count
    return _candidate(match, ctx, date=ctx.today + datetime.timedelta(days=days))


def _words(fragment: str) -> str:
    return " ".join(fragment.split())


# --------------------------------------------------------------------------------------
# Rule parsers: match -> candidate (or None to reject the match)
# --------------------------------------------------------------------------------------


def _parse_numeric_date(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    if _FRACTION_NOUN_AFTER_RE.match(ctx.text, match.end()):
        return None  # "1/2 comprimido" is half a pill
    year = match["year"]
    value = _day_month_year(ctx.today, int(match["day"]), int(match["month"]), int(year) if year else None)
    return _candidate(match, ctx, date=value) if value else None


def _parse_month_name_date(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    month_word = match["month"] or match["bare_month"]
    month = MONTHS.get(month_word) or MONTH_ABBREVIATIONS[month_word]
    year = match["year"]
    value = _day_month_year(ctx.today, _day_number(match["day"]), month, int(year) if year else None)
    return _candidate(match, ctx, date=value) if value else None


def _parse_day_of_month(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    value = _next_day_of_month(
        ctx.today, _day_number(match["day"]), from_next_month=match["next_month"] is not None
    )
    return _candidate(match, ctx, date=value) if value else None


def _parse_relative_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    days = RELATIVE_DAYS[_words(match["word"])]
    return _candidate(match, ctx, date=ctx.today + datetime.timedelta(days=days))


def _parse_weekday(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    weekday = WEEKDAYS[match["day"] or match["num"]]
    return _candidate(match, ctx, date=_next_weekday(ctx.today, weekday, next_week=ctx.next_week))


def _parse_fixed_time(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    base = FIXED_TIMES[_words(match["word"])]
    minute = MINUTE_WORDS[_words(match["word_min"])] if match["word_min"] else 0
    return _candidate(match, ctx, hour=base.hour, minute=minute, hour_rule=HOUR_LITERAL)


def _parse_clock_time(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    text = ctx.text
    prefix = _words(match["prefix"] or "")
    hour_text = match["hour"]
    explicit = match["colon_min"] is not None or match["h_suffix"] is not None  # "14:30", "14h"
    if not (prefix or explicit or match["word_min"] or match["qualifier"]):
        return None  # a lone number: a choice, an age, a price...
    if hour_text.isdigit():
        hour = int(hour_text)
    else:
        hour = HOUR_WORDS[hour_text]
        if not prefix and not (match["word_min"] or match["qualifier"]):
            return None  # "duas horas" without "as" is a duration
    before = text[max(0, match.start() - _LOOKBEHIND) : match.start()]
    if not prefix and not explicit and _DAY_BEFORE_RE.search(before):
        return None  # "dia 8 e meia" is not 08:30
    bare = not (explicit or match["word_min"] or match["qualifier"])
    if bare and _QUANTITY_AFTER_RE.match(text, match.end()):
        return None  # "as 2 filhas"
    if match["h_suffix"] in ("hora", "horas") and not prefix and _DURATION_BEFORE_RE.search(before):
        return None  # "demora 2 horas"

    minute_text = match["colon_min"] or match["h_min"] or match["word_min"]
    if minute_text is None:
        minute = 0
    elif minute_text.isdigit():
        minute = int(minute_text)
    else:
        minute = MINUTE_WORDS[_words(minute_text)]
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None  # 25:00, 14:75

    qualifier = match["qualifier"]
    if qualifier is not None:
        rule = HOUR_PM if QUALIFIER_ADDS_12[qualifier] else HOUR_LITERAL
    elif hour == 0 or hour >= 13 or (len(hour_text) == 2 and hour_text.startswith("0")):
        rule = HOUR_LITERAL  # "08:00" is written in 24h on purpose
    else:
        rule = HOUR_AMBIGUOUS
    return _candidate(match, ctx, hour=hour, minute=minute, hour_rule=rule, prefix=prefix)


def _parse_period(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    if match["lead"] is None:
        previous = _PREVIOUS_WORD_RE.search(ctx.text, max(0, match.start() - _LOOKBEHIND), match.start())
        if previous is not None and previous.end() == match.start() and previous[1] in NOT_PERIOD_BEFORE:
            return None  # "boa tarde", "mais tarde"
    return _candidate(match, ctx, period=PERIOD_WORDS[match["word"]])


@dataclass(frozen=True)
class _Rule:
    kind: str  # "date" | "time" | "period"
    pattern: re.Pattern[str]
    parse: Callable[[re.Match[str], _Context], _Candidate | None]


# Priority order: an earlier rule's match wins any overlap ("dia 06/04" is a date, not
# "dia 6"; "depois de amanha" is not also "amanha"; "3 da tarde" is a time, not a period).
_RULES: tuple[_Rule, ...] = (
    _Rule("date", _NUMERIC_DATE_RE, _parse_numeric_date),
    _Rule("date", _MONTH_NAME_DATE_RE, _parse_month_name_date),
    _Rule("date", _DAY_OF_MONTH_RE, _parse_day_of_month),
    _Rule("date", _DAYS_FROM_NOW_RE, _parse_days_from_now),
    _Rule("date", _RELATIVE_DAY_RE, _parse_relative_day),
    _Rule("date", _WEEKDAY_RE, _parse_weekday),
    _Rule("time", _FIXED_TIME_RE, _parse_fixed_time),
    _Rule("time", _CLOCK_TIME_RE, _parse_clock_time),
    _Rule("period", _PERIOD_RE, _parse_period),
)


# --------------------------------------------------------------------------------------
# Message-level resolution
# --------------------------------------------------------------------------------------


def _resolve_hour(candidate: _Candidate, period: str | None) -> int:
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


def _is_range_end(candidate: _Candidate, previous: _Candidate | None, text: str) -> bool:
    """``as 12`` in ``das 10 as 12``: the start of the range is the requested time."""
    return (
        previous is not None
        and candidate.prefix in RANGE_END_PREFIXES
        and previous.prefix in RANGE_START_PREFIXES
        and not text[previous.end : candidate.start].strip()
    )


def _collect(ctx: _Context) -> tuple[list[_Candidate], list[_Candidate], list[_Candidate]]:
    """Run the rule table; return (dates, times, periods) candidates in text order."""
    taken: list[tuple[int, int]] = []
    found: dict[str, list[_Candidate]] = {"date": [], "time": [], "period": []}
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


def extract_temporal(
    text: str, today: datetime.date, *, now_time: datetime.time | None = None
) -> TemporalMatch:
    """Find the date, time and period of day in an already normalised message.

    ``today`` anchors relative expressions. ``now_time`` is optional: when given and the
    message's date is today, an ambiguous morning hour that has already passed ("hoje as
    8" said at 15:00) is read as the evening hour instead (20:00).
    """
    next_week = _NEXT_WEEK_RE.search(text)
    ctx = _Context(text=text, today=today, next_week=next_week is not None)
    date_candidates, time_candidates, period_candidates = _collect(ctx)

    periods = [c.period for c in period_candidates if not c.negated and c.period]
    period = periods[-1] if periods else None
    dates = tuple(c.date for c in date_candidates if not c.negated and c.date)
    date = dates[-1] if dates else None

    times: list[datetime.time] = []
    chosen: datetime.time | None = None
    previous: _Candidate | None = None
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


# --------------------------------------------------------------------------------------
# Choice numbers ("2", "o 2", "opcao 3", "a segunda opcao")
# --------------------------------------------------------------------------------------

ORDINALS: dict[str, int] = {
    "primeiro": 1,
    "primeira": 1,
    "segundo": 2,
    "segunda": 2,
    "terceiro": 3,
    "terceira": 3,
    "quarto": 4,
    "quarta": 4,
    "quinto": 5,
    "quinta": 5,
}
# Ordinals that are also weekdays: only a choice when (almost) alone or before "opcao".
WEEKDAY_ORDINALS: frozenset[str] = frozenset({"segunda", "quarta", "quinta"})
MAX_CHOICE = 20

# Words ignored around a choice ("quero o 2 por favor").
CHOICE_FILLERS: frozenset[str] = frozenset(
    {
        "o",
        "a",
        "e",
        "opcao",
        "numero",
        "n",
        "quero",
        "pode",
        "ser",
        "prefiro",
        "fico",
        "com",
        "vou",
        "de",
        "escolho",
        "esse",
        "essa",
        "isso",
        "por",
        "favor",
        "entao",
        "sim",
        "ok",
        "pra",
        "mim",
        "melhor",
        "eu",
        "vai",
        "marca",
        "marcar",
        "agenda",
        "agendar",
        "fechado",
        "beleza",
        "certo",
        "la",
    }
)
# The only words allowed around a weekday-like ordinal ("a segunda", "quinta por favor").
WEEKDAY_ORDINAL_FILLERS: frozenset[str] = frozenset({"a", "o", "por", "favor"})

_ORDINAL_BEFORE_NOUN_RE = re.compile(
    rf"\b(?P<ord>{_alternation(ORDINALS)}|[1-9][ao]?)\s+(?:opcao|horario|alternativa)\b"
)
_NUMBER_AFTER_NOUN_RE = re.compile(
    r"\b(?:opcao|alternativa|numero)\s+(?:numero\s+)?(?P<num>\d{1,2})\b(?![:/])"
)
_DIGIT_CHOICE_RE = re.compile(r"(?P<num>\d{1,2})[ao]?")


def _choice_value(word: str) -> int | None:
    if word in ORDINALS:
        return ORDINALS[word]
    match = _DIGIT_CHOICE_RE.fullmatch(word)
    if match is None:
        return None
    value = int(match["num"])
    return value if 1 <= value <= MAX_CHOICE else None


def extract_choice_number(text: str) -> int | None:
    """Return the option number picked in a normalised message, or None.

    Accepts "2", "o 2", "opcao 3", "quero a opcao 2", "a segunda opcao", "o primeiro",
    "primeira", "a terceira". "segunda"/"quarta"/"quinta" are also weekdays, so they only
    count before "opcao"/"horario" or when the message is just the ordinal (with an
    article). Any other word in the message ("as 2", "2 filhos") means it is not a choice.
    """
    match = _ORDINAL_BEFORE_NOUN_RE.search(text) or _NUMBER_AFTER_NOUN_RE.search(text)
    if match is not None:
        return _choice_value(match[match.lastgroup or 0])
    words = text.split()
    remaining = [w for w in words if w not in CHOICE_FILLERS]
    if len(remaining) != 1:
        return None
    word = remaining[0]
    if word in WEEKDAY_ORDINALS and not all(w == word or w in WEEKDAY_ORDINAL_FILLERS for w in words):
        return None
    return _choice_value(word)
