"""Choice numbers in a normalised message: "2", "o 2", "opcao 3", "a segunda opcao"."""

from __future__ import annotations

import re

from .temporal_words import alternation

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
    rf"\b(?P<ord>{alternation(ORDINALS)}|[1-9][ao]?)\s+(?:opcao|horario|alternativa)\b"
)
_NUMBER_AFTER_NOUN_RE = re.compile(
    r"\b(?:opcao|alternativa|numero)\s+(?:numero\s+)?(?P<num>\d{1,2})\b(?![:/])"
)
_DIGIT_CHOICE_RE = re.compile(r"(?P<num>\d{1,2})[ao]?")
# The patient leaves the pick to us: "qualquer um desses", "tanto faz", "o mais cedo", "o
# primeiro que tiver". Options are offered earliest first, so this is option 1.
_ANY_OPTION_RE = re.compile(
    r"\b(?:qualquer (?:um|uma|horario|opcao|medico|medica|deles|delas|desses|dessas)"
    r"|tanto faz|nao tenho preferencia|sem preferencia|(?:voce|vc) (?:que )?escolhe"
    r"|(?:o|a) (?:(?:horario|opcao|vaga) )?mais (?:cedo|proxim[oa])"
    r"|(?:o|a) primeir[oa] (?:(?:horario|opcao|vaga) )?(?:que (?:tiver|houver|der|aparecer|estiver)|disponivel|livre|vag[oa])"
    r"|(?:o|a) que (?:tiver|for|vier|estiver) (?:mais cedo|primeiro|antes))\b"
)


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


def picks_any(text: str) -> bool:
    """The patient leaves the pick to us ("qualquer um", "tanto faz", "o mais cedo", "o primeiro que tiver").

    :class:`~clinicbot.engine.types.ParseResult` carries it as ``choice=1``: offered options
    are listed earliest first.
    """
    return _ANY_OPTION_RE.search(text) is not None
