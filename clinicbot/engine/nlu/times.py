"""Clock times and periods of day in a normalised message: "as 14h", "10:30", "3 da tarde", "de manha".

Conventions: see :mod:`.temporal`. :data:`RULES` are the time and period rows of its rule
table, in priority order (after the dates).
"""

from __future__ import annotations

import re

from .temporal_base import (
    HOUR_AMBIGUOUS,
    HOUR_LITERAL,
    HOUR_PM,
    LOOKBEHIND,
    Candidate,
    Rule,
    Scan,
    candidate,
    squeeze_spaces,
)
from .temporal_words import (
    DURATION_BEFORE,
    FIXED_TIME_PREFIXES,
    FIXED_TIMES,
    HOUR_WORDS,
    MINUTE_WORDS,
    NOT_PERIOD_BEFORE,
    PERIOD_WORDS,
    QUALIFIER_ADDS_12,
    QUANTITY_NOUNS,
    TIME_PREFIXES,
    alternation,
)

_FIXED_TIME_RE = re.compile(
    rf"""\b(?:(?:{"|".join(FIXED_TIME_PREFIXES)}|{"|".join(TIME_PREFIXES)})\s+)?
    (?P<word>{alternation(FIXED_TIMES)})\b
    (?:\s+e\s+(?P<word_min>{alternation(MINUTE_WORDS)})\b)?""",
    re.X,
)

_CLOCK_TIME_RE = re.compile(
    rf"""\b(?:(?P<prefix>{"|".join(TIME_PREFIXES)})\s+)?
    (?P<hour>\d{{1,2}}(?![\d/])|(?:{alternation(HOUR_WORDS)})\b)
    (?:
        :(?P<colon_min>\d{{2}})(?:\s?(?:horas|hora|hrs|hr|hs|h)\b)?
      | \s?(?P<h_suffix>horas|hora|hrs|hr|hs|h)(?![a-z])(?:\s?(?P<h_min>\d{{2}})\b(?:\s?(?:minutos|min)\b)?)?
    )?
    (?:\s+e\s+(?P<word_min>{alternation(MINUTE_WORDS)}|[0-5]\d)\b)?
    (?:\s+da\s+(?P<qualifier>{alternation(QUALIFIER_ADDS_12)})\b)?""",
    re.X,
)

_PERIOD_RE = re.compile(
    rf"""\b(?P<lead>
        (?:(?:na|pela|no|de|a|ao)\s+)?(?:parte|periodo|turno|fim|final|inicio|comeco|meio)\s+da\s+
      | (?:de|a|pela|na|da|esta|nesta|essa|nessa|durante\s+a)\s+
    )?
    (?P<word>{alternation(PERIOD_WORDS)})\b(?!\s+demais\b)""",
    re.X,
)

# "830", "1430", "as 0915": a clock time written without a separator.
_DIGITS_TIME_RE = re.compile(
    rf"""(?<![\d:/])(?:\b(?P<prefix>{"|".join(TIME_PREFIXES)})\s+)?
    \b(?P<hour>[01]?\d|2[0-3])(?P<minute>[0-5]\d)(?:\s?(?P<suffix>h|hs|hrs|horas))?(?![\w:/])""",
    re.X,
)
# Numbers that identify rather than tell the time: "cpf 123 456", "cartao 0830", "cep 65071".
_IDENTIFIER_RE = re.compile(
    r"\b(?:cpf|rg|cep|cnpj|telefone|tel|celular|cel|whats|whatsapp|fone|numero|n|carteirinha|cartao|"
    r"matricula|protocolo|codigo|senha|conta|pix|valor|reais|r)\b"
)
_NUMBER_NEAR_RE = re.compile(r"\d[\s.\-]*$")
_NUMBER_AFTER_RE = re.compile(r"[\s.\-]*\d")
_QUANTITY_AFTER_RE = re.compile(rf"\s*(?:{'|'.join(QUANTITY_NOUNS)})\b")
_DURATION_BEFORE_RE = re.compile(rf"\b(?:{alternation(DURATION_BEFORE)})\s+$")
_DAY_BEFORE_RE = re.compile(r"\bdia\s+$")
_PREVIOUS_WORD_RE = re.compile(r"(\w+)\s+$")


