"""What the learned intent model costs a process: load time, resident memory, time per message.

    python benchmarks/nlu_model.py [--json]

Measured in a fresh interpreter (this script), in the order a web or worker process pays
it: the engine's NLU imported first (NumPy comes with it), then the artefact loaded once,
then messages of the corpus read through the full NLU (rules + model) and through the
rules alone, side by side. Resident memory is the process's RSS from /proc (current, not
peak), before and after loading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import machine, percentile, print_report  # noqa: E402


def rss_mb() -> float:
    """The process's current resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
    import django

    django.setup()
    from clinicbot.clinics.clinic_file import catalog_from_file, load_clinic_file
    from clinicbot.conversations.nlu_training import CORPUS_DIR, load_corpus
    from clinicbot.engine.nlu.detect import Understanding
    from clinicbot.engine.nlu.model import DEFAULT_PATH, IntentModel

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    model = IntentModel.load(DEFAULT_PATH)
    load_s = time.perf_counter() - started
    gc.collect()
    after = rss_mb()

    writers = load_corpus(CORPUS_DIR)
    cases = [c for _, cs in writers.values() for c in cs][: args.messages]
    clinic = sorted(CORPUS_DIR.glob("*/clinic.yaml"))[0]
    catalog = catalog_from_file(load_clinic_file(clinic))
    with_model = Understanding(catalog, model=model)
    rules_only = Understanding(catalog, model=None)
    today = dt.date(2027, 3, 2)
    timings: dict[str, list[float]] = {"rules_and_model": [], "rules_only": []}
    for case in cases:
        for name, nlu in (("rules_and_model", with_model), ("rules_only", rules_only)):
            started = time.perf_counter()
            nlu.detect(case.text, state="idle", today=today)
            timings[name].append((time.perf_counter() - started) * 1000)
    report = {
        "machine": machine(),
        "artefact_mb": round(DEFAULT_PATH.stat().st_size / 2**20, 2),
        "features": len(model.index),
        "labels": len(model.labels),
        "load_seconds": round(load_s, 3),
        "rss_added_mb": round(after - before, 1),
        "messages": len(cases),
        "detect_ms": {
            name: {"p50": percentile(values, 50), "p99": percentile(values, 99)}
            for name, values in timings.items()
        },
    }
    print_report(report, as_json=args.json)


if __name__ == "__main__":
    main()
