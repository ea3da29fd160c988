"""Measures how well a retriever finds the fact that answers a question (recall@k).

The questions come from the evaluation sets: every NLU case asking about a doctor,
specialty, insurance, exam, price, hours or location (the right facts follow from its
labelled entities), plus FAQ-like questions in patients' words (``tests/eval/llm_faq.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from clinicbot.engine.llm.facts import Fact, catalog_facts
from clinicbot.engine.llm.retrieval import Retriever
from clinicbot.engine.nlu.normalize import fold
from clinicbot.engine.types import Catalog


@dataclass(frozen=True)
class LabelledQuestion:
    text: str
    right: frozenset[tuple[str, str]]  # (kind, key) of every fact that answers it


def _nlu_questions(catalog: Catalog, path: Path) -> list[LabelledQuestion]:
    out = []
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
        intent, e = case["intent"], case.get("entities") or {}
        if not intent.startswith("ask_"):
            continue
        right: set[tuple[str, str]] = set()
        if "exam" in e:
            right.add(("exam", e["exam"]))
        if "doctor" in e:
            right.add(("doctor", e["doctor"]))
        if "insurance" in e and intent == "ask_insurance":
            right.add(("insurance", e["insurance"]))
        if "specialty" in e and not right:
            right.add(("specialty", e["specialty"]))
            right |= {("doctor", d.name) for d in catalog.doctors_of(e["specialty"])}
        if not right and intent == "ask_hours":
            right.add(("clinic", "hours"))
        if not right and intent == "ask_location":
            right |= {("clinic", "address"), ("clinic", "parking")}
            right |= {("faq", f.question) for f in catalog.faq}
        if right:
            out.append(LabelledQuestion(case["text"], frozenset(right)))
    return out


def _faq_questions(catalog: Catalog, path: Path) -> list[LabelledQuestion]:
    out = []
    for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
        right = {("faq", f.question) for f in catalog.faq if q["faq"] in fold(f.question)}
        if right:
            out.append(LabelledQuestion(q["text"], frozenset(right)))
    return out


def labelled_questions(catalog: Catalog, *, nlu: Path, faq: Path) -> dict[str, list[LabelledQuestion]]:
    """The entity questions of an NLU file and the FAQ questions that apply to this clinic."""
    return {"entity": _nlu_questions(catalog, nlu), "faq": _faq_questions(catalog, faq)}


def recall_at(questions: Sequence[LabelledQuestion], retriever: Retriever, k: int) -> float:
    """Share of questions with at least one right fact among the top ``k``."""
    if not questions:
        return 1.0
    hits = sum(1 for q in questions if any((f.kind, f.key) in q.right for f in retriever.top(q.text, k)))
    return hits / len(questions)


def measure(
    catalog: Catalog,
    questions: Sequence[LabelledQuestion],
    retrievers: dict[str, Callable[[Sequence[Fact]], Retriever]],
    ks: Sequence[int] = (1, 3, 5),
) -> dict[str, dict[int, float]]:
    """recall@k of each retriever on ``questions``."""
    facts = catalog_facts(catalog)
    return {
        name: {k: round(recall_at(questions, make(facts), k), 3) for k in ks}
        for name, make in retrievers.items()
    }
