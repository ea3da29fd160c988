"""Text normalisation shared by every NLU component.

WhatsApp Portuguese comes without accents, with emojis, repeated letters and
abbreviations. Every matcher works on the same normal form so that a rule written once
("amanha") matches "Amanhã!!", "amanhã" and "AMANHA".
"""

from __future__ import annotations

import re
import unicodedata

# Chat abbreviations expanded before matching (word -> replacement). Kept as data so
# adding one is a one-line change.
ABBREVIATIONS: dict[str, str] = {
    "vc": "voce",
    "vcs": "voces",
    "voce": "voce",
    "q": "que",
    "pq": "porque",
    "tb": "tambem",
    "tbm": "tambem",
    "hj": "hoje",
    "amn": "amanha",
    "amanh": "amanha",
    "msm": "mesmo",
    "pfv": "por favor",
    "pf": "por favor",
    "pls": "por favor",
    "qm": "quem",
    "ngm": "ninguem",
    "oq": "o que",
    "agr": "agora",
    "dps": "depois",
    "dnv": "de novo",
    "cmg": "comigo",
    "mds": "meu deus",
    "sla": "sei la",
    "qts": "quantos",
    "qnt": "quanto",
    "pfvr": "por favor",
    "hr": "hora",
    "hrs": "horas",
    "vdd": "verdade",
    "tmb": "tambem",
    "msg": "mensagem",
    "qdo": "quando",
    "qnd": "quando",
    "qto": "quanto",
    "qnto": "quanto",
    "mt": "muito",
    "mto": "muito",
    "td": "tudo",
    "tds": "todos",
    "blz": "beleza",
    "obg": "obrigado",
    "obgd": "obrigado",
    "obgda": "obrigada",
    "vlw": "valeu",
    "flw": "falou",
    "qria": "queria",
    "eae": "eai",
    "dms": "demais",
    "te": "te",
    "xau": "tchau",
    "brigado": "obrigado",
    "brigada": "obrigada",
    "qro": "quero",
    "kero": "quero",
    "keria": "queria",
    "p": "pra",
    "pro": "pro",
    "dr": "dr",
    "dra": "dra",
    "drª": "dra",
    "sab": "sabado",
    "seg": "segunda",
    "qua": "quarta",
    "qui": "quinta",
    "sex": "sexta",
    "dom": "domingo",
}

_EMOJI_OR_SYMBOL = re.compile(r"[^\w\s:/,.?!\-]", re.UNICODE)
_REPEATED_LETTERS = re.compile(r"([a-z])\1{2,}")  # "oiii", "diaaa", "kkkk"
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """Remove diacritics: "Amanhã às 9" -> "Amanha as 9"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used to compare names."""
    return _SPACES.sub(" ", strip_accents(text).lower()).strip()


def normalize(text: str) -> str:
    """Return the canonical form every NLU rule is written against.

    Lower case, no accents, emojis and symbols dropped, letters repeated three or more
    times squeezed to two ("oiii" -> "oii"), punctuation other than ``: /`` turned into
    spaces, chat abbreviations expanded ("vc" -> "voce"), single spaces.
    """
    text = fold(text)
    text = text.replace("º", "").replace("ª", "a")
    text = _EMOJI_OR_SYMBOL.sub(" ", text)
    text = _REPEATED_LETTERS.sub(r"\1", text)
    # Keep ":" and "/" inside numbers (14:30, 20/05); elsewhere punctuation separates words.
    text = re.sub(r"(?<!\d)[:/]|[:/](?!\d)", " ", text)
    text = re.sub(r"[,.?!\-_]", " ", text)
    words = [ABBREVIATIONS.get(w, w) for w in text.split()]
    return " ".join(words)


def tokens(text: str) -> list[str]:
    """Split an already normalised text into words."""
    return text.split()