def _parse_fixed_time(match: re.Match[str], ctx: Scan) -> Candidate | None:
    base = FIXED_TIMES[squeeze_spaces(match["word"])]
    minute = MINUTE_WORDS[squeeze_spaces(match["word_min"])] if match["word_min"] else 0
    return candidate(match, ctx, hour=base.hour, minute=minute, hour_rule=HOUR_LITERAL)


def _parse_clock_time(match: re.Match[str], ctx: Scan) -> Candidate | None:
    text = ctx.text
    prefix = squeeze_spaces(match["prefix"] or "")
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
    before = text[max(0, match.start() - LOOKBEHIND) : match.start()]
    if not prefix and not explicit and _DAY_BEFORE_RE.search(before):
        return None  # "dia 8 e meia" is not 08:30
    bare = not (explicit or match["word_min"] or match["qualifier"])
    if bare and _QUANTITY_AFTER_RE.match(text, match.end()):
        return None  # "as 2 filhas"
    if match["h_suffix"] in ("hora", "horas") and (
        prefix == "umas" or (not prefix and _DURATION_BEFORE_RE.search(before))
    ):
        return None  # "demora 2 horas", "umas 2 horas"

    minute_text = match["colon_min"] or match["h_min"] or match["word_min"]
    if minute_text is None:
        minute = 0
    elif minute_text.isdigit():
        minute = int(minute_text)
    else:
        minute = MINUTE_WORDS[squeeze_spaces(minute_text)]
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None  # 25:00, 14:75

    qualifier = match["qualifier"]
    if qualifier is not None:
        rule = HOUR_PM if QUALIFIER_ADDS_12[qualifier] else HOUR_LITERAL
    elif hour == 0 or hour >= 13 or (len(hour_text) == 2 and hour_text.startswith("0")):
        rule = HOUR_LITERAL  # "08:00" is written in 24h on purpose
    else:
        rule = HOUR_AMBIGUOUS
    return candidate(match, ctx, hour=hour, minute=minute, hour_rule=rule, prefix=prefix)


def _parse_digits_time(match: re.Match[str], ctx: Scan) -> Candidate | None:
    """ "830" -> 08:30 when a time was asked for (or after "as"), never inside a longer number."""
    prefix = squeeze_spaces(match["prefix"] or "")
    if not (prefix or match["suffix"] or ctx.time_expected) or _IDENTIFIER_RE.search(ctx.text):
        return None
    if _NUMBER_NEAR_RE.search(ctx.text, 0, match.start()) or _NUMBER_AFTER_RE.match(ctx.text, match.end()):
        return None  # a group of a card, phone or document number
    if _QUANTITY_AFTER_RE.match(ctx.text, match.end()):
        return None  # "120 reais", "500 mg"
    before = ctx.text[max(0, match.start() - LOOKBEHIND) : match.start()]
    if match["suffix"] and not prefix and _DURATION_BEFORE_RE.search(before):
        return None  # "demora 130 horas"
    hour_text = match["hour"]
    hour, minute = int(hour_text), int(match["minute"])
    if not (prefix or match["suffix"]) and minute % 5:
        return None  # "2027" is a year; offered times fall on five-minute marks
    rule = HOUR_LITERAL if hour == 0 or hour >= 13 or hour_text.startswith("0") else HOUR_AMBIGUOUS
    return candidate(match, ctx, hour=hour, minute=minute, hour_rule=rule, prefix=prefix)


def _parse_period(match: re.Match[str], ctx: Scan) -> Candidate | None:
    if match["lead"] is None:
        previous = _PREVIOUS_WORD_RE.search(ctx.text, max(0, match.start() - LOOKBEHIND), match.start())
        if previous is not None and previous.end() == match.start() and previous[1] in NOT_PERIOD_BEFORE:
            return None  # "boa tarde", "mais tarde"
    return candidate(match, ctx, period=PERIOD_WORDS[match["word"]])


RULES: tuple[Rule, ...] = (
    Rule("time", _FIXED_TIME_RE, _parse_fixed_time),
    Rule("time", _DIGITS_TIME_RE, _parse_digits_time),
    Rule("time", _CLOCK_TIME_RE, _parse_clock_time),
    Rule("period", _PERIOD_RE, _parse_period),
)
