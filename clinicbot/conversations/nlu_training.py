"""Training the learned intent model from the corpus (behind ``manage.py train_nlu``).

The corpus is a folder per writer: ``clinic.yaml`` (the clinic the writer had in mind,
in the import format) and one or more ``*.yaml`` files of labelled messages. Each message
is read by the production NLU *of its own clinic*, so the masks ("ESPECIALIDADE",
"MEDICO"…) fall where they would in production, then turned into the model's features.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from clinicbot.clinics.clinic_file import catalog_from_file, load_clinic_file
from clinicbot.engine.nlu.combine import combine
from clinicbot.engine.nlu.detect import Understanding, state_group
from clinicbot.engine.nlu.model import IntentModel, intent_of
from clinicbot.engine.nlu.training import (
    DEFAULT_SEED,
    READ_STATE,
    Case,
    Example,
    augmentations,
    cases_from,
    fit,
)

CORPUS_DIR = Path(__file__).resolve().parent.parent / "engine" / "nlu" / "corpus"
READ_DAY = dt.date(2027, 3, 2)  # dates only need to be recognised, not resolved
AUGMENTED_COPIES = 2
AUGMENTED_WEIGHT = 0.5


def corpus_digest(corpus: str | Path) -> str:
    """A SHA-256 over every corpus file (names and bytes): the artefact records the corpus it came from."""
    digest = hashlib.sha256()
    root = Path(corpus)
    for path in sorted(root.glob("*/*.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_corpus(corpus: str | Path) -> dict[str, tuple[Understanding, list[Case]]]:
    """Every writer's rules-only NLU (for its clinic) and cases, by writer folder name."""
    out: dict[str, tuple[Understanding, list[Case]]] = {}
    for folder in sorted(p for p in Path(corpus).iterdir() if p.is_dir()):
        clinic = folder / "clinic.yaml"
        if not clinic.exists():
            continue
        understanding = Understanding(catalog_from_file(load_clinic_file(clinic)), model=None)
        cases: list[Case] = []
        for path in sorted(folder.glob("*.yaml")):
            if path.name == "clinic.yaml":
                continue
            with open(path, encoding="utf-8") as fh:
                cases += cases_from(yaml.safe_load(fh) or {}, f"{folder.name}/{path.name}")
        out[folder.name] = (understanding, cases)
    return out


def case_features(understanding: Understanding, text: str, state: str) -> list[str]:
    """The model's features of one message in one contract situation."""
    return understanding.model_features(text, state=READ_STATE[state], today=READ_DAY)


def examples_for(understanding: Understanding, cases: list[Case], *, augment: bool) -> list[Example]:
    """Training examples of one writer: every case, plus noisy copies at half weight."""
    examples: list[Example] = []
    for case in cases:
        examples.append(Example(tuple(case_features(understanding, case.text, case.state)), case.label))
        if augment:
            for variant in augmentations(case.text, AUGMENTED_COPIES, DEFAULT_SEED):
                feats = tuple(case_features(understanding, variant, case.state))
                examples.append(Example(feats, case.label, AUGMENTED_WEIGHT))
    return examples


def intent_accuracy(
    model: IntentModel, understanding: Understanding, cases: list[Case]
) -> tuple[float, Counter[str]]:
    """Accuracy of the combined reading (model + rules) on cases, and the confusions."""
    confusions: Counter[str] = Counter()
    right = 0
    for case in cases:
        internal = READ_STATE[case.state]
        r = understanding.read(case.text, state=internal, today=READ_DAY, now_time=None)
        rule_intent, rule_conf = understanding._intent(r, internal)
        group = state_group(internal)
        prediction = model.predict(understanding.features(r, case.text, group, rule_intent))
        idle = (
            None
            if group == "idle"
            else model.predict(understanding.features(r, case.text, "idle", rule_intent))
        )
        intent, _, _ = combine(
            prediction,
            rule_intent,
            rule_conf,
            group,
            rule_emergency=understanding._rule_emergency(r),
            as_if_idle=idle,
        )
        if intent == case.intent:
            right += 1
        else:
            confusions[f"{case.intent} -> {intent}"] += 1
    return right / max(1, len(cases)), confusions


def train_from_corpus(*, corpus: str | Path, output: str | Path, cross_validate: bool = False) -> list[str]:
    """Train on the whole corpus, write the artefact; return the report's lines."""
    writers = load_corpus(corpus)
    examples = {name: examples_for(u, cases, augment=True) for name, (u, cases) in writers.items()}
    report: list[str] = []
    labels: Counter[str] = Counter(c.label for _, cases in writers.values() for c in cases)
    report.append(f"corpus: {sum(labels.values())} cases from {len(writers)} writers, {len(labels)} labels")
    if cross_validate:
        total: dict[str, float] = defaultdict(float)
        for held_out, (understanding, cases) in writers.items():
            train = [ex for name, exs in examples.items() if name != held_out for ex in exs]
            model = fit(train)
            accuracy, confusions = intent_accuracy(model, understanding, cases)
            total["right"] += accuracy * len(cases)
            total["cases"] += len(cases)
            worst = ", ".join(f"{k} {v}" for k, v in confusions.most_common(6))
            report.append(f"held out {held_out}: intent accuracy {accuracy:.3f} on {len(cases)} ({worst})")
        report.append(f"cross-writer intent accuracy: {total['right'] / max(1, total['cases']):.3f}")
    everything = [ex for name in sorted(examples) for ex in examples[name]]
    meta = {"writers": sorted(writers), "cases": sum(labels.values()), "corpus_sha256": corpus_digest(corpus)}
    model = fit(everything, meta=meta)
    model.save(output)
    intents = Counter(intent_of(label) for label in labels.elements())
    report.append("per intent: " + ", ".join(f"{k} {v}" for k, v in sorted(intents.items())))
    report.append(f"model: {len(model.index)} features x {len(model.labels)} labels -> {output}")
    return report
