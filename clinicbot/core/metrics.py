"""Prometheus metrics of the assistant, and the small helpers that record them.

Import the metric objects from here and increment them where the event happens
(``LLM_TOKENS.labels(provider="openai", kind="prompt").inc(n)``). They live in
prometheus-client's default registry; ``/metrics`` renders it.

Multiprocess (gunicorn with several workers, Celery prefork): when the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` names a writable, empty-at-start directory,
prometheus-client keeps every process's values in memory-mapped files there and
``/metrics`` merges them with :class:`prometheus_client.multiprocess.MultiProcessCollector`.
The variable must be set before Python starts (prometheus-client reads it at import);
gunicorn's ``child_exit`` hook (see ``gunicorn.conf.py``) marks dead workers' gauges.

Label values are always from small closed sets (gateway names, message types, intents,
outcomes): never a phone number, a message text or anything unbounded.
"""

from __future__ import annotations

import os

from django.db import transaction
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import REGISTRY

MESSAGES_IN = Counter(
    "clinicbot_messages_in",
    "Inbound WhatsApp messages accepted by a webhook, by gateway and message type.",
    ["gateway", "type"],
)
MESSAGES_OUT = Counter(
    "clinicbot_messages_out",
    "Replies delivered to a gateway, by gateway and kind (text, choices, template).",
    ["gateway", "type"],
)
OUTBOUND_FAILURES = Counter(
    "clinicbot_outbound_failures",
    "Sends a gateway refused, by gateway and kind (permanent: marked failed; transient: retried).",
    ["gateway", "kind"],
)
OUTBOX_UNCERTAIN_RESENDS = Counter(
    "clinicbot_outbox_uncertain_resends",
    "Replies sent again after an interrupted send nobody confirmed: each may have reached the patient twice.",
)
OUTBOX_DUPLICATES = Counter(
    "clinicbot_outbox_duplicates",
    "Replies the gateway confirmed delivering twice (status webhooks of two copies).",
)
BROKER_FALLBACKS = Counter(
    "clinicbot_broker_fallbacks",
    "Conversations answered by the web process because the task broker could not take them.",
)
WEBHOOK_AUTH_FAILURES = Counter(
    "clinicbot_webhook_auth_failures",
    "Webhook requests rejected for a bad signature, token or secret, by gateway.",
    ["gateway"],
)
WEBHOOK_MESSAGES_REJECTED = Counter(
    "clinicbot_webhook_messages_rejected",
    "Messages of authentic webhooks refused (not stored, not answered), by gateway and reason: "
    "other_number (addressed to another business number), bad_sender (not a WhatsApp id).",
    ["gateway", "reason"],
)
# Buckets sized for a turn: the offline engine answers in ~5-50 ms, an LLM call in seconds.
TURN_LATENCY = Histogram(
    "clinicbot_turn_duration_seconds",
    "Time to compute the bot's answer to one turn (NLU + dialogue + agenda queries).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
INTENTS = Counter("clinicbot_intents", "Turns by the intent the NLU detected.", ["intent"])
TURN_EVENTS = Counter(
    "clinicbot_turn_events",
    "Notable turn outcomes the engine reported (booked, cancelled, handoff, emergency, engine_error…).",
    ["event"],
)
BOOKINGS = Counter(
    "clinicbot_bookings",
    "Booking service outcomes (booked, rescheduled, slot_taken, invalid, cancelled, confirmed, completed, no_show).",
    ["outcome"],
)
CACHE_LOOKUPS = Counter(
    "clinicbot_cache_lookups",
    "Cache reads by key family (session, snapshot, other) and result (hit, miss, error).",
    ["family", "result"],
)
LLM_TOKENS = Counter(
    "clinicbot_llm_tokens",
    "LLM tokens consumed, by provider and kind (prompt, completion).",
    ["provider", "kind"],
)
LLM_FALLBACKS = Counter(
    "clinicbot_llm_fallbacks",
    "Turns answered by the offline engine because the LLM could not be used, by reason.",
    ["reason"],
)
VOICE_NOTES = Counter(
    "clinicbot_voice_notes",
    "Voice notes (and audio messages) handled by the worker, by outcome (transcribed, failed) and "
    "reason (ok, too_big, too_long, not_audio, download, timeout, server_error, budget, circuit_open, "
    'empty…). Those received are clinicbot_messages_in{type="audio"}.',
    ["outcome", "reason"],
)
TRANSCRIBED_SECONDS = Counter(
    "clinicbot_transcribed_audio_seconds",
    "Seconds of audio sent to the transcription provider (the daily budget's unit), by provider.",
    ["provider"],
)
VOICE_REPLIES = Counter(
    "clinicbot_voice_replies",
    "Answers also sent as a voice note (VOICE_REPLIES=mirror), by outcome (sent, synth_failed, send_failed).",
    ["outcome"],
)

# Cache key prefixes → the family label. Unknown prefixes are "other", so a new key family
# can never blow up the label cardinality.
_CACHE_FAMILIES = (("session:", "session"), ("clinic:snapshot", "snapshot"))


def cache_family(key: str) -> str:
    """The metric label of a cache key: ``session``, ``snapshot`` or ``other``."""
    return next((family for prefix, family in _CACHE_FAMILIES if key.startswith(prefix)), "other")


def record_cache_lookup(key: str, result: str) -> None:
    """Count one cache read of ``key`` (``hit``, ``miss`` or ``error``); only its family is recorded."""
    CACHE_LOOKUPS.labels(family=cache_family(key), result=result).inc()


def record_booking(outcome: str) -> None:
    """Count one booking-service outcome once the surrounding transaction commits.

    A booking rolled back with its turn never happened, so it is not counted; outside a
    transaction Django runs the callback at once.
    """
    transaction.on_commit(lambda: BOOKINGS.labels(outcome=outcome).inc())


def render_latest() -> tuple[bytes, str]:
    """The exposition text of every metric (merged across processes when multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        # prometheus_client is typed, but not this constructor (it registers itself in `registry`).
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
