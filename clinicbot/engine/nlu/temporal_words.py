"""The words of dates, times and periods of day (normalised: lower case, no accents).

Data only, read by the rules in :mod:`.dates`, :mod:`.times` and :mod:`.choices`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

MORNING = "morning"
AFTERNOON = "afternoon"
EVENING = "evening"


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
    r"umas",  # "quinta umas 9": about nine ("umas 2 horas" stays a duration, see times.py)
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


def alternation(words: Iterable[str]) -> str:
    """Regex alternation of ``words`` (longest first so "quarenta e cinco" beats "quarenta")."""
    items = sorted(words, key=len, reverse=True)
    return "|".join(item.replace(" ", r"\s+") for item in items)
