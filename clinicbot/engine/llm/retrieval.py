"""Pick the few clinic facts relevant to a message instead of sending the whole clinic.

Two rankers share one tokenizer (the NLU's normal form, Portuguese stopwords removed,
Snowball stems so "estacionar" finds "estacionamento"):

* :class:`Bm25Retriever` — Okapi BM25 (``rank-bm25``): rare words weigh more, long
  facts are not favoured. The one the assistant uses.
* :class:`OverlapRetriever` — the baseline: number of shared stems.

``benchmarks/llm_retrieval.py`` measures both (recall@k of the right fact) on the
evaluation sets; the figures are in the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rank_bm25 import BM25Okapi

from ..nlu.stems import STOPWORDS, tokenize
from .facts import Fact

__all__ = ["STOPWORDS", "Bm25Retriever", "OverlapRetriever", "Retriever", "tokenize"]


class Retriever(Protocol):
    def top(self, query: str, k: int) -> list[Fact]:
        """The ``k`` best facts for ``query``, best first; only facts sharing a word."""
        ...


class Bm25Retriever:
    """Okapi BM25 over the facts' texts."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        self.facts = list(facts)
        self._docs = [tokenize(f.text) for f in self.facts]
        self._bm25 = BM25Okapi(self._docs) if self.facts else None

    def top(self, query: str, k: int) -> list[Fact]:
        words = tokenize(query)
        if not words or self._bm25 is None or k <= 0:
            return []
        scores = self._bm25.get_scores(words)
        wanted = set(words)
        # A fact sharing no word with the message is never relevant, whatever BM25's
        # idf floor gives it on a tiny corpus.
        ranked = sorted(
            (i for i, doc in enumerate(self._docs) if wanted & set(doc)),
            key=lambda i: (-float(scores[i]), i),
        )
        return [self.facts[i] for i in ranked[:k]]


class OverlapRetriever:
    """Baseline: facts ranked by the number of distinct stems they share with the message."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        self.facts = list(facts)
        self._docs = [set(tokenize(f.text)) for f in self.facts]

    def top(self, query: str, k: int) -> list[Fact]:
        words = set(tokenize(query))
        scored = [(len(words & doc), i) for i, doc in enumerate(self._docs)]
        ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
        return [self.facts[i] for _, i in ranked[:k]]
