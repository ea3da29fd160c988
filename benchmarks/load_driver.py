"""The patients and the fake Graph API of ``webhook_load``, on one asyncio loop of their own.

Both run in the benchmark's process and share the 2 cores with the service they measure,
so they are built to cost little CPU per message: aiohttp (C HTTP parser, keep-alive
connections) for the webhooks sent and for the Graph API that receives the replies, and
the arrival of a reply handed straight to the waiting patient's coroutine. The loop runs
on a thread for the whole run, so the Graph API answers between phases too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

from benchmarks.conversations import Script

T = TypeVar("T")


class EventLoopThread:
    """An asyncio loop running on a daemon thread; ``run(coro)`` waits for one coroutine."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


@dataclass
class GraphApi:
    """Plays Meta's Graph API send endpoint: records each request, wakes the patient waiting for it."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    inbox: dict[str, asyncio.Queue[float]] = field(default_factory=dict)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    def queue(self, phone: str) -> asyncio.Queue[float]:
        return self.inbox.setdefault(phone, asyncio.Queue())

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        arrived = time.monotonic()
        self.requests.append({"path": request.path, "json": body, "at": arrived})
        self.queue(str(body.get("to", ""))).put_nowait(arrived)
        mid = f"wamid.FAKE{next(self._ids):06d}"
        return web.json_response({"messaging_product": "whatsapp", "messages": [{"id": mid}]})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # accepted webhooks per phone
    timeouts: int = 0
    webhook_errors: int = 0
    first_post: float = 0.0
    last_reply: float = 0.0


@dataclass(frozen=True)
class Webhooks:
    """Where and how the patients' messages are posted."""

    url: str
    secret: str
    run: str  # makes the message ids of one run unique


async def _post(session: ClientSession, hooks: Webhooks, phone: str, text: str, mid: str) -> bool:
    """POST one signed webhook; retry like Meta does (a few times) on errors and 5xx."""
    from clinicbot.testing.fake_gateway import meta_signature, meta_text_webhook

    body = json.dumps(
        meta_text_webhook(phone=phone, text=text, message_id=mid, timestamp=int(time.time()))
    ).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, hooks.secret)}
    for attempt in range(4):
        try:
            async with session.post(f"{hooks.url}/webhooks/meta/", data=body, headers=headers) as response:
                await response.read()
                if response.status == 200:
                    return True
        except (ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.2 * (attempt + 1))
    return False


async def _patient(
    script: Script,
    *,
    session: ClientSession,
    hooks: Webhooks,
    api: GraphApi,
    tally: Tally,
    reply_timeout: float,
    think_s: tuple[float, float],
) -> None:
    """Send the script one message at a time, each after the previous one was answered
    (and, with ``think_s``, after reading and typing for a random time in that range)."""
    replies = api.queue(script.phone)
    for n, step in enumerate(script.steps):
        if think_s[1] > 0:
            await asyncio.sleep(random.uniform(*think_s))
        started = time.monotonic()
        tally.first_post = tally.first_post or started
        if not await _post(session, hooks, script.phone, step.text, f"wamid.{hooks.run}.{script.phone}.{n}"):
            tally.webhook_errors += 1
            return
        tally.sent[script.phone] += 1
        try:
            arrived = await asyncio.wait_for(replies.get(), timeout=reply_timeout)
        except TimeoutError:
            tally.timeouts += 1
            return  # the conversation cannot go on without the answer
        tally.latencies_ms.append((arrived - started) * 1000)
        tally.last_reply = max(tally.last_reply, arrived)


async def drive(
    scripts: list[Script],
    *,
    hooks: Webhooks,
    api: GraphApi,
    tally: Tally,
    reply_timeout: float,
    deadline: float,
    think_s: tuple[float, float] = (0.0, 0.0),
) -> None:
    """All patients at once; whatever is still waiting at ``deadline`` seconds counts as lost."""
    connector = TCPConnector(limit=min(64, len(scripts)))
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=10)) as session:
        tasks = [
            asyncio.create_task(
                _patient(
                    s,
                    session=session,
                    hooks=hooks,
                    api=api,
                    tally=tally,
                    reply_timeout=reply_timeout,
                    think_s=think_s,
                )
            )
            for s in scripts
        ]
        _, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        tally.timeouts += len(pending)
