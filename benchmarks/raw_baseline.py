"""The floor under a turn: its minimal durable work, straight through psycopg.

One turn = one transaction: insert the inbound message, insert the reply, update the
session — on the service's own tables (same indexes and constraints), with the same
durability settings. ``patients`` threads each run their conversation's turns one after
another, sharing ``connections`` database connections (the connection budget of the
service under test), so both sides run at the same concurrency.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass

import psycopg

INSERT = """
INSERT INTO conversations_conversationmessage
    (session_id, direction, content, intent, confidence, entities, gateway_message_id,
     delivery_status, payload, error, attempts, uncertain_resends, processed_at, timestamp)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '', 0, 0, now(), now())
"""
UPDATE = """
UPDATE conversations_conversationsession
SET current_state = %s, context = %s, last_activity = now(), updated_at = now()
WHERE id = %s
"""


@dataclass(frozen=True)
class RawResult:
    turns: int
    seconds: float

    @property
    def msgs_per_s(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


def raw_turns_run(
    *,
    database_url: str,
    session_ids: list[int],
    conversations: list[list[tuple[str, str]]],
    connections: int,
    run_id: str,
) -> RawResult:
    """Run conversation i's (message, reply) turns on session ``session_ids[i]``; return the
    number of turns and the wall time."""
    pool: queue.Queue[psycopg.Connection] = queue.Queue()
    opened = [psycopg.connect(database_url) for _ in range(max(1, connections))]
    for conn in opened:
        pool.put(conn)
    errors: list[BaseException] = []

    def patient(index: int) -> None:
        session_id = session_ids[index]
        try:
            for n, (text, reply) in enumerate(conversations[index]):
                conn = pool.get()
                try:
                    with conn.transaction():
                        conn.execute(
                            INSERT,
                            (
                                session_id,
                                "user",
                                text,
                                "faq",
                                0.9,
                                "{}",
                                f"raw:{run_id}:{index}:{n}",
                                "received",
                                "{}",
                            ),
                        )
                        conn.execute(INSERT, (session_id, "bot", reply, "", None, "{}", None, "sent", "{}"))
                        conn.execute(UPDATE, ("idle", json.dumps({"turn": n}), session_id))
                finally:
                    pool.put(conn)
        except BaseException as exc:  # reported by the caller: a baseline that failed is no baseline
            errors.append(exc)

    threads = [threading.Thread(target=patient, args=(i,)) for i in range(len(conversations))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    for conn in opened:
        conn.close()
    if errors:
        raise RuntimeError(f"raw baseline failed: {errors[0]!r}")
    return RawResult(sum(len(c) for c in conversations), seconds)
