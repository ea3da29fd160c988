"""Turn throughput and latency of the real pipeline, in-process (no HTTP, no workers).

    python benchmarks/turns.py [-n 200] [-m 20] [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/4 \
        python benchmarks/turns.py --json

N patients each write an M-message conversation (benchmarks/conversations.py: questions,
a booking with date, time, name and confirmation, a cancellation or rescheduling), the
conversations interleaved message by message, through ``handle_inbound`` — session store,
clinic snapshot, engine, free slots, bookings, one transaction per turn. Runs on the
embedded default (SQLite file + local memory), or on PostgreSQL + Redis when
``DATABASE_URL`` / ``REDIS_URL`` are set (a ``bench_<pid>`` database is created and
dropped). The same run is then repeated with the cache disabled (Django's DummyCache).

Reports turns/s, p50/p99 turn latency, database queries per turn (SQL statements seen by
Django's query capture; BEGIN/COMMIT of the turn's transaction not counted, as only SQLite
logs them) on the cache-hit and cache-miss paths, the cache hit ratio (every
lookup through the fail-safe cache: sessions and the clinic snapshot version), and the
conversations that did not end where their script says (must be 0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zoneinfo
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.conversations import Script, build_scripts  # noqa: E402
from benchmarks.environment import bench_environment  # noqa: E402
from benchmarks.measure import machine, percentile, print_report  # noqa: E402

PHONE_PREFIX = "5581966"


def _run(scripts: list[Script]) -> dict[str, Any]:
    """Send every script's messages, interleaved across patients; measure each turn."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clinicbot.conversations.pipeline import InboundText, handle_inbound
    from clinicbot.core import cache as safe_cache

    latencies: list[float] = []
    queries: dict[str, list[int]] = {"cache_hit": [], "cache_miss": []}
    off_script = 0
    start_stats = safe_cache.stats()
    started = time.perf_counter()
    for i in range(max(len(s.steps) for s in scripts)):
        for script in scripts:
            if i >= len(script.steps):
                continue
            step = script.steps[i]
            misses = safe_cache.stats()["misses"]
            # The capture reads a bounded log (9,000 entries): empty it so counts stay exact.
            connection.queries_log.clear()
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                outcome = handle_inbound(InboundText(phone=script.phone, text=step.text))
            latencies.append((time.perf_counter() - t0) * 1000)
            path = "cache_miss" if safe_cache.stats()["misses"] > misses else "cache_hit"
            queries[path].append(_statements(captured.captured_queries))
            off_script += outcome.result.state.state != step.state or len(outcome.replies) != 1
    elapsed = time.perf_counter() - started
    end_stats = safe_cache.stats()
    hits = end_stats["hits"] - start_stats["hits"]
    lookups = hits + end_stats["misses"] - start_stats["misses"]
    return {
        "turns": len(latencies),
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
        "queries": queries,
        "cache_hit_ratio": round(hits / lookups, 4) if lookups else 0.0,
        "off_script_turns": off_script,
    }


# Transaction control is not a query, and only the SQLite backend logs it; counting data
# statements only keeps the figures comparable across databases (a turn is one transaction).
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _statements(captured: list[dict[str, Any]]) -> int:
    return sum(1 for q in captured if not q["sql"].lstrip().upper().startswith(_TRANSACTION_CONTROL))


def _mean(values: list[int]) -> float | None:
    return round(statistics.mean(values), 2) if values else None


def _reset() -> None:
    """Forget every conversation and appointment, every cache and memo: a fresh start."""
    from django.core.cache import cache

    from clinicbot.clinics import snapshot
    from clinicbot.conversations import pipeline
    from clinicbot.conversations.models import ConversationMessage, ConversationSession
    from clinicbot.scheduling.models import Appointment

    ConversationMessage.objects.all().delete()
    Appointment.objects.all().delete()
    ConversationSession.objects.all().delete()
    cache.clear()
    snapshot.forget_process_memo()
    pipeline.forget_process_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--conversations", type=int, default=200)
    parser.add_argument("-m", "--messages", type=int, default=20, help="messages per conversation")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with bench_environment():
        from django.conf import settings
        from django.db import connection
        from django.test.utils import override_settings
        from django.utils import timezone

        from benchmarks.verify import wrong_final_states
        from clinicbot.clinics.snapshot import get_catalog

        catalog = get_catalog()
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone)).date()
        scripts = build_scripts(
            catalog=catalog,
            today=today,
            count=args.conversations,
            messages=args.messages,
            phone_prefix=PHONE_PREFIX,
        )
        _reset()
        cached = _run(scripts)
        wrong = wrong_final_states(scripts, timezone=catalog.clinic.timezone)
        _reset()
        with override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        ):
            uncached = _run(scripts)
            wrong_uncached = wrong_final_states(scripts, timezone=catalog.clinic.timezone)
        all_uncached = uncached["queries"]["cache_hit"] + uncached["queries"]["cache_miss"]
        report = {
            "turns": cached["turns"],
            "conversations": args.conversations,
            "messages": args.messages,
            "turns_per_s": cached["turns_per_s"],
            "latency_ms": cached["latency_ms"],
            "queries_per_turn": {k: _mean(v) for k, v in cached["queries"].items()},
            "cache_hit_ratio": cached["cache_hit_ratio"],
            "no_cache": {
                "turns_per_s": uncached["turns_per_s"],
                "latency_ms": uncached["latency_ms"],
                "queries_per_turn": _mean(all_uncached),
            },
            "database": connection.vendor,
            "cache": "redis" if "redis" in settings.CACHES["default"]["BACKEND"] else "locmem",
            "wrong_state": len(wrong) + len(wrong_uncached),
            "off_script_turns": cached["off_script_turns"] + uncached["off_script_turns"],
            "machine": machine(),
        }
    print_report(report, as_json=args.json)


if __name__ == "__main__":
    main()
