"""BM25 finds the right clinic fact for the evaluation questions, better than word overlap."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.llm.retrieval import Bm25Retriever, OverlapRetriever
from clinicbot.llm.retrieval_quality import labelled_questions, measure
from clinicbot.testing import load_clinic

BASE = Path(settings.BASE_DIR)
SHARED = BASE.parent / "shared" / "eval"
SETS = [
    (BASE / "tests/eval/clinic_alt.yaml", BASE / "tests/eval/nlu_alt.yaml"),
    (BASE / "tests/eval/clinic_alt2.yaml", BASE / "tests/eval/nlu_alt2.yaml"),
]
if (SHARED / "clinic_dev.yaml").exists():
    SETS.append((SHARED / "clinic_dev.yaml", SHARED / "nlu_dev.yaml"))


@pytest.mark.django_db
@pytest.mark.parametrize(("clinic", "nlu"), SETS, ids=lambda p: Path(p).stem)
def test_bm25_recall_at_3_on_the_evaluation_questions(clinic, nlu):
    load_clinic(clinic)
    catalog = get_catalog()
    questions = labelled_questions(catalog, nlu=nlu, faq=BASE / "tests/eval/llm_faq.yaml")
    for kind, cases in questions.items():
        assert len(cases) >= 10, kind
        recall = measure(catalog, cases, {"bm25": Bm25Retriever, "overlap": OverlapRetriever}, ks=(3, 5))
        assert recall["bm25"][3] >= 0.8, (kind, recall)
        assert recall["bm25"][3] >= recall["overlap"][3], (kind, recall)
