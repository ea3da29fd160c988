"""Entity matching against the clinic's own data.

A :class:`Lexicon` is built once per clinic snapshot. It knows every way of writing each
specialty, insurance, exam and doctor (canonical name, aliases, generated word forms,
doctor surnames and first names) and finds them in a normalised message, exactly first
and then tolerating typos with rapidfuzz.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ..types import Catalog
from .name_words import NOT_NAME_WORDS
from .normalize import normalize
from .vocabulary import DOCTOR_TITLES, PRIVATE_PAY_PHRASES

# Words of a doctor's name too common to identify the doctor on their own.
_WEAK_NAME_PARTS = NOT_NAME_WORDS | {"da", "de", "do", "dos", "das", "e"}
_NEGATION = re.compile(r"\b(?:nao|nem|sem)(?: (?:quero|queria|e|eh|com|o|a|pra|pro|mais))* ?$")


@dataclass(frozen=True)
class Mention:
    """One entity found in the text."""

    key: str  # specialty | insurance | exam | doctor
    value: str  # canonical name
    start: int
    end: int
    exact: bool = True


@dataclass
class Matches:
    """Everything the lexicon found in one message."""

    mentions: list[Mention] = field(default_factory=list)
    ambiguous_doctors: tuple[str, ...] = ()  # "dr rafael" when two doctors are Rafael
    negated: set[str] = field(default_factory=set)  # keys the patient rejected ("nao quero neuro")

    def first(self, key: str) -> str | None:
        values = [m.value for m in self.mentions if m.key == key]
        return values[-1] if values else None

    def values(self, key: str) -> list[str]:
        out: list[str] = []
        for m in self.mentions:
            if m.key == key and m.value not in out:
                out.append(m.value)
        return out


# Words of an insurance's name that say nothing on their own ("Saúde Caixa" -> "caixa").
_GENERIC_PLAN_WORDS = frozenset(
    {"saude", "plano", "planos", "seguro", "seguros", "assistencia", "medica", "medico", "servicos", "odonto"}
)


def _distinctive_words(names: list[str]) -> dict[str, set[str]]:
    """Single words that identify one multi-word name among the others ("bradesco", "caixa")."""
    words: dict[str, set[str]] = {
        n: {w for w in normalize(n).split() if len(w) >= 4} - _GENERIC_PLAN_WORDS for n in names
    }
    counts: dict[str, int] = defaultdict(int)
    for ws in words.values():
        for w in ws:
            counts[w] += 1
    return {
        n: {w for w in ws if counts[w] == 1 and w not in NOT_NAME_WORDS}
        for n, ws in words.items()
        if len(normalize(n).split()) > 1
    }


class _Scan:
    """One pass over a message: which characters are already explained, and what was found."""

    def __init__(self, text: str, skip: Iterable[tuple[int, int]]) -> None:
        self.text = text
        self.result = Matches()
        self._taken = [False] * len(text)
        for a, b in skip:
            self.claim(max(a, 0), min(b, len(text)))

    def free(self, a: int, b: int) -> bool:
        return not any(self._taken[a:b])

    def claim(self, a: int, b: int) -> None:
        for i in range(a, b):
            self._taken[i] = True

    def add(self, key: str, value: str, a: int, b: int, exact: bool = True) -> None:
        """Record a mention, or a rejection when the patient negated it ("não quero neuro")."""
        negated = _NEGATION.search(self.text[:a]) is not None
        # "não tenho convênio" is itself a way of saying Particular, not a negation of it.
        if negated and not (key == "insurance" and self.text[a:b].startswith(("nao", "sem"))):
            self.result.negated.add(key)
        else:
            self.result.mentions.append(Mention(key, value, a, b, exact))
        self.claim(a, b)


def specialty_word_forms(name: str) -> set[str]:
    """Generated ways of naming a specialty's doctor: "cardiologia" -> "cardiologista", "cardiologo"."""
    base = normalize(name)
    forms = {base}
    if " " in base:
        return forms
    if base.endswith("logia"):
        stem = base[: -len("logia")]
        forms |= {stem + "logista", stem + "logo", stem + "loga", stem + "logistas"}
    if base.endswith("iatria"):
        stem = base[: -len("iatria")]
        forms |= {stem + "iatra", stem + "iatras"}
    elif base.endswith("tria"):
        forms |= {base[:-4] + "tra", base[:-4] + "tras"}
    if base.endswith("pedia"):
        forms |= {base[:-1] + "ista", base[:-1] + "ico", base[:-1] + "istas"}
    elif base.endswith("ia") and not base.endswith("logia"):
        forms |= {base[:-2] + "ista", base[:-2] + "istas"}
    return forms


