"""Checks an LLM's reply before a patient sees it; any failure means the offline reply.

A reply passes only if it is non-empty Portuguese within the length limit, mentions no
price, phone number, link or doctor that is not in the clinic's data, and keeps every
date, time, price and booking code of the offline reply it rephrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..nlu.normalize import fold
from ..types import Catalog
from .facts import Fact

_MONEY = re.compile(
    r"R\$\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?|(\d+(?:[.,]\d{1,2})?)\s*reais\b", re.IGNORECASE
)
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
_URL = re.compile(
    r"https?://[^\s)>\]]+|www\.[^\s)>\]]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|br|net|org|io|app)(?:/[^\s)>\]]*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_DOCTOR = re.compile(
    r"\b(?:Dr|Dra|Doutor|Doutora)\.?\s+((?:[A-ZÀ-Ý][\w'-]+)(?:\s+(?:d[aeo]s?\s+)?[A-ZÀ-Ý][\w'-]+)*)"
)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{4,}\b")
_WORD = re.compile(r"[a-zà-ÿ]+")
_PT = frozenset(
    [
        "de",
        "que",
        "não",
        "nao",
        "para",
        "pra",
        "com",
        "você",
        "voce",
        "uma",
        "um",
        "os",
        "as",
        "é",
        "está",
        "esta",
        "na",
        "no",
        "da",
        "do",
        "em",
        "por",
        "seu",
        "sua",
        "temos",
        "pode",
    ]
)
_EN = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "is",
        "are",
        "to",
        "of",
        "for",
        "with",
        "please",
        "we",
        "our",
        "this",
        "that",
        "can",
        "will",
    ]
)


class ReplyRejected(Exception):
    """The LLM's reply failed a check; ``reason`` is a short code for logs and metrics."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _money_values(text: str) -> set[Decimal]:
    values = set()
    for m in _MONEY.finditer(text):
        try:
            if m.group(3):
                values.add(Decimal(m.group(3).replace(",", ".")))
            else:
                cents = m.group(2) or "0"
                values.add(Decimal(m.group(1).replace(".", "") + "." + cents))
        except InvalidOperation:
            continue
    return values


def _phone_tails(text: str) -> set[str]:
    """Last 8 digits of every phone-like run (DDD and country code are optional in chat)."""
    tails = set()
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 8:
            tails.add(digits[-8:])
    return tails


def _links(text: str) -> set[str]:
    found = {u.rstrip(".,;:!?").lower() for u in _URL.findall(text)}
    return found | {e.lower() for e in _EMAIL.findall(text)}


@dataclass(frozen=True)
class Grounding:
    """What a reply may mention: the clinic's prices, phones, links and doctors."""

    prices: frozenset[Decimal]
    phone_tails: frozenset[str]
    corpus: str  # every public clinic text, lower-case, for links
    doctor_names: tuple[frozenset[str], ...]  # each doctor's name words, folded


def grounding_for(catalog: Catalog, facts: Iterable[Fact]) -> Grounding:
    """Everything the clinic's own data says, to check a reply against."""
    texts = [f.text for f in facts]
    c = catalog.clinic
    texts += [c.phone, c.whatsapp, c.address, c.handoff_url, c.parking]
    corpus = "\n".join(texts)
    prices = {d.price for d in catalog.doctors if d.price} | {
        e.price for e in catalog.exams if e.price is not None
    }
    return Grounding(
        prices=frozenset(prices | _money_values(corpus)),
        phone_tails=frozenset(_phone_tails(corpus)),
        corpus=corpus.lower(),
        doctor_names=tuple(frozenset(fold(w) for w in d.bare_name.split()) for d in catalog.doctors),
    )


def _check_language(text: str) -> None:
    words = _WORD.findall(text.lower())
    pt = sum(w in _PT for w in words)
    en = sum(w in _EN for w in words)
    if en > pt or (len(words) >= 6 and pt == 0):
        raise ReplyRejected("language")


def _check_doctors(text: str, grounding: Grounding) -> None:
    for m in _DOCTOR.finditer(text):
        words = {fold(w) for w in m.group(1).split() if w.lower() not in {"de", "da", "do", "dos", "das"}}
        # "Dra. Ana" or "Dra. Ana Souza" are fine; any word of another name is invented.
        if not any(words <= name for name in grounding.doctor_names):
            raise ReplyRejected("unknown_doctor")


def _kept(needles: Iterable[str], text: str) -> bool:
    return all(n in text for n in needles)


def check_reply(candidate: str, *, offline_text: str, grounding: Grounding, max_chars: int) -> str:
    """Return the candidate (stripped) if it is safe to send; raise :class:`ReplyRejected`."""
    text = candidate.strip()
    if not text:
        raise ReplyRejected("empty")
    if len(text) > max_chars:
        raise ReplyRejected("too_long")
    _check_language(text)
    if not _money_values(text) <= grounding.prices | _money_values(offline_text):
        raise ReplyRejected("unknown_price")
    if not _phone_tails(text) <= grounding.phone_tails | _phone_tails(offline_text):
        raise ReplyRejected("unknown_phone")
    allowed_links = grounding.corpus + "\n" + offline_text.lower()
    if any(link not in allowed_links for link in _links(text)):
        raise ReplyRejected("unknown_link")
    _check_doctors(text, grounding)
    # A rephrasing must keep every date, time, price and code of the reply it replaces.
    if not _money_values(offline_text) <= _money_values(text):
        raise ReplyRejected("lost_price")
    for pattern, reason in ((_DATE, "lost_date"), (_TIME, "lost_time"), (_CODE, "lost_code")):
        if not _kept(pattern.findall(offline_text), text):
            raise ReplyRejected(reason)
    return text
