"""End to end under load: signed Meta webhooks in, replies out to a fake Graph API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/4 \
        python benchmarks/webhook_load.py [-k 100] [-m 20] [--think-s 2,6] [--json]

Everything runs on 127.0.0.1 and stops by itself: a ``bench_<pid>`` database on the
PostgreSQL server of ``DATABASE_URL`` (migrated, demo clinic imported, dropped at the
end), the Redis of ``REDIS_URL`` (keys and queue namespaced ``bench_<pid>``, deleted at the
end), gunicorn (gthread) and a Celery worker as real processes, a local HTTP server
playing Meta's Graph API that records every reply, and K patients writing at once. Each
patient sends its 20-message conversation (benchmarks/conversations.py) one message at a
time, the next only after the reply to the previous one arrived — at once (the default:
the service is saturated) or after ``--think-s`` seconds of reading and typing — so the
debounce window is set to 0 and every message is its own turn. The patients and the fake
Graph API share one asyncio loop (benchmarks/load_driver.py) to take little of the CPU.

Reports inbound msgs/s, p50/p99 time from webhook POST to the reply reaching the fake
Graph API, replies lost, replies duplicated, conversations in the wrong final state, and a
raw baseline run in the same process on the same database: the minimal durable work of a
turn through psycopg (benchmarks/raw_baseline.py), at the same concurrency and database
connection budget; ``ratio_to_raw`` = our msgs/s ÷ raw msgs/s; and the CPU each
component spent per message (benchmarks/cpu.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
import zoneinfo
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.conversations import Script, build_scripts  # noqa: E402
from benchmarks.cpu import cpu_ms_per_message, cpu_snapshot  # noqa: E402
from benchmarks.environment import bench_environment  # noqa: E402
from benchmarks.load_driver import EventLoopThread, GraphApi, Tally, Webhooks, drive  # noqa: E402
from benchmarks.measure import machine, percentile, print_report  # noqa: E402
from benchmarks.processes import ServiceProcesses, free_port  # noqa: E402

SECRET = "bench-app-secret"
PHONE_PREFIX = "5581977"
WARMUP_PREFIX = "5581944"


def _delivery_check(api: GraphApi, scripts: list[Script], tally: Tally) -> tuple[int, int]:
    """(lost, duplicated): each accepted message must get its reply, each stored reply must
    reach the gateway exactly once (compared as multisets of texts per phone)."""
    from clinicbot.conversations.models import ConversationMessage, Direction
    from clinicbot.testing.fake_gateway import sent_texts

    stored: dict[str, Counter[str]] = {s.phone: Counter() for s in scripts}
    for phone, content in ConversationMessage.objects.filter(
        session__phone__in=list(stored), direction=Direction.BOT
    ).values_list("session__phone", "content"):
        stored[phone][content] += 1
    lost = duplicated = 0
    for script in scripts:
        received = Counter(sent_texts(api.requests, script.phone))
        duplicated += sum((received - stored[script.phone]).values())
        delivered = sum((received & stored[script.phone]).values())
        # An accepted message without its reply, or a stored reply that never went out.
        lost += max(tally.sent[script.phone] - delivered, sum((stored[script.phone] - received).values()), 0)
    return lost, duplicated


def _raw_conversations(scripts: list[Script]) -> list[list[tuple[str, str]]]:
    """Each script's messages paired with the replies the assistant actually stored for them."""
    from clinicbot.conversations.models import ConversationMessage, Direction

    replies: dict[str, list[str]] = {}
    for phone, content in (
        ConversationMessage.objects.filter(
            session__phone__in=[s.phone for s in scripts], direction=Direction.BOT
        )
        .order_by("timestamp", "id")
        .values_list("session__phone", "content")
    ):
        replies.setdefault(phone, []).append(content)
    return [
        [
            (step.text, (replies.get(s.phone) or ["ok"])[n % len(replies.get(s.phone) or ["ok"])])
            for n, step in enumerate(s.steps)
        ]
        for s in scripts
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", "--patients", type=int, default=100, help="concurrent patients")
    parser.add_argument("-m", "--messages", type=int, default=20, help="messages per conversation")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=4, help="Celery pool size")
    parser.add_argument(
        "--worker-pool",
        default="prefork",
        choices=["prefork", "threads", "solo"],
        help="Celery pool (solo: --worker-concurrency separate single-process workers)",
    )
    parser.add_argument("--debounce-ms", type=int, default=0)
    parser.add_argument("--reply-timeout", type=float, default=30.0, help="seconds to wait for one reply")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole load run")
    parser.add_argument(
        "--think-s",
        default="0",
        help="seconds a patient reads and types before each message: MIN,MAX (uniform) or 0 "
        "(default: write again as soon as the reply arrives, i.e. saturate the service)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    low, _, high = args.think_s.partition(",")
    think_s = (float(low), float(high or low))
    connections = args.web_workers * args.web_threads + args.worker_concurrency
    with bench_environment(require_services=True) as env:
        from django.utils import timezone

        from benchmarks.raw_baseline import raw_turns_run
        from benchmarks.verify import wrong_final_states
        from clinicbot.clinics.snapshot import get_catalog
        from clinicbot.conversations.models import ConversationSession

        catalog = get_catalog()
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone)).date()
        scripts = build_scripts(
            catalog=catalog,
            today=today,
            count=args.patients,
            messages=args.messages,
            phone_prefix=PHONE_PREFIX,
        )
        run = uuid.uuid4().hex[:8]
        driver = EventLoopThread()
        api = GraphApi()
        driver.run(api.start())
        try:
            child_env = env.child_env(
                DEBUG="0",
                WHATSAPP_GATEWAY="meta",
                META_APP_SECRET=SECRET,
                META_VERIFY_TOKEN="bench",
                META_ACCESS_TOKEN="bench-token",
                META_PHONE_NUMBER_ID="PNID-1",
                META_GRAPH_URL=api.url,
                MESSAGE_DEBOUNCE_MS=str(args.debounce_ms),
                # As shipped (20 a minute) unless the conversations are longer than that.
                RATE_LIMIT_MESSAGES_PER_MINUTE=str(max(20, args.messages)),
                CELERY_TASK_ALWAYS_EAGER="0",
                CELERY_BROKER_URL=env.redis_url or "",
                SIMULATOR_ENABLED="0",
            )
            services = ServiceProcesses(child_env, env.var_dir)
            try:
                url = services.start_web(port=free_port(), workers=args.web_workers, threads=args.web_threads)
                services.start_workers(
                    queue=env.name,
                    concurrency=args.worker_concurrency,
                    pool=args.worker_pool,
                    loglevel=os.environ.get("BENCH_WORKER_LOG", "WARNING"),
                )
                hooks = Webhooks(url=url, secret=SECRET, run=run)
                # Warm-up, not measured: every web and worker process loads its code and the
                # clinic snapshot once, as a server that has been up for a while has.
                warmup = [
                    Script(phone=f"{WARMUP_PREFIX}{i:06d}", steps=scripts[0].steps[:1])
                    for i in range(2 * (args.web_workers + args.worker_concurrency))
                ]
                warm = Tally()
                driver.run(drive(warmup, hooks=hooks, api=api, tally=warm, reply_timeout=60, deadline=90))
                if warm.timeouts or warm.webhook_errors:
                    raise RuntimeError(f"the service did not answer the warm-up:\n{services.logs_tail()}")
                tally = Tally()
                cpu_before = cpu_snapshot(services.groups)
                driver.run(
                    drive(
                        scripts,
                        hooks=hooks,
                        api=api,
                        tally=tally,
                        reply_timeout=args.reply_timeout,
                        deadline=args.timeout,
                        think_s=think_s,
                    )
                )
                time.sleep(1.0)  # a duplicate send would arrive now
                cpu_after = cpu_snapshot(services.groups)
            finally:
                services.stop()
                if os.environ.get("BENCH_WORKER_LOG"):
                    sys.stderr.write(services.logs_tail(200) + "\n")
        finally:
            driver.run(api.stop())
            driver.close()
        lost, duplicated = _delivery_check(api, scripts, tally)
        lost = max(lost, tally.timeouts)
        wrong = wrong_final_states(scripts, timezone=catalog.clinic.timezone)
        answered = len(tally.latencies_ms)
        elapsed = (tally.last_reply - tally.first_post) if answered else 0.0
        raw_sessions = ConversationSession.objects.bulk_create(
            [
                ConversationSession(phone=f"raw{i:06d}", last_activity=timezone.now())
                for i in range(len(scripts))
            ]
        )
        raw = raw_turns_run(
            database_url=env.database_url or "",
            session_ids=[s.id for s in raw_sessions if s.id is not None],
            conversations=_raw_conversations(scripts),
            connections=connections,
            run_id=run,
        )
        msgs_per_s = answered / elapsed if elapsed else 0.0
        report = {
            "patients": args.patients,
            "messages": sum(tally.sent.values()),
            "msgs_per_s": round(msgs_per_s, 1),
            "webhook_to_reply_ms": {
                "p50": percentile(tally.latencies_ms, 50),
                "p99": percentile(tally.latencies_ms, 99),
            },
            "lost": lost,
            "duplicated": duplicated,
            "wrong_state": len(wrong),
            "raw_msgs_per_s": round(raw.msgs_per_s, 1),
            "ratio_to_raw": round(msgs_per_s / raw.msgs_per_s, 3) if raw.msgs_per_s else 0.0,
            "webhook_errors": tally.webhook_errors,
            "elapsed_s": round(elapsed, 2),
            # Where the CPU went during the measured run (includes the 1 s wait for duplicates).
            "cpu_ms_per_message": cpu_ms_per_message(cpu_before, cpu_after, sum(tally.sent.values())),
            "setup": {
                "web": f"gunicorn gthread {args.web_workers}x{args.web_threads}",
                "workers": f"celery {args.worker_pool} {args.worker_concurrency}",
                "raw_connections": connections,
                "debounce_ms": args.debounce_ms,
                "think_s": list(think_s),
            },
            "machine": machine(),
        }
    print_report(report, as_json=args.json)


if __name__ == "__main__":
    main()