class Lexicon:
    """Finds the clinic's specialties, insurances, exams and doctors in normalised text."""

    def __init__(self, catalog: Catalog) -> None:
        self.phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)  # key -> [(phrase, canonical)]
        for s in catalog.specialties:
            for phrase in {*specialty_word_forms(s.name), *(normalize(a) for a in s.aliases)}:
                self.phrases["specialty"].append((phrase, s.name))
        private = next((i.name for i in catalog.insurances if normalize(i.name) == "particular"), None)
        distinctive = _distinctive_words([i.name for i in catalog.insurances])
        for ins in catalog.insurances:
            forms = {
                normalize(ins.name),
                *(normalize(a) for a in ins.aliases),
                *distinctive.get(ins.name, ()),
            }
            if ins.name == private:
                forms |= set(PRIVATE_PAY_PHRASES)
            for phrase in forms:
                self.phrases["insurance"].append((phrase, ins.name))
        for e in catalog.exams:
            for phrase in {normalize(e.name), *(normalize(a) for a in e.aliases)}:
                self.phrases["exam"].append((phrase, e.name))
        self._doctor_parts(catalog)
        # Longest phrases first so "unimed nacional" wins over "unimed".
        self._exact: list[tuple[re.Pattern[str], str, str]] = []
        for key, items in self.phrases.items():
            for phrase, canonical in items:
                if phrase:
                    self._exact.append((re.compile(r"\b" + re.escape(phrase) + r"\b"), key, canonical))
        self._exact.sort(key=lambda item: -len(item[0].pattern))
        # Fuzzy candidates: single words of at least 5 letters and multi-word phrases.
        self._fuzzy: dict[str, tuple[str, str]] = {}
        for key in ("specialty", "exam", "insurance"):
            for phrase, canonical in self.phrases[key]:
                if len(phrase) >= 5 and phrase not in PRIVATE_PAY_PHRASES:
                    self._fuzzy.setdefault(phrase, (key, canonical))
        for part, names in self._doctor_by_part.items():
            if len(part) >= 5 and len(names) == 1 and part not in _WEAK_NAME_PARTS:
                self._fuzzy.setdefault(part, ("doctor", names[0]))
        self._fuzzy_choices = list(self._fuzzy)
        self._doctor_parts_list = [p for p in self._doctor_by_part if " " not in p and len(p) >= 4]
        # One-word answers with one typo ("cassy", "ipasco"): single-word names of 4+ letters.
        self._short_words: dict[str, tuple[str, str]] = {
            p: (key, c)
            for key in ("insurance", "specialty", "exam")
            for p, c in self.phrases[key]
            if " " not in p and len(p) >= 4 and p not in NOT_NAME_WORDS
        }
        # Clipped specialty words ("derma" for "dermatologia"): a prefix of 5+ letters
        # that belongs to exactly one specialty.
        owners: dict[str, set[str]] = defaultdict(set)
        for phrase, canonical in self.phrases["specialty"]:
            if " " in phrase:
                continue
            for n in range(5, len(phrase)):
                owners[phrase[:n]].add(canonical)
        self._prefixes = {
            p: next(iter(names)) for p, names in owners.items() if len(names) == 1 and p not in NOT_NAME_WORDS
        }
        self.vocabulary = {w for key in self.phrases for p, _ in self.phrases[key] for w in p.split()} | set(
            self._doctor_by_part
        )

    def _doctor_parts(self, catalog: Catalog) -> None:
        self._doctor_full: dict[str, str] = {}
        self._doctor_by_part: dict[str, list[str]] = defaultdict(list)
        self._doctor_surnames: dict[str, list[str]] = defaultdict(list)
        for d in catalog.doctors:
            bare = normalize(d.bare_name)
            self._doctor_full[bare] = d.name
            parts = [p for p in bare.split() if p not in {"da", "de", "do", "dos", "das", "e"}]
            for p in parts:
                if d.name not in self._doctor_by_part[p]:
                    self._doctor_by_part[p].append(d.name)
            if len(parts) >= 2:
                # "paulo henrique" (first names) and "henrique vieira" (last names) too.
                for i in range(len(parts) - 1):
                    pair = f"{parts[i]} {parts[i + 1]}"
                    if d.name not in self._doctor_by_part[pair]:
                        self._doctor_by_part[pair].append(d.name)
                self._doctor_surnames[parts[-1]].append(d.name)

    # ------------------------------------------------------------------ matching
    def find(self, text: str, *, skip: Iterable[tuple[int, int]] = ()) -> Matches:
        """Find entities in normalised ``text``, ignoring the character spans in ``skip``."""
        scan = _Scan(text, skip)
        self._find_doctors(scan)
        for pattern, key, canonical in self._exact:
            for m in pattern.finditer(text):
                if scan.free(m.start(), m.end()):
                    scan.add(key, canonical, m.start(), m.end())
        self._find_fuzzy(scan)
        scan.result.mentions.sort(key=lambda m: m.start)
        return scan.result

    def _find_doctors(self, scan: _Scan) -> None:
        text, free, add, result = scan.text, scan.free, scan.add, scan.result
        words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        i = 0
        while i < len(words):
            word, start, _ = words[i]
            titled = word in DOCTOR_TITLES
            j = i + 1 if titled else i
            if j >= len(words):
                break
            # Try the longest run of name words first: full name, pair, single part.
            matched = False
            for size in (4, 3, 2, 1):
                chunk = words[j : j + size]
                if len(chunk) < size:
                    continue
                phrase = " ".join(w for w, _, _ in chunk)
                a, b = (start if titled else chunk[0][1]), chunk[-1][2]
                if not free(a, b):
                    continue
                name = self._doctor_full.get(phrase)
                candidates = [name] if name else self._doctor_by_part.get(phrase, [])
                if not candidates and titled and size == 1 and len(phrase) >= 4:
                    # "dra cleonisse": after a title, a name part typed with a typo.
                    best = process.extractOne(
                        phrase, self._doctor_parts_list, scorer=fuzz.ratio, score_cutoff=80
                    )
                    candidates = self._doctor_by_part[best[0]] if best else []
                if not candidates:
                    continue
                single_weak = size == 1 and (phrase in _WEAK_NAME_PARTS or len(phrase) < 3)
                if single_weak:
                    continue
                is_surname = size == 1 and phrase in self._doctor_surnames
                preceded_by_com = i > 0 and words[i - 1][0] in {"com", "o", "a"} and not titled
                if size == 1 and not (titled or is_surname or preceded_by_com):
                    continue
                if len(candidates) == 1:
                    add("doctor", candidates[0], a, b)
                else:
                    result.ambiguous_doctors = tuple(candidates)
                    scan.claim(a, b)
                i = j + size
                matched = True
                break
            if not matched:
                i += 1

    def _find_fuzzy(self, scan: _Scan) -> None:
        free, add = scan.free, scan.add
        words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", scan.text)]
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                chunk = words[i : i + size]
                a, b = chunk[0][1], chunk[-1][2]
                if not free(a, b):
                    continue
                phrase = " ".join(w for w, _, _ in chunk)
                if len(phrase) < 5 or (size == 1 and phrase in NOT_NAME_WORDS):
                    continue
                if size == 1 and (prefixed := self._prefixes.get(phrase)):
                    add("specialty", prefixed, a, b, False)
                    continue
                if size == 1 and len(words) <= 3 and 4 <= len(phrase) <= 8:
                    near = process.extractOne(
                        phrase, list(self._short_words), scorer=Levenshtein.distance, score_cutoff=1
                    )
                    if near is not None:
                        key, canonical = self._short_words[near[0]]
                        add(key, canonical, a, b, False)
                        continue
                cutoff = 88 if len(phrase) < 8 else 84
                best = process.extractOne(phrase, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=cutoff)
                if best is None:
                    continue
                choice = best[0]
                if choice.count(" ") != phrase.count(" "):
                    continue
                # One word is a typo of a name only within a few edits: "sangramento" looks
                # like "sarmento" to a ratio (a shared run of letters), not to a typist.
                if size == 1 and Levenshtein.distance(phrase, choice) > max(1, len(choice) // 5):
                    continue
                # Every word must look alike, not just the whole string ("clinica fica" is
                # not "clinica medica").
                if size > 1 and any(
                    fuzz.ratio(x, y) < 75 for x, y in zip(phrase.split(), choice.split(), strict=True)
                ):
                    continue
                key, canonical = self._fuzzy[choice]
                add(key, canonical, a, b, False)

    def is_doctor_part(self, word: str) -> bool:
        """True when the word is part of some doctor's name ("rafael", "mendes")."""
        return word in self._doctor_by_part

    def known_word(self, word: str) -> bool:
        """True when the word is part of some clinic name (specialty, insurance, exam, doctor)."""
        return word in self.vocabulary
