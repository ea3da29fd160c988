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

MIN_SCORE = 2.0
# A matched word must be this rare among the entries to count as evidence on its own.
MIN_EVIDENCE_IDF = 1.0
QUESTION_WEIGHT = 2

# Words patients use for the same thing; a message with one matches entries with any.
_SYNONYM_GROUPS = (
    ("wifi", "internet", "rede", "senha"),
    ("telemedicina", "teleconsulta", "online", "video", "videochamada", "remota", "distancia"),
    ("pix", "pagamento", "pagar", "cartao", "credito", "debito", "dinheiro", "parcelar", "parcela", "boleto"),
    ("acessibilidade", "cadeirante", "rampa", "elevador", "deficiente", "deficiencia", "mobilidade"),
    # "o que levar / trazer no dia?" asks for the documents to bring.
    ("documento", "documentos", "identidade", "rg", "cnh", "carteirinha", "cpf", "levar", "trazer"),
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
    ("retorno", "retornar", "voltar", "volta", "revisao"),
    ("cobrado", "cobrada", "cobra", "cobram", "cobrar", "paga", "pago", "gratis", "gratuito"),
)
_SPLIT_COMPOUNDS = re.compile(r"\b(wi)[\s\-]+(fi)\b", re.IGNORECASE)


# Words of any question that say nothing of its subject ("e se eu *precisar* voltar
# *depois*…"): matched in an answer they are noise, however rare they are among the entries.
_NO_SUBJECT = frozenset(
    tokenize(
        "precisar preciso precisa depois antes novo nova agora ainda tambem muito vez "
        "fazer faz fazem ter tem tenho poder pode posso podem ir vou vai querer quero queria "
        "saber sei gostaria voces vcs dia dias hoje amanha atender atende atendem"
    )
)


def _stems(text: str) -> list[str]:
    return [s for s in tokenize(_SPLIT_COMPOUNDS.sub(r"\1\2", text)) if s not in _NO_SUBJECT]


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

    def _expand(self, stems: list[str]) -> list[dict[str, float]]:
        """Per message word: its stem (weight 1) and its synonyms (weight 0.7)."""
        groups: list[dict[str, float]] = []
        for stem in dict.fromkeys(stems):
            group = dict.fromkeys(_SYNONYMS.get(stem, frozenset()), 0.7)
            group[stem] = 1.0
            groups.append(group)
        return groups

    def _score(self, doc: Counter[str], query: list[dict[str, float]]) -> tuple[float, float]:
        """BM25 (k1 1.2, b 0.75) and the rarest matched word's idf.

        A message word and its synonyms are one term (as search engines expand synonyms):
        their weighted counts add up *before* BM25's saturation, so "paga" finding "pix",
        "cartão" and "débito" in the payment entry is one word about paying, well matched —
        not five words.
        """
        length = sum(doc.values())
        score = best_idf = 0.0
        for group in query:
            tf = idf = 0.0
            for stem, weight in group.items():
                if count := doc.get(stem, 0):
                    tf += weight * count
                    idf = max(idf, self._idf[stem] * weight)
            if tf:
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / self._avg_len))
                best_idf = max(best_idf, idf)
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
