"""Webhook acknowledgement latency: signed Meta webhooks through Django, store + enqueue.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python benchmarks/webhook_latency.py [-n 500] [--json]

Runs in-process (Django's test client, no HTTP server), against the configured database
and broker, with processing left to workers (nothing is answered here). Reports p50/p99
of the time from request to 200 and the database queries per webhook. The database must
be migrated; the conversations it creates use phones 5500000xxxxxx.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
os.environ.setdefault("WHATSAPP_GATEWAY", "meta")
for name, value in {
    "META_APP_SECRET": "bench",
    "META_VERIFY_TOKEN": "v",
    "META_ACCESS_TOKEN": "t",
    "META_PHONE_NUMBER_ID": "1",
}.items():
    os.environ.setdefault(name, value)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from clinicbot.testing.fake_gateway import meta_signature, meta_text_webhook  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    client = Client()
    run = int(time.time())
    timings, queries = [], []
    for i in range(args.n):
        body = json.dumps(
            meta_text_webhook(
                phone=f"55000{i % 100:08d}", text="oi", message_id=f"wamid.bench.{run}.{i}", timestamp=run
            )
        ).encode()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/webhooks/meta/",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=meta_signature(body, os.environ["META_APP_SECRET"]),
            )
        timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
        assert response.status_code == 200, response.content
    timings.sort()
    report = {
        "webhooks": args.n,
        "database": connection.vendor,
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 2),
        "queries_per_webhook": round(statistics.mean(queries), 2),
    }
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
