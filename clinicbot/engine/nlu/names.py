"""Finding the patient's name in a message ("meu nome é …", "sou a …", or a bare name)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .name_words import NAME_INTRODUCERS, NAME_PARTICLES, NOT_NAME_WORDS
from .normalize import fold, strip_accents

_INTRODUCER = re.compile(r"\b(?:" + "|".join(NAME_INTRODUCERS) + r")\b[\s,:]*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")
_SEPARATOR = re.compile(r"[,.;!?\n]")
_PARTICLE_DISPLAY = {"da", "de", "do", "das", "dos", "e"}


def _is_name_word(word: str, known: Callable[[str], bool]) -> bool:
    w = fold(word)
    return len(w) >= 2 and w.isalpha() and w not in NOT_NAME_WORDS and not known(w)


def display_name(words: list[str]) -> str:
    """Title-case a name keeping particles lower case: "joão pedro da silva" -> "João Pedro da Silva"."""
    out = []
    for i, w in enumerate(words):
        if i > 0 and fold(w) in _PARTICLE_DISPLAY:
            out.append(w.lower())
        elif w.isupper() or w.islower():
            out.append(w[:1].upper() + w[1:].lower())
        else:
            out.append(w)
    return " ".join(out)


# "Jurandir Alves Filho", "Pedro Souza Neto": generational suffixes end a name.
NAME_SUFFIXES = frozenset({"filho", "filha", "neto", "neta", "junior", "jr", "sobrinho"})


def _take_name(words: list[str], known: Callable[[str], bool], *, max_words: int = 6) -> list[str]:
    """The longest run of name words at the start of ``words`` (particles only inside)."""
    taken: list[str] = []
    for w in words:
        if len(taken) >= max_words:
            break
        if fold(w) in NAME_PARTICLES and taken:
            taken.append(w)
            continue
        if _is_name_word(w, known) or (taken and fold(w) in NAME_SUFFIXES):
            taken.append(w)
        else:
            break
    while taken and fold(taken[-1]) in NAME_PARTICLES:
        taken.pop()
    return taken


def introduced_name(raw: str, known: Callable[[str], bool]) -> tuple[str, tuple[int, int]] | None:
    """A name after an introducer ("meu nome é X", "sou a X", "pro meu filho X")."""
    plain = strip_accents(raw)
    if len(plain) != len(raw):  # decomposition changed the length: work on the plain text
        raw = plain
    first: tuple[str, tuple[int, int]] | None = None
    for match in _INTRODUCER.finditer(plain):
        rest = raw[match.end() :].lstrip(" ,:;-")
        segment = _SEPARATOR.split(rest, maxsplit=1)[0]
        words = _WORD.findall(segment)
        name = _take_name(words, known)
        introducer = fold(match.group()).strip().rstrip(",:")
        # "sou da unimed", "sou particular": "sou" needs two name words (or a capital).
        if introducer == "sou" and (len(name) < 2 and not (name and name[0][:1].isupper())):
            continue
        # "minha mae desmaiou": after a relative, only a capitalised name is a name.
        if _RELATIVE.search(introducer) and not all(
            w[:1].isupper() for w in name if fold(w) not in NAME_PARTICLES
        ):
            continue
        if name:
            start = raw.find(name[0], match.end())
            found = (display_name(name), (start, start + len(" ".join(name))))
            # "meu nome é Ana, mas a consulta é pro meu marido, Edivaldo": the patient is
            # the relative, so a name introduced by a relative wins.
            if _RELATIVE.search(introducer):
                return found
            first = first or found
    return first


_LEADING_FILLER = frozenset({"e", "eh", "ah", "o", "a", "sou", "nome"})
_TRAILING_PRESENTATION = frozenset({"aqui", "falando", "presente"})
_RELATIVE = re.compile(
    r"\b(?:filh[oa]|mae|pai|marido|espos[oa]|mulher|net[oa]|irma|irmao|avo|sobrinh[oa]|entead[oa])\b"
)


def bare_name(
    raw: str, known: Callable[[str], bool], *, allow_single: bool, clause: int = 0, capitalised: bool = False
) -> str | None:
    """A clause of the message is only a name: "Carlos Alberto Pereira", "Antonio Carlos, pela unimed".

    ``clause`` picks which clause (0 = first, -1 = last: "… sábado às 10h. Débora Nogueira").
    """
    clauses = [c for c in _SEPARATOR.split(raw.strip()) if c.strip()]
    if not clauses:
        return None
    words = _WORD.findall(clauses[clause])
    # "é Francisco", "ah, Maria": a leading filler word before the name.
    while len(words) > 1 and fold(words[0]) in _LEADING_FILLER:
        words.pop(0)
    # "Joana Lins aqui", "Carlos falando": the name with a trailing presentation word.
    while words and fold(words[-1]) in _TRAILING_PRESENTATION:
        words.pop()
    if not words or len(words) > 6:
        return None
    name = _take_name(words, known)
    if len(name) != len(words):
        return None
    if capitalised and not all(w[:1].isupper() for w in name if fold(w) not in NAME_PARTICLES):
        return None
    if len(name) == 1 and not allow_single:
        return None
    if len(name) == 1 and len(fold(name[0])) < 3:
        return None
    return display_name(name)


def folded_span(raw: str, span: tuple[int, int]) -> str:
    """The folded text of a span of the raw message (to blank it out of normalised text)."""
    return fold(strip_accents(raw[span[0] : span[1]]))
