"""Sending stored replies through the gateway, in order, with the duplicate window kept small.

WhatsApp offers no idempotency key: when a sender dies after the gateway accepted a reply
but before the outcome was recorded, nobody can be sure the patient got it. The outbox
makes that window as small as the platform allows and makes every doubtful resend visible:

1. **Claim** ``pending → sending`` with ``send_started_at = now`` and ``attempts + 1``,
   committed *before* the gateway is called (a conditional update: one sender per reply).
2. **Send**, tagged with our id ``outbox:<id>``; Meta echoes it as
   ``biz_opaque_callback_data`` in every status webhook of that message
   (:func:`outbox_confirm_refs` then marks the reply sent, whoever sent it).
3. **Record** ``sent`` with the gateway's id, in one commit with the call log. While the
   database is unreachable the sender keeps trying for a while and, failing that, leaves
   the outcome in the cache for the next sender.
4. A reply found still ``sending`` has an outcome nobody recorded (a killed process, a
   lost database connection, a gateway that timed out after receiving the request). It is
   left alone for ``OUTBOX_UNCERTAIN_GRACE_SECONDS`` after its claim — the replies after it
   wait too, so the order holds — giving the status webhook time to arrive. Then the cache
   is checked (step 3) and only then is it sent again, counted in ``uncertain_resends``
   with a note for staff, a WARNING and the ``clinicbot_outbox_uncertain_resends`` metric.

So a patient receives a reply twice only when a send was interrupted in the window between
the gateway accepting it and the commit of step 3 *and* no status webhook naming it came
back within the grace period (always the case on Evolution and Z-API, which echo nothing).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, TextField, Value, When
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.core.cache import safe_get, safe_set
from clinicbot.core.locks import conversation_lock
from clinicbot.core.metrics import (
    MESSAGES_OUT,
    OUTBOUND_FAILURES,
    OUTBOX_DUPLICATES,
    OUTBOX_UNCERTAIN_RESENDS,
)
from clinicbot.core.models import GatewayCallLog
from clinicbot.core.phones import is_simulator_key
from clinicbot.core.prepared import PreparedQuery
from clinicbot.llm.speech import SpeechError

from .gateway_watch import gateway_call_failed, gateway_call_succeeded
from .gateways.base import Gateway, GatewayError, OutboundChoice
from .gateways.simulator import SimulatorGateway
from .voice_replies import is_voice_reply, voice_reply_send, voice_reply_unavailable

logger = logging.getLogger(__name__)

OUTBOX_LOCK = 2
REF_PREFIX = "outbox:"
# Notes staff read in admin (the message's "erro" column).
RESENT = "reenviada sem confirmação do envio anterior (processo ou banco de dados interrompido): pode ter chegado duas vezes"
DUPLICATED = "entregue duas vezes: o WhatsApp confirmou as duas cópias"
RECOVERED = "enviada; o registro do envio foi concluído depois de uma interrupção"
UNCERTAIN = "o gateway não respondeu ({error}); aguardando a confirmação do WhatsApp antes de reenviar"
# Where a sender that could not record a send leaves the outcome (step 3).
_OUTCOME_KEY = "outbox:sent:{id}"
_OUTCOME_TTL = 7 * 24 * 3600
_OUT = (Direction.BOT, Direction.STAFF)


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    retry: bool = False  # something is left to send: try again later
    wait: float = 0.0  # with retry: seconds until an in-flight reply may be resent (0 = back off)


def outbox_ref(message_id: int) -> str:
    """Our tag of a reply, sent with it and echoed by gateways that support it."""
    return f"{REF_PREFIX}{message_id}"


def outbox_send(*, gateway: Gateway, session_id: int) -> OutboxResult:
    """Send the session's pending replies in order (see the module docstring).

    A permanent error marks that reply failed and goes on with the next one; a transient
    one puts it back to pending and stops, and a reply in flight stops the batch until
    its grace period ends, so the patient never receives one turn's replies out of order.
    """
    # One sender per conversation at a time (on PostgreSQL), so replies go out in order.
    with conversation_lock(session_id, purpose=OUTBOX_LOCK):
        return _send_pending(gateway, session_id)


def _send_pending(gateway: Gateway, session_id: int) -> OutboxResult:
    result = OutboxResult()
    for message in _SENDABLE(session_id=session_id):
        resend = message.delivery_status == DeliveryStatus.SENDING
        if resend:
            wait = _grace_left(message)
            if wait > 0:  # its status webhook may still come: it and the replies after it wait
                result.retry, result.wait = True, wait
                break
            if _recorded_in_cache(message):
                continue
        if not _claim(message, resend=resend):
            continue  # another sender has it
        started = time.perf_counter()
        try:
            gateway_id = _send(gateway, message, message.to_phone)  # type: ignore[attr-defined]
        except SpeechError as exc:  # the voice copy of an answer whose text already went out
            voice_reply_unavailable(message, exc)
            result.failed += 1
            continue
        except GatewayError as exc:
            _record_failure(gateway, message, exc, started, result)
            if result.retry:
                break
            continue
        if not _record_sent(gateway, message, gateway_id, started, resend=resend):
            result.retry = True  # the connection was re-opened and the lock went with it: start over
            break
        MESSAGES_OUT.labels(gateway=gateway.name, type=_kind(message)).inc()
        result.sent += 1
    return result


def _grace_left(message: ConversationMessage) -> float:
    """Seconds before a reply left in flight may be sent again (0 when never claimed with a time)."""
    if message.send_started_at is None:
        return 0.0
    age = (timezone.now() - message.send_started_at).total_seconds()
    return max(0.0, settings.OUTBOX_UNCERTAIN_GRACE_SECONDS - age)


def _claim(message: ConversationMessage, *, resend: bool) -> bool:
    """Step 1: mark the reply in flight, committed before the gateway is called."""
    rows = ConversationMessage.objects.filter(id=message.id, delivery_status=message.delivery_status)
    now = timezone.now()
    changes: dict[str, object] = {
        "delivery_status": DeliveryStatus.SENDING,
        "send_started_at": now,
        "attempts": F("attempts") + 1,
    }
    if resend:
        # Only if nobody resent it meanwhile (compare-and-set on the previous claim).
        rows = rows.filter(send_started_at=message.send_started_at)
        changes.update(uncertain_resends=F("uncertain_resends") + 1, error=RESENT)
    if not rows.update(**changes):
        return False
    message.send_started_at = now
    if resend:
        OUTBOX_UNCERTAIN_RESENDS.inc()
        logger.warning(
            "resending reply %s: its earlier send was interrupted and never confirmed (possible duplicate)",
            message.id,
        )
    return True


def _send(gateway: Gateway, message: ConversationMessage, to: str) -> str:
    """Step 2: one call to the gateway, tagged with our id."""
    if is_simulator_key(to):
        # A simulator conversation (staff reply, reminder of a simulated booking) never
        # goes out through WhatsApp, whatever gateway is configured.
        gateway = SimulatorGateway()
    ref = outbox_ref(message.id)
    if is_voice_reply(message):  # VOICE_REPLIES=mirror: synthesised, then the gateway's audio send
        return voice_reply_send(gateway, message.content, to, ref=ref)
    template = (message.payload or {}).get("template")
    if template:  # outside the 24-hour window only an approved template is delivered
        return gateway.send_template(to, template["name"], template["language"], template["params"], ref=ref)
    choices = (message.payload or {}).get("choices") or []
    if choices:
        return gateway.send_choices(
            to, message.content, [OutboundChoice(c["id"], c["title"]) for c in choices], ref=ref
        )
    return gateway.send_text(to, message.content, ref=ref)


def _record_failure(
    gateway: Gateway, message: ConversationMessage, exc: GatewayError, started: float, result: OutboxResult
) -> None:
    kind = "permanent" if exc.permanent else "transient"
    OUTBOUND_FAILURES.labels(gateway=gateway.name, kind=kind).inc()
    error = str(exc)[:500]
    in_flight = ConversationMessage.objects.filter(id=message.id, delivery_status=DeliveryStatus.SENDING)
    with transaction.atomic():
        if exc.permanent:
            in_flight.update(delivery_status=DeliveryStatus.FAILED, error=error)
            result.failed += 1
        elif exc.uncertain:
            # It may have gone out: stays in flight, so a status webhook can still confirm it.
            in_flight.update(error=UNCERTAIN.format(error=error)[:500])
            result.retry, result.wait = True, float(settings.OUTBOX_UNCERTAIN_GRACE_SECONDS)
        else:
            in_flight.update(delivery_status=DeliveryStatus.PENDING, error=error)
            result.retry = True
        _log(gateway, exc.status_code, False, started, error)
    gateway_call_failed(gateway.name)


def _record_sent(
    gateway: Gateway, message: ConversationMessage, gateway_id: str, started: float, *, resend: bool
) -> bool:
    """Step 3: ``sent`` with the gateway's id; False if the connection had to be re-opened.

    The gateway has the message: losing that knowledge now is what makes duplicates, so a
    database that is unreachable is retried for a while (about half the grace period, so
    no other sender resends it meanwhile), then the outcome is left in the cache.
    """
    full_id = f"{gateway.name}:{gateway_id}"
    # A reply never resent leaves no note; a resent one keeps its RESENT note for staff.
    error = {} if resend else {"error": ""}
    deadline = time.monotonic() + settings.OUTBOX_UNCERTAIN_GRACE_SECONDS / 2
    pause, reconnected = 0.25, False
    while True:
        try:
            with transaction.atomic():
                # Only while still in flight: a status webhook may already have moved it on.
                ConversationMessage.objects.filter(
                    id=message.id, delivery_status=DeliveryStatus.SENDING
                ).update(delivery_status=DeliveryStatus.SENT, gateway_message_id=full_id, **error)
                _log(gateway, 200, True, started, "")
            break
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or time.monotonic() > deadline:
                safe_set(_OUTCOME_KEY.format(id=message.id), full_id, _OUTCOME_TTL)
                logger.error(
                    "reply %s was sent but could not be recorded: %s", message.id, type(exc).__name__
                )
                raise
            logger.warning(
                "reply %s was sent; the database is unreachable, retrying to record it", message.id
            )
            connection.close()  # the next attempt opens a new connection
            time.sleep(pause)
            pause, reconnected = min(pause * 2, 2.0), True
    gateway_call_succeeded(gateway.name)
    return not reconnected


def _recorded_in_cache(message: ConversationMessage) -> bool:
    """A sender that sent this reply but lost the database left its outcome in the cache."""
    full_id = safe_get(_OUTCOME_KEY.format(id=message.id))
    if not full_id:
        return False
    return bool(
        ConversationMessage.objects.filter(
            id=message.id, delivery_status=DeliveryStatus.SENDING, send_started_at=message.send_started_at
        ).update(delivery_status=DeliveryStatus.SENT, gateway_message_id=str(full_id), error=RECOVERED)
    )


def outbox_confirm_refs(*, gateway: str, refs: list[tuple[str, str]]) -> int:
    """Apply status webhooks that name our reply (``(ref, gateway message id)`` pairs).

    A reply still in flight is marked sent with the gateway's id: its sender died before
    recording it, and it must not be sent again (nor one put back to pending after an
    error answer the gateway nevertheless acted on). A reply already recorded under
    another id was delivered twice; that is noted for staff and counted. Returns the
    confirmed.
    """
    confirmed = 0
    for ref, gateway_id in refs:
        if not ref.startswith(REF_PREFIX) or not ref[len(REF_PREFIX) :].isdigit():
            continue  # not ours (another system sharing the number), or malformed
        message_id, full_id = int(ref[len(REF_PREFIX) :]), f"{gateway}:{gateway_id}"
        ours = ConversationMessage.objects.filter(id=message_id, direction__in=_OUT)
        if ours.filter(delivery_status__in=(DeliveryStatus.SENDING, DeliveryStatus.PENDING)).update(
            delivery_status=DeliveryStatus.SENT,
            gateway_message_id=full_id,
            error=Case(
                When(uncertain_resends=0, then=Value("")), default=F("error"), output_field=TextField()
            ),
        ):
            confirmed += 1
            continue
        twice = (
            ours.filter(gateway_message_id__isnull=False)
            .exclude(gateway_message_id=full_id)
            .exclude(error=DUPLICATED)
            .update(error=DUPLICATED)
        )
        if twice:
            OUTBOX_DUPLICATES.inc()
            logger.warning("reply %s reached the patient twice (confirmed by the gateway)", message_id)
    return confirmed


def _unsent(*statuses: DeliveryStatus) -> PreparedQuery[ConversationMessage]:
    """A conversation's replies in these statuses, oldest first, with the patient's phone.

    Run for every reply sent: compiled once (see core.prepared).
    """
    return PreparedQuery(
        lambda session_id: (
            ConversationMessage.objects.filter(
                session_id=session_id,
                direction__in=_OUT,
                delivery_status__in=statuses,
            )
            .annotate(to_phone=F("session__phone"))
            .order_by("timestamp", "id")
        ),
        session_id=-7_310_003,
    )


_SENDABLE = _unsent(DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def _kind(message: ConversationMessage) -> str:
    """The metric label of a reply: how it went out (mirrors :func:`_send`)."""
    payload = message.payload or {}
    if payload.get("kind") == "voice":
        return "voice"
    return "template" if payload.get("template") else "choices" if payload.get("choices") else "text"


def _log(gateway: Gateway, status_code: int | None, ok: bool, started: float, error: str) -> None:
    GatewayCallLog.objects.create(
        gateway=gateway.name,
        operation="send",
        status_code=status_code,
        ok=ok,
        duration_ms=(time.perf_counter() - started) * 1000,
        error=error,
    )
