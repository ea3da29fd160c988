"""Answering the clinic's own questions offline: BM25 over its FAQ, questions *and* answers.

A patient rarely asks with the FAQ's words: "tem wifi?" for "Há internet para pacientes?",
"dá pra pagar no cartão?" for "Quais formas de pagamento…". So every entry is indexed by
its question (counted twice: it says what the entry is about) and its answer (which holds
the words people use: "Pix", "crédito", "rampa"), with Portuguese stems and a few groups of
words that mean the same thing to a patient. The clinic's phone numbers are one more
entry, built from its data.

Below :data:`MIN_SCORE`, or when the best entry shares only common words with the message,
nothing is returned: an honest "não sei" beats an unrelated answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from ..nlu.stems import tokenize
from ..types import Catalog, FaqItem

MIN_SCORE = 3.0
# A matched word must be this rare among the entries to count as evidence on its own.
MIN_EVIDENCE_IDF = 1.0
QUESTION_WEIGHT = 2

# Words patients use for the same thing; a message with one matches entries with any.
_SYNONYM_GROUPS = (
    ("wifi", "internet", "rede", "senha"),
    ("telemedicina", "teleconsulta", "online", "video", "videochamada", "remota", "distancia"),
    ("pix", "pagamento", "pagar", "cartao", "credito", "debito", "dinheiro", "parcelar", "parcela", "boleto"),
    ("acessibilidade", "cadeirante", "rampa", "elevador", "deficiente", "deficiencia", "mobilidade"),
    ("documento", "documentos", "identidade", "rg", "cnh", "carteirinha", "cpf"),
    ("resultado", "resultados", "laudo", "laudos"),
    ("atraso", "atrasar", "atrasada", "atrasado", "tolerancia"),
    ("acompanhante", "acompanhar", "junto"),
    ("reembolso", "recibo", "nota", "fiscal"),
    ("crianca", "criancas", "infantil", "kids", "brinquedoteca"),
    ("telefone", "numero", "contato", "ligar", "fixo"),
    ("cachorro", "cao", "animal", "pet", "gato"),
    ("lanche", "lanchonete", "cafe", "comer"),
    ("domiciliar", "casa", "domicilio"),
    ("receita", "receitas", "prescricao"),
)
_SPLIT_COMPOUNDS = re.compile(r"\b(wi)[\s\-]+(fi)\b", re.IGNORECASE)


def _stems(text: str) -> list[str]:
    return tokenize(_SPLIT_COMPOUNDS.sub(r"\1\2", text))


_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    _stemmed = frozenset(s for word in _group for s in _stems(word))
    for _stem in _stemmed:
        _SYNONYMS[_stem] = _SYNONYMS.get(_stem, frozenset()) | _stemmed


@dataclass(frozen=True)
class FaqMatch:
    item: FaqItem
    score: float


def contact_entry(catalog: Catalog) -> FaqItem | None:
    """The clinic's phone and WhatsApp as one more answerable question."""
    c = catalog.clinic
    parts = []
    if c.phone:
        parts.append(f"telefone {c.phone}")
    if c.whatsapp:
        parts.append(f"WhatsApp {c.whatsapp}")
    if not parts:
        return None
    return FaqItem(
        "Qual o telefone, número de contato ou WhatsApp da clínica?",
        f"Nosso contato: {' e '.join(parts)}.",
    )


class FaqIndex:
    """The clinic's FAQ ready to be searched (built once per clinic snapshot)."""

    def __init__(self, catalog: Catalog) -> None:
        items = list(catalog.faq)
        contact = contact_entry(catalog)
        if contact is not None:
            items.append(contact)
        self.items = items
        self._docs = [Counter(_stems(i.question) * QUESTION_WEIGHT + _stems(i.answer)) for i in items]
        df: Counter[str] = Counter(stem for doc in self._docs for stem in doc)
        n = len(items)
        self._idf = {stem: math.log(1 + n / count) for stem, count in df.items()}
        self._avg_len = sum(sum(d.values()) for d in self._docs) / n if n else 0.0

    def _expand(self, stems: list[str]) -> dict[str, float]:
        """The message's stems (weight 1) and their synonyms (weight 0.7)."""
        weights: dict[str, float] = {}
        for stem in stems:
            weights[stem] = 1.0
            for synonym in _SYNONYMS.get(stem, frozenset()):
                weights.setdefault(synonym, 0.7)
        return weights

    def _score(self, doc: Counter[str], query: dict[str, float]) -> tuple[float, float]:
        """BM25 (k1 1.2, b 0.75) and the rarest matched word's idf."""
        length = sum(doc.values())
        score = best_idf = 0.0
        for stem, weight in query.items():
            tf = doc.get(stem, 0)
            if not tf:
                continue
            idf = self._idf[stem]
            norm = tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / self._avg_len))
            score += weight * idf * norm
            best_idf = max(best_idf, idf * weight)
        return score, best_idf

    def search(self, text: str) -> FaqMatch | None:
        """The entry that answers ``text``, or None when none clearly does."""
        stems = _stems(text)
        if not stems or not self.items:
            return None
        query = self._expand(stems)
        scored = [(self._score(doc, query), i) for i, doc in enumerate(self._docs)]
        (score, evidence), best = max(scored, key=lambda s: (s[0][0], -s[1]))
        if score < MIN_SCORE or evidence < MIN_EVIDENCE_IDF:
            return None
        return FaqMatch(self.items[best], score)


_memo: tuple[Catalog, FaqIndex] | None = None


def faq_index(catalog: Catalog) -> FaqIndex:
    """The index of this snapshot (rebuilt only when the snapshot changes)."""
    global _memo
    if _memo is None or _memo[0] is not catalog:
        _memo = (catalog, FaqIndex(catalog))
    return _memo[1]
