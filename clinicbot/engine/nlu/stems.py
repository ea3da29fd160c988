"""Content-word stems of a message: what search over clinic texts compares.

Shared by the LLM's fact retrieval and the offline FAQ search, so "estacionar" finds
"estacionamento" in both. Portuguese Snowball stems, accents folded and chat
abbreviations expanded (the NLU's normal form), function words left out.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from .normalize import normalize
from .vocabulary import FUNCTION_WORDS

_WORDS = re.compile(r"[a-z0-9]+")
# Function words match every text and say nothing about the topic; so do these question words.
STOPWORDS = FUNCTION_WORDS | frozenset(
    {"ao", "aos", "estao", "ou", "quantas", "quantos", "sao", "ser", "sobre"}
)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("portuguese")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def tokenize(text: str) -> list[str]:
    """Stems of the content words of ``text`` (accents folded, abbreviations expanded)."""
    return [_stem(w) for w in _WORDS.findall(normalize(text)) if w not in STOPWORDS and len(w) > 1]
