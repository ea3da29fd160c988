"""What the learned intent model sees of a message: masked text -> feature strings.

The same function serves training and prediction, so a feature can never mean one thing
at training time and another in production.

Clinic names, dates, times and numbers are *masked* before anything else: "quero marcar
cardiologia com a dra ana amanha as 10" becomes "quero marcar ESPECIALIDADE com a MEDICO
QUANDO". A model trained on one clinic's doctors would otherwise learn their names; masked,
what it learns carries over to a clinic it never saw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

# Placeholders written in capitals: normalised text is lower case, so they never collide.
MASK_TOKENS = {
    "specialty": "ESPECIALIDADE",
    "doctor": "MEDICO",
    "insurance": "CONVENIO",
    "exam": "EXAME",
    "when": "QUANDO",
    "name": "NOME",
}

# The four situations of the evaluation contract: enough for the model, and the same for
# every clinic. Internal states are mapped onto them by the caller.
STATE_GROUPS = ("idle", "awaiting_info", "awaiting_choice", "awaiting_confirmation")

_WAITING_FOR_YES = frozenset({"confirming", "confirming_cancel", "confirming_reschedule", "waitlist_offer"})
_WAITING_FOR_PICK = frozenset(
    {"choosing_slot", "choosing_doctor", "choosing_appointment", "confirming_reminder"}
)


def state_group(state: str, expect: str = "") -> str:
    """The contract situation of an internal state: what the assistant is waiting for.

    The learned model knows only these four, so it carries over to any dialogue design.
    """
    if state in _WAITING_FOR_YES or expect == "confirm":
        return "awaiting_confirmation"
    if state in _WAITING_FOR_PICK:
        return "awaiting_choice"
    if state in ("idle", "handoff", ""):
        return "idle"
    return "awaiting_info"


_DIGITS = re.compile(r"\d+")
CHAR_NGRAMS = (2, 3, 4, 5)


def _digits_token(match: re.Match[str]) -> str:
    n = len(match.group())
    return "NUMA" if n == 1 else "NUMB" if n == 2 else "NUMC" if n <= 4 else "NUMD"


def mask(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace each ``(start, end, kind)`` span of ``text`` by the kind's placeholder.

    Overlapping spans keep the first (leftmost, then longest); remaining digit runs become
    a token of their length class ("2" picks an option, "830" is a time, a CPF is long).
    """
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, kind))
    out: list[str] = []
    pos = 0
    for start, end, kind in chosen:
        out.append(text[pos:start])
        out.append(f" {MASK_TOKENS[kind]} ")
        pos = end
    out.append(text[pos:])
    return " ".join(_DIGITS.sub(_digits_token, "".join(out)).split())


def symbol_tokens(raw: str) -> list[str]:
    """Emojis and pictographs of the raw message as words ("👍🏽" -> "E_THUMBS_UP_SIGN").

    Normalisation drops them, yet "👍" alone is a yes and "😡" says a lot about a
    complaint. Skin tones and variation selectors are ignored.
    """
    found: list[str] = []
    for ch in raw:
        if unicodedata.category(ch) != "So":
            continue
        name = unicodedata.name(ch, "")
        if not name or "MODIFIER" in name:
            continue
        token = "E_" + re.sub(r"[^A-Z]+", "_", name).strip("_")
        if token not in found:
            found.append(token)
    return found


def _length_class(n_words: int) -> str:
    return "1" if n_words <= 1 else "2" if n_words <= 3 else "4" if n_words <= 8 else "9"


def featurize(masked: str, symbols: Sequence[str], state: str, rule_intent: str) -> list[str]:
    """The feature strings of one message.

    * word unigrams and bigrams (``w=``, ``b=``), and unigrams crossed with the state
      (``sw=``): "sim" means one thing when a yes/no was asked and another when not;
    * character 2-5-grams inside each word (``c=``): robust to typos and missing letters;
    * the state, the message length class and both crossed (``s=``, ``sl=``);
    * the rule cues' reading (``r=``): the hand-written rules are one more opinion the
      model learns how far to trust.
    """
    words = masked.split() + list(symbols)
    feats = [f"s={state}", f"sl={state}|{_length_class(len(words))}", f"r={rule_intent}"]
    feats.append(f"sr={state}|{rule_intent}")
    padded = ["<s>", *words, "</s>"]
    for a, b in zip(padded, padded[1:], strict=False):
        feats.append(f"b={a} {b}")
    for w in words:
        feats.append(f"w={w}")
        feats.append(f"sw={state}|{w}")
        if w.isupper():  # placeholders and emoji tokens are atoms, not spellings
            continue
        chars = f" {w} "
        for n in CHAR_NGRAMS:
            feats.extend(f"c={chars[i : i + n]}" for i in range(len(chars) - n + 1))
    return feats


def reading_features(
    text: str,
    matches: Any,
    temporal_spans: Iterable[tuple[int, int]],
    name: str,
    raw: str,
    group: str,
    rule_intent: str,
) -> list[str]:
    """The features of one NLU reading: its normalised ``text`` with the lexicon's mentions,
    the temporal spans and the patient's (normalised) ``name`` masked, plus ``raw``'s emojis."""
    spans = [(m.start, m.end, m.key) for m in matches.mentions]
    spans += [(a, b, "when") for a, b in temporal_spans]
    if name and (pos := text.find(name)) >= 0:
        spans.append((pos, pos + len(name), "name"))
    return featurize(mask(text, spans), symbol_tokens(raw[:2000]), group, rule_intent)
