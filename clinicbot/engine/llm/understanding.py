"""Checking an LLM's reading of a message before the dialogue may use it.

The LLM is asked only when the offline NLU is unsure; whatever it answers is untrusted
text. A reading is kept only if its intent is one of the contract's labels and every
entity names something the clinic really has (canonical names, as in the catalog), or is a
well-formed date, time or period. What fails is dropped, never "corrected".
"""

from __future__ import annotations

import datetime as dt
import json
import re

from ..nlu.intents import INTENTS
from ..nlu.normalize import fold
from ..ports import LlmReading
from ..types import Catalog

PERIODS = frozenset({"morning", "afternoon", "evening"})
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_ANSWER_CHARS = 4000  # a reading is ~300 characters; anything far longer is not one


def reading_from_json(text: str) -> LlmReading | None:
    """A model's JSON answer as an (unchecked) reading, or None when it is not one.

    Tolerates what servers without structured output wrap around the object (a code
    fence, a sentence before it); prose, broken JSON or a missing intent give None. Null,
    empty and non-text entity values are left out.
    """
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or end - start > MAX_ANSWER_CHARS:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("intent"), str):
        return None
    raw = data.get("entities")
    entities = {
        str(key): str(value).strip()
        for key, value in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip()
    }
    return LlmReading(data["intent"].strip(), entities)


def _canonical(value: str, names: list[str]) -> str | None:
    wanted = fold(value)
    return next((n for n in names if fold(n) == wanted), None)


def validated(reading: LlmReading | None, catalog: Catalog, today: dt.date) -> LlmReading | None:
    """The reading with only what checks out, or None when its intent is not a contract label."""
    if reading is None or reading.intent not in INTENTS:
        return None
    names = {
        "specialty": [s.name for s in catalog.specialties],
        "doctor": [d.name for d in catalog.doctors],
        "insurance": [i.name for i in catalog.insurances],
        "exam": [e.name for e in catalog.exams],
    }
    kept: dict[str, str] = {}
    for key, raw in reading.entities.items():
        value = str(raw).strip()
        if key in names:
            if canonical := _canonical(value, names[key]):
                kept[key] = canonical
        elif key == "date":
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                continue
            if today <= day <= today + dt.timedelta(days=366):
                kept[key] = day.isoformat()
        elif (
            key == "time"
            and _TIME.match(value)
            or key == "period"
            and value in PERIODS
            or key == "patient_name"
            and 2 <= len(value) <= 80
            and not any(ch.isdigit() for ch in value)
        ):
            kept[key] = value
    return LlmReading(reading.intent, kept)
