"""The learned intent model at run time: a linear model over hashed-free sparse features.

Trained offline by ``manage.py train_nlu`` (scikit-learn's logistic regression) and
shipped as one ``.npz`` file of plain arrays: the vocabulary, its IDF weights, the
coefficient matrix and the biases. Prediction needs only NumPy — scikit-learn costs
~100 MB of memory and ~0.9 s to import, which no web or worker process should pay for a
dot product — and no pickle, so the artefact loads the same under any library version.

Labels are contract intents, optionally refined: ``out_of_scope/medical_advice``,
``emergency/self_harm``… :func:`intent_of` maps a label back to its intent.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_PATH = Path(__file__).with_name("model_data") / "intent_model.npz"


def intent_of(label: str) -> str:
    """The contract intent of a model label: "out_of_scope/faq" -> "out_of_scope"."""
    return label.split("/", 1)[0]


def tag_of(label: str) -> str:
    """The refinement of a model label: "out_of_scope/faq" -> "faq", "greeting" -> ""."""
    return label.split("/", 1)[1] if "/" in label else ""


@dataclass(frozen=True)
class Prediction:
    """Label probabilities of one message, best first."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def label(self) -> str:
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        return self.ranked[0][1]

    def intent_probabilities(self) -> dict[str, float]:
        """Probabilities summed per contract intent (refinements folded in)."""
        out: dict[str, float] = {}
        for label, p in self.ranked:
            key = intent_of(label)
            out[key] = out.get(key, 0.0) + p
        return out


class IntentModel:
    """A multinomial logistic regression over TF-IDF-weighted feature strings."""

    def __init__(
        self,
        *,
        vocabulary: Sequence[str],
        idf: Any,
        weights: Any,
        bias: Any,
        labels: Sequence[str],
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)  # features x labels
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)
        self.meta = dict(meta or {})

    # ------------------------------------------------------------------ vectors
    def vector(self, features: Sequence[str]) -> tuple[Any, Any]:
        """Column indices and L2-normalised sublinear TF-IDF values of known features.

        (One vector for words, character n-grams and the rest: normalising each group on
        its own was tried and scored 0.7 point lower across writers.)
        """
        counts = Counter(i for f in features if (i := self.index.get(f)) is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        values = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(values, values)))
        return idx, values / norm if norm else values

    def predict(self, features: Sequence[str]) -> Prediction:
        """Probabilities of every label for one message's features."""
        idx, values = self.vector(features)
        scores = self.bias + (values @ self.weights[idx] if len(idx) else 0.0)
        scores = scores - scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        order = np.argsort(-probs, kind="stable")
        return Prediction(tuple((self.labels[i], float(probs[i])) for i in order))

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> None:
        """Write the artefact (plain arrays, no pickle); the same inputs give the same bytes."""
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh,
                vocabulary=np.array(vocabulary, dtype=np.str_),
                idf=self.idf,
                # Half precision on disk (a linear model's ranking does not need more); float32 in memory.
                weights=self.weights.astype(np.float16),
                bias=self.bias,
                labels=np.array(self.labels, dtype=np.str_),
                meta=np.array(json.dumps(self.meta, sort_keys=True, ensure_ascii=False)),
            )

    @classmethod
    def load(cls, path: str | Path) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                vocabulary=data["vocabulary"].tolist(),
                idf=data["idf"],
                weights=data["weights"],
                bias=data["bias"],
                labels=data["labels"].tolist(),
                meta=json.loads(str(data["meta"])),
            )


@lru_cache(maxsize=4)
def load_model(path: str = "") -> IntentModel | None:
    """The process-wide model (loaded once); None when no artefact exists (rules only)."""
    target = Path(path) if path else DEFAULT_PATH
    if not target.exists():
        return None
    return IntentModel.load(target)
