"""Training the intent model (offline: ``manage.py train_nlu``; needs scikit-learn).

Deterministic: the corpus is read in a fixed order, augmentation uses a seeded random
generator, the vocabulary is sorted and the solver (L-BFGS) has no randomness, so the same
corpus gives the same artefact.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import IntentModel

DEFAULT_C = 8.0
DEFAULT_MIN_DF = 2
DEFAULT_SEED = 20261206


@dataclass(frozen=True)
class Example:
    """One labelled message, already turned into feature strings."""

    features: tuple[str, ...]
    label: str
    weight: float = 1.0


# ----------------------------------------------------------------------------- augmentation
_KEYBOARD_NEIGHBOURS = {
    "a": "qsz",
    "b": "vgn",
    "c": "xdv",
    "d": "sfe",
    "e": "wrd",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "i": "uok",
    "j": "hku",
    "k": "jli",
    "l": "ko",
    "m": "nj",
    "n": "bmh",
    "o": "ipl",
    "p": "o",
    "q": "wa",
    "r": "etf",
    "s": "adw",
    "t": "ryg",
    "u": "yij",
    "v": "cbf",
    "w": "qes",
    "x": "zc",
    "y": "tuh",
    "z": "xa",
}
# Spellings people use on WhatsApp, applied word by word (after accents are gone).
_CHAT_SPELLINGS = {
    "voce": "vc",
    "voces": "vcs",
    "porque": "pq",
    "tambem": "tb",
    "hoje": "hj",
    "que": "q",
    "quando": "qd",
    "muito": "mt",
    "beleza": "blz",
    "obrigado": "obg",
    "obrigada": "obg",
    "por favor": "pfv",
    "nao": "n",
    "estou": "to",
    "esta": "ta",
    "para": "pra",
    "consulta": "cosulta",
    "marcar": "marca",
    "queria": "qria",
    "quero": "qro",
}


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard slip in a word of four letters or more: drop, double, swap or neighbour."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    near = _KEYBOARD_NEIGHBOURS.get(word[i], "")
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def augment(text: str, rng: random.Random) -> str:
    """A noisy copy of a (raw) message: chat spellings, typos, lower case, no punctuation."""
    words = text.split()
    out = []
    for w in words:
        bare = w.lower().strip(".,!?;:")
        if bare in _CHAT_SPELLINGS and rng.random() < 0.5:
            out.append(_CHAT_SPELLINGS[bare])
        elif rng.random() < 0.15:
            out.append(_typo(w, rng))
        else:
            out.append(w)
    noisy = " ".join(out)
    if rng.random() < 0.5:
        noisy = noisy.lower()
    if rng.random() < 0.3:
        noisy = "".join(ch for ch in noisy if ch not in ".,!?;:")
    return noisy


def augmentations(text: str, copies: int, seed: int) -> list[str]:
    """``copies`` distinct noisy variants of ``text`` (fewer if noise keeps giving the same)."""
    rng = random.Random(f"{seed}:{text}")
    seen = {text}
    out: list[str] = []
    for _ in range(copies * 3):
        if len(out) >= copies:
            break
        variant = augment(text, rng)
        if variant not in seen:
            seen.add(variant)
            out.append(variant)
    return out


# ----------------------------------------------------------------------------- fitting
def _vocabulary(examples: Sequence[Example], min_df: int) -> tuple[list[str], list[float]]:
    df: Counter[str] = Counter()
    for ex in examples:
        df.update(set(ex.features))
    n = len(examples)
    vocabulary = sorted(f for f, c in df.items() if c >= min_df)
    # scikit-learn's smoothed IDF: as if one extra document held every feature.
    idf = [math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocabulary]
    return vocabulary, idf


def fit(
    examples: Sequence[Example],
    *,
    c: float = DEFAULT_C,
    min_df: int = DEFAULT_MIN_DF,
    class_weight: str | None = "balanced",
    meta: dict[str, Any] | None = None,
) -> IntentModel:
    """Fit a multinomial logistic regression on the examples and return the run-time model."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocabulary, idf = _vocabulary(examples, min_df)
    meta = {**(meta or {}), "c": c, "min_df": min_df, "examples": len(examples)}
    shell = IntentModel(
        vocabulary=vocabulary,
        idf=idf,
        weights=np.zeros((len(vocabulary), 1)),
        bias=np.zeros(1),
        labels=["?"],
        meta=meta,
    )
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, ex in enumerate(examples):
        idx, values = shell.vector(ex.features)
        rows.extend([r] * len(idx))
        cols.extend(idx.tolist())
        vals.extend(values.tolist())
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(examples), len(vocabulary)), dtype=np.float64)
    labels = [ex.label for ex in examples]
    weights = np.array([ex.weight for ex in examples])
    classifier = LogisticRegression(C=c, max_iter=5000, class_weight=class_weight, tol=1e-6)
    classifier.fit(matrix, labels, sample_weight=weights)
    coef = classifier.coef_
    intercept = classifier.intercept_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return IntentModel(
        vocabulary=vocabulary,
        idf=idf,
        weights=coef.T,
        bias=intercept,
        labels=[str(label) for label in classifier.classes_],
        meta=meta,
    )


# ----------------------------------------------------------------------------- corpus
# Refinements the dialogue acts on, per intent; other tags of the corpus stay documentation.
REFINEMENTS: dict[str, frozenset[str]] = {
    "emergency": frozenset({"self_harm"}),
    "out_of_scope": frozenset({"medical_advice", "faq", "symptom", "smalltalk"}),
    "human_agent": frozenset({"complaint"}),
    "deny": frozenset({"stop_flow"}),
    "goodbye": frozenset({"stop_flow"}),
}
# The internal state a contract situation is read in (as ``evaluate`` maps it).
READ_STATE = {
    "idle": "idle",
    "awaiting_info": "collecting",
    "awaiting_choice": "choosing_slot",
    "awaiting_confirmation": "confirming",
}


@dataclass(frozen=True)
class Case:
    """One labelled message of the corpus."""

    text: str
    intent: str
    state: str = "idle"
    tag: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        refined = self.tag in REFINEMENTS.get(self.intent, frozenset())
        return f"{self.intent}/{self.tag}" if refined else self.intent


def cases_from(data: dict[str, Any], source: str) -> list[Case]:
    """The cases of one parsed corpus (or NLU evaluation) file; bad entries raise ValueError."""
    from .intents import INTENTS

    out: list[Case] = []
    for i, item in enumerate(data.get("cases") or []):
        text, intent = str(item.get("text", "")).strip(), str(item.get("intent", ""))
        state = str(item.get("state") or "idle")
        if not text or intent not in INTENTS or state not in READ_STATE:
            raise ValueError(f"{source}: case {i}: bad text, intent or state: {item!r}")
        out.append(Case(text, intent, state, str(item.get("tag") or ""), source))
    return out
