"""The corpus and the shipped intent model stay in step."""

from __future__ import annotations

from collections import Counter

from clinicbot.conversations.nlu_training import CORPUS_DIR, corpus_digest, load_corpus
from clinicbot.engine.nlu.intents import INTENTS
from clinicbot.engine.nlu.model import load_model


def test_the_shipped_model_was_trained_on_the_corpus_as_it_is_now():
    model = load_model()
    assert model is not None
    assert model.meta["corpus_sha256"] == corpus_digest(CORPUS_DIR), (
        "the corpus changed since the model was trained: run `manage.py train_nlu` and commit the artefact"
    )


def test_the_corpus_is_large_varied_and_covers_every_intent():
    writers = load_corpus(CORPUS_DIR)
    cases = [c for _, cs in writers.values() for c in cs]
    assert len(writers) >= 5 and len(cases) >= 3000
    per_intent = Counter(c.intent for c in cases)
    assert set(per_intent) == set(INTENTS)
    assert min(per_intent.values()) >= 100
    # Writers share the short answers ("sim", "1", "oi"); beyond those the texts are their own.
    assert len({c.text for c in cases}) > 0.85 * len(cases)
