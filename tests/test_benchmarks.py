"""The benchmarks keep working: each runs at a tiny size as a real subprocess.

They create and drop their own database (a SQLite file, or ``bench_<pid>`` on the
PostgreSQL server of ``DATABASE_URL``), so no pytest-django database is involved.
``webhook_load`` starts gunicorn and Celery and therefore needs PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.conversations import build_scripts, final_expectation, free_slots
from clinicbot.engine.types import Catalog, ClinicInfo, DoctorInfo, NamedItem, TimeRange

ROOT = Path(__file__).resolve().parent.parent
SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(os.environ.get("REDIS_URL"))


def run_benchmark(script: str, *args: str, services: bool) -> dict[str, object]:
    env = dict(os.environ)
    if not services:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_turns_benchmark_reports_every_figure_and_its_conversations_end_as_scripted():
    report = run_benchmark("turns.py", "-n", "3", "-m", "12", services=False)
    assert report["turns"] == 36
    assert set(report["latency_ms"]) == {"p50", "p99"}
    assert set(report["queries_per_turn"]) == {"cache_hit", "cache_miss"}
    assert report["queries_per_turn"]["cache_hit"] >= 2  # at least the inbound/reply insert and the session
    assert 0 < report["cache_hit_ratio"] <= 1
    assert set(report["no_cache"]) == {"turns_per_s", "latency_ms", "queries_per_turn"}
    assert report["no_cache"]["queries_per_turn"] > report["queries_per_turn"]["cache_hit"]
    assert (report["database"], report["cache"]) == ("sqlite", "locmem")
    assert report["wrong_state"] == 0 and report["off_script_turns"] == 0


@pytest.mark.skipif(not SERVICES, reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
def test_turns_benchmark_runs_on_postgresql_and_redis():
    report = run_benchmark("turns.py", "-n", "2", "-m", "6", services=True)
    assert (report["database"], report["cache"]) == ("postgresql", "redis")
    assert report["turns"] == 12 and report["wrong_state"] == 0


@pytest.mark.skipif(not SERVICES, reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
def test_webhook_load_answers_every_message_once_and_reports_the_raw_ratio():
    report = run_benchmark(
        "webhook_load.py",
        "-k",
        "5",
        "-m",
        "4",
        "--web-workers",
        "1",
        "--worker-concurrency",
        "2",
        "--think-s",
        "0.01,0.05",
        services=True,
    )
    assert report["patients"] == 5 and report["messages"] == 20
    assert (report["lost"], report["duplicated"], report["wrong_state"]) == (0, 0, 0)
    assert set(report["webhook_to_reply_ms"]) == {"p50", "p99"}
    assert report["msgs_per_s"] > 0 and report["raw_msgs_per_s"] > 0
    assert report["ratio_to_raw"] == pytest.approx(report["msgs_per_s"] / report["raw_msgs_per_s"], rel=0.05)
    cpu = report["cpu_ms_per_message"]
    assert cpu["gunicorn"] > 0 and cpu["celery"] > 0 and cpu["loadgen"] > 0  # type: ignore[index]
    assert cpu["total"] == pytest.approx(sum(v for k, v in cpu.items() if k != "total"), abs=0.1)  # type: ignore[union-attr]


def test_cpu_snapshot_counts_a_process_group_and_the_benchmark_itself():
    from benchmarks.cpu import cpu_ms_per_message, cpu_snapshot

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", burn], start_new_session=True)

    def child_seconds() -> float:
        return sum(
            seconds
            for component, seconds in cpu_snapshot({child.pid: "child"}).values()
            if component == "child"
        )

    try:
        before = cpu_snapshot({child.pid: "child"})
        at_start = child_seconds()
        started = time.process_time()
        while time.process_time() - started < 0.2:  # the benchmark's own work
            pass
        deadline = time.monotonic() + 20
        while child_seconds() - at_start < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        spent = cpu_ms_per_message(before, cpu_snapshot({child.pid: "child"}), messages=2)
    finally:
        child.kill()
        child.wait()
    assert spent["child"] >= 100  # ≥ 0.25 s over 2 messages (the start-up's import may add)
    assert spent["loadgen"] >= 90  # 0.2 s of this process over 2 messages
    assert spent["total"] >= spent["child"] + spent["loadgen"]


def _tiny_catalog() -> Catalog:
    mornings = (TimeRange(dt.time(8), dt.time(10)),)
    doctors = tuple(
        DoctorInfo(
            id=i,
            name=f"Dr. Medico {i}",
            specialties=("Cardiologia",),
            insurances=("Unimed",),
            price=0,  # type: ignore[arg-type]
            slot_minutes=30,
            schedule={0: mornings, 2: mornings},
        )
        for i in (1, 2)
    )
    return Catalog(
        clinic=ClinicInfo(name="C", booking_horizon_days=30),
        specialties=(NamedItem("Cardiologia"),),
        insurances=(NamedItem("Unimed"),),
        doctors=doctors,
        holidays=frozenset({dt.date(2026, 6, 10)}),
    )


def test_scripts_never_share_a_slot_and_skip_holidays_and_the_next_two_days():
    catalog = _tiny_catalog()
    today = dt.date(2026, 6, 1)  # a Monday
    slots = list(free_slots(catalog, today=today, rng=random.Random(1)))
    assert all(s.day >= today + dt.timedelta(days=2) and s.day != dt.date(2026, 6, 10) for s in slots)
    scripts = build_scripts(catalog=catalog, today=today, count=6, messages=20, phone_prefix="55")
    booked = [(st.book.doctor.id, st.book.day, st.book.time) for s in scripts for st in s.steps if st.book]
    assert len(booked) == len(set(booked)) == 12
    assert all(len(s.steps) == 20 for s in scripts)


def test_final_expectation_follows_bookings_cancellations_and_a_short_prefix():
    scripts = build_scripts(
        catalog=_tiny_catalog(), today=dt.date(2026, 6, 1), count=3, messages=20, phone_prefix="55"
    )
    cancel_and_rebook, reschedule = scripts[0], scripts[2]
    assert len(final_expectation(cancel_and_rebook).active) == 1
    (moved,) = final_expectation(reschedule).active
    first = next(st.book for st in reschedule.steps if st.book)
    assert moved[0] == first.doctor.id and moved[1:] != (first.day, first.time)
    short = build_scripts(
        catalog=_tiny_catalog(), today=dt.date(2026, 6, 1), count=1, messages=4, phone_prefix="55"
    )
    assert final_expectation(short[0]).active == frozenset()


def test_nlu_model_benchmark_reports_its_cost_to_a_process():
    report = run_benchmark("nlu_model.py", "--messages", "40", services=False)
    assert report["messages"] == 40 and report["features"] > 10_000
    assert report["load_seconds"] > 0 and report["rss_added_mb"] > 0
    assert set(report["detect_ms"]) == {"rules_and_model", "rules_only"}
