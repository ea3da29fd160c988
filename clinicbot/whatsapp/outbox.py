"""Sending stored replies through the gateway, in order, each at most once per claim."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus, Direction
from clinicbot.core.locks import conversation_lock
from clinicbot.core.phones import is_simulator_key
from clinicbot.core.prepared import PreparedQuery
from clinicbot.ops.metrics import MESSAGES_OUT, OUTBOUND_FAILURES
from clinicbot.ops.models import GatewayCallLog

from .gateways.base import Gateway, GatewayError, OutboundChoice
from .gateways.simulator import SimulatorGateway

logger = logging.getLogger(__name__)


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    retry: bool = False  # a transient error stopped the batch: try again later


def _claim(message_id: int) -> bool:
    """pending -> sending, atomically: only one sender ever owns a message."""
    return bool(
        ConversationMessage.objects.filter(id=message_id, delivery_status=DeliveryStatus.PENDING).update(
            delivery_status=DeliveryStatus.SENDING, attempts=F("attempts") + 1
        )
    )


def _send(gateway: Gateway, message: ConversationMessage, to: str) -> str:
    if is_simulator_key(to):
        # A simulator conversation (staff reply, reminder of a simulated booking) never
        # goes out through WhatsApp, whatever gateway is configured.
        gateway = SimulatorGateway()
    template = (message.payload or {}).get("template")
    if template:  # outside the 24-hour window only an approved template is delivered
        return gateway.send_template(to, template["name"], template["language"], template["params"])
    choices = (message.payload or {}).get("choices") or []
    if choices:
        return gateway.send_choices(
            to, message.content, [OutboundChoice(c["id"], c["title"]) for c in choices]
        )
    return gateway.send_text(to, message.content)


def outbox_send(*, gateway: Gateway, session_id: int) -> OutboxResult:
    """Send the session's pending replies in order; stop at the first transient error.

    A permanent error marks that message failed and goes on with the next one; a
    transient one puts it back to pending and asks the caller to retry later, so the
    patient never receives the replies of one turn out of order.
    """
    # One sender per conversation at a time, so replies reach the patient in order.
    with conversation_lock(session_id, purpose=OUTBOX_LOCK) as exclusive:
        return _send_pending(gateway, session_id, exclusive=exclusive)


OUTBOX_LOCK = 2
INTERRUPTED = "envio interrompido (processo encerrado); reenviada"


def _send_pending(gateway: Gateway, session_id: int, *, exclusive: bool) -> OutboxResult:
    """Send each pending reply and record the outcome with its call log in one commit.

    Where the lock is exclusive (PostgreSQL) no other sender can be mid-send, so a reply
    still in ``sending`` was claimed by a process that died between the claim and
    recording the gateway's answer. The gateway may or may not have delivered it:
    resending risks a duplicate, not resending loses the reply for good — a patient is
    better served by the duplicate, and its ``error`` keeps the trace for staff. For the
    same reason the separate committed pending→sending claim is skipped there: one
    commit per reply instead of three, which is most of the outbox's cost under load.
    """
    result = OutboxResult()
    # Counted with the outcome when there is no separate claim to count it.
    attempt = {"attempts": F("attempts") + 1} if exclusive else {}
    pending = (_SENDABLE if exclusive else _PENDING)(session_id=session_id)
    for message in pending:
        if not exclusive and not _claim(message.id):
            continue  # another sender has it
        interrupted = message.delivery_status == DeliveryStatus.SENDING
        to = message.to_phone  # type: ignore[attr-defined]  # annotated by the query
        started = time.perf_counter()
        status_code, error = None, ""
        try:
            gateway_id = _send(gateway, message, to)
        except GatewayError as exc:
            status_code, error = exc.status_code, str(exc)[:500]
            OUTBOUND_FAILURES.labels(
                gateway=gateway.name, kind="permanent" if exc.permanent else "transient"
            ).inc()
            with transaction.atomic():
                if exc.permanent:
                    ConversationMessage.objects.filter(id=message.id).update(
                        delivery_status=DeliveryStatus.FAILED, error=error, **attempt
                    )
                    result.failed += 1
                else:
                    ConversationMessage.objects.filter(id=message.id).update(
                        delivery_status=DeliveryStatus.PENDING, error=error, **attempt
                    )
                    result.retry = True
                _log(gateway, status_code, False, started, error)
            if result.retry:
                break
            continue
        with transaction.atomic():
            ConversationMessage.objects.filter(id=message.id).update(
                delivery_status=DeliveryStatus.SENT,
                gateway_message_id=f"{gateway.name}:{gateway_id}",
                error=INTERRUPTED if interrupted else "",
                **attempt,
            )
            _log(gateway, 200, True, started, "")
        MESSAGES_OUT.labels(gateway=gateway.name, type=_kind(message)).inc()
        result.sent += 1
    return result


def _unsent(*statuses: DeliveryStatus) -> PreparedQuery[ConversationMessage]:
    """A conversation's replies in these statuses, oldest first, with the patient's phone.

    Run for every reply sent: compiled once (see core.prepared).
    """
    return PreparedQuery(
        lambda session_id: (
            ConversationMessage.objects.filter(
                session_id=session_id,
                direction__in=[Direction.BOT, Direction.STAFF],
                delivery_status__in=statuses,
            )
            .annotate(to_phone=F("session__phone"))
            .order_by("timestamp", "id")
        ),
        session_id=-7_310_003,
    )


_PENDING = _unsent(DeliveryStatus.PENDING)
_SENDABLE = _unsent(DeliveryStatus.PENDING, DeliveryStatus.SENDING)  # where no other sender can be mid-send


def _kind(message: ConversationMessage) -> str:
    """The metric label of a reply: how it went out (mirrors :func:`_send`)."""
    payload = message.payload or {}
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
