"""Finding the patient's name in a message ("meu nome é …", "sou a mãe do …", or a bare name).

The patient is the person to be seen, not always the one writing: a name introduced for
a relative ("é pro meu filho Davi", "sou a mãe do Pedro", "o nome dela é …") wins over the
writer's own ("meu nome é Ana"), and when the message says a relative will be seen without
naming them ("é minha esposa que vai") the writer's name is not the patient's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .name_words import (
    NAME_PARTICLES,
    NAME_TITLES,
    NOT_NAME_WORDS,
    OTHER_PATIENT,
    PATIENT_INTRODUCERS,
    RELATIVES,
    SPEAKER_INTRODUCERS,
)
from .normalize import fold, strip_accents


def _alternation(patterns: tuple[str, ...]) -> str:
    # The introducer ends at a word boundary ("sou", not "soube") or on its own space/colon.
    return r"\b(?:" + "|".join(patterns) + r")(?:(?<=[\s:])|(?![a-z]))[\s,:]*"


_SPEAKER = re.compile(_alternation(SPEAKER_INTRODUCERS), re.IGNORECASE)
_PATIENT = re.compile(_alternation(PATIENT_INTRODUCERS), re.IGNORECASE)
_OTHER_PATIENT = re.compile(r"\b(?:" + "|".join(OTHER_PATIENT) + r")\b")
_NEGATED_BEFORE = re.compile(r"\bnao\s+(?:e\s+|eh\s+)?$")
_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")
_SEPARATOR = re.compile(r"[,.;!?\n]")
# "Sr. João", "Sra. Maria": the abbreviation's dot does not end the clause.
_TITLE_DOT = re.compile(r"\b(sra?|srta|dra?|d)\.", re.IGNORECASE)
_PARTICLE_DISPLAY = {"da", "de", "do", "das", "dos", "e"}
# Introducers that announce a name outright: a lower-case "joão silva" after them is a name.
_EXPLICIT = re.compile(r"\bnome\b|\bcham[ao]\b|^sou\b")


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
NAME_SUFFIXES = frozenset({"filho", "filha", "neto", "neta", "junior", "jr", "sobrinho", "sobrinha"})


def _without_title(words: list[str]) -> list[str]:
    """ "Dona Maria", "seu João": the courtesy title is not part of the name."""
    while len(words) > 1 and fold(words[0]) in NAME_TITLES:
        words = words[1:]
    return words


def _take_name(words: list[str], known: Callable[[str], bool], *, max_words: int = 6) -> list[str]:
    """The longest run of name words at the start of ``words`` (particles only inside)."""
    taken: list[str] = []
    for w in _without_title(words):
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


def _capitalised(name: list[str]) -> bool:
    return all(w[:1].isupper() for w in name if fold(w) not in NAME_PARTICLES)


@dataclass(frozen=True)
class _Found:
    name: list[str]
    start: int
    patient: bool  # introduced as the person to be seen (a relative, "pra mim, X")


def _introductions(plain: str, raw: str, known: Callable[[str], bool]) -> list[_Found]:
    """Every name introduced in ``raw`` (matched on its accent-free ``plain``), in text order."""
    found: list[_Found] = []
    lowered = plain.lower()
    for pattern, patient in ((_SPEAKER, False), (_PATIENT, True)):
        for match in pattern.finditer(plain):
            if _NEGATED_BEFORE.search(lowered[: match.start()]):
                continue  # "não pro meu marido"
            rest = raw[match.end() :].lstrip(" ,:;-")
            segment = _SEPARATOR.split(rest, maxsplit=1)[0]
            words = _WORD.findall(segment)
            titled = bool(words) and fold(words[0]) in NAME_TITLES
            name = _take_name(words, known)
            if not name:
                continue
            introducer = fold(match.group()).strip().rstrip(",:")
            # "sou da unimed", "sou particular": "sou" needs two name words (or a capital).
            if introducer == "sou" and len(name) < 2 and not name[0][:1].isupper():
                continue
            # "minha mae desmaiou", "pra mim, particular", "aqui é muito longe": unless the
            # introducer says "name" ("meu nome é joão"), only a capitalised (or titled) name counts.
            if not _EXPLICIT.search(introducer) and not (titled or _capitalised(name)):
                continue
            found.append(_Found(name, raw.find(name[0], match.end()), patient))
    found.sort(key=lambda f: f.start)
    return found


def introduced_name(raw: str, known: Callable[[str], bool]) -> tuple[str, tuple[int, int]] | None:
    """The patient's name after an introducer ("meu nome é X", "sou a mãe do X", "pro meu filho X").

    A name introduced as the patient's (a relative's, "o nome dele é …") wins over the
    writer's own; the longest such name wins ("sou a mãe do Arthur, o nome dele é Arthur
    Mendes Viana"). A writer who says a relative will be seen without naming them gives no
    patient name at all.
    """
    raw = _TITLE_DOT.sub(r"\1 ", raw)
    plain = strip_accents(raw)
    # Matched on the accent-free text, the name is read from the original when the two align.
    found = _introductions(plain, raw if len(plain) == len(raw) else plain, known)
    patients = [f for f in found if f.patient]
    if patients:
        best = max(patients, key=lambda f: len(f.name))
    elif found and not _other_patient(plain):
        best = found[0]
    else:
        return None
    return display_name(best.name), (best.start, best.start + len(" ".join(best.name)))


# "pro meu filho", "da minha mãe", "agora a outra", "e pra ela": someone else is to be seen.
_SOMEONE_ELSE = re.compile(
    rf"\b(?:pr[oa]|para|pra|do|da) (?:(?:o|a) )?(?:meu|minha|nosso|nossa) (?:{RELATIVES})\b"
    r"|^(?:(?:e|agora|ai|entao)\s+)*(?:o|a) (?:outr[oa]|segund[oa]|do|da)\b"
    r"|\b(?:pr[oa]|para|pra) (?:ele|ela|o outro|a outra)\b"
)


def names_someone_else(raw: str) -> bool:
    """The message is about booking for someone other than the last patient, unnamed.

    After the mother's booking, "agora pediatra pro meu filho" must not be booked in her
    name: the dialogue asks for his.
    """
    folded = fold(re.sub(r"[,.;:!?]", " ", strip_accents(raw)))
    return _other_patient(strip_accents(raw)) or bool(_SOMEONE_ELSE.search(folded))


def _other_patient(plain: str) -> bool:
    """The message says a relative (not the writer) will be seen ("é minha esposa que vai")."""
    folded = fold(re.sub(r"[,.;:!?]", " ", plain))
    return any(not _NEGATED_BEFORE.search(folded[: m.start()]) for m in _OTHER_PATIENT.finditer(folded))


_LEADING_FILLER = frozenset({"e", "eh", "ah", "o", "a", "sou", "nome"})
_TRAILING_PRESENTATION = frozenset({"aqui", "falando", "presente"})


def bare_name(
    raw: str, known: Callable[[str], bool], *, allow_single: bool, clause: int = 0, capitalised: bool = False
) -> str | None:
    """A clause of the message is only a name: "Carlos Alberto Pereira", "Antonio Carlos, pela unimed".

    ``clause`` picks which clause (0 = first, -1 = last: "… sábado às 10h. Débora Nogueira").
    """
    clauses = [c for c in _SEPARATOR.split(_TITLE_DOT.sub(r"\1 ", raw).strip()) if c.strip()]
    if not clauses:
        return None
    words = _WORD.findall(clauses[clause])
    # "é Francisco", "ah, Maria", "Dona Maria": a leading filler word or title before the name.
    while len(words) > 1 and fold(words[0]) in _LEADING_FILLER | NAME_TITLES:
        words.pop(0)
    # "Joana Lins aqui", "Carlos falando": the name with a trailing presentation word.
    while words and fold(words[-1]) in _TRAILING_PRESENTATION:
        words.pop()
    if not words or len(words) > 6:
        return None
    name = _take_name(words, known)
    if len(name) != len(words):
        return None
    if capitalised and not _capitalised(name):
        return None
    if len(name) == 1 and not allow_single:
        return None
    if len(name) == 1 and len(fold(name[0])) < 3:
        return None
    return display_name(name)


def embedded_name(raw: str, known: Callable[[str], bool]) -> str | None:
    """A capitalised full name inside a clause: "primeiro a Alice Menezes Rocha, às 8h".

    Only runs of two or more capitalised name words count (a lone capitalised word may just
    start a sentence), and never the first words of the message ("Bom dia" is no name).
    """
    for clause in _SEPARATOR.split(_TITLE_DOT.sub(r"\1 ", raw)):
        words = _WORD.findall(clause)
        for i in range(1, len(words)):
            if not words[i][:1].isupper() or fold(words[i - 1]) in NAME_TITLES:
                continue
            name = _take_name(words[i:], known)
            if len(name) >= 2 and _capitalised(name) and name[-1][:1].isupper():
                return display_name(name)
    return None
