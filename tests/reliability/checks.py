"""Exactly-once accounting: what the patients sent, what the database holds, what the gateway got."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import close_old_connections

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.testing.fake_gateway import FakeGatewayServer

from .processes import wait_until

# Session fields that carry the conversation's state between turns.
STATE_FIELDS = (
    "current_state",
    "selected_specialty",
    "selected_doctor",
    "selected_insurance",
    "patient_name",
    "handed_off",
)
_UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def reference_run(phone: str, texts: Iterable[str]) -> tuple[list[int], dict[str, object]]:
    """Replies per message and the final session of a script run in-process, with nothing failing."""
    counts = [len(handle_inbound(InboundText(phone=phone, text=text)).result.replies) for text in texts]
    return counts, session_state(phone)


def session_state(phone: str) -> dict[str, object]:
    """The state fields of a conversation as stored in the database."""
    return dict(ConversationSession.objects.filter(phone=phone).values(*STATE_FIELDS).get())


def settled(api: FakeGatewayServer) -> bool:
    """Every stored message answered and every reply sent (and nothing more at the gateway)."""
    close_old_connections()
    unprocessed = ConversationMessage.objects.filter(direction=Direction.USER, processed_at=None).exists()
    unfinished = ConversationMessage.objects.filter(
        direction=Direction.BOT, delivery_status__in=_UNFINISHED
    ).exists()
    # Sent through the gateway (in-process reference turns are stored as sent, with no gateway id).
    sent = ConversationMessage.objects.filter(
        direction=Direction.BOT, delivery_status=DeliveryStatus.SENT, gateway_message_id__startswith="meta:"
    ).count()
    return not unprocessed and not unfinished and len(api.requests) >= sent


def wait_settled(api: FakeGatewayServer, *, timeout: float) -> bool:
    """Wait until :func:`settled`, then a moment more: a duplicate would arrive now."""
    ok = wait_until(lambda: settled(api), timeout=timeout, interval=0.25)
    wait_until(lambda: False, timeout=1.0)
    return ok


@dataclass
class Tally:
    """Accepted messages against what the database and the gateway show."""

    accepted: int
    stored: int  # accepted messages found in the database, each exactly once
    processed: int  # of those, answered by the engine
    replies_expected: int
    replies_sent: int
    lost: int  # replies missing at the gateway
    duplicates: int  # replies the gateway got more than once
    stuck: int  # replies left pending or half-sent

    def line(self) -> str:
        return (
            f"{self.accepted} accepted, {self.stored} stored, {self.processed} answered, "
            f"{self.replies_sent}/{self.replies_expected} replies, {self.lost} lost, "
            f"{self.duplicates} dup, {self.stuck} stuck"
        )


def tally(
    api: FakeGatewayServer, *, accepted: list[str], replies_per_message: dict[str, int], phones: Iterable[str]
) -> Tally:
    """Count per phone: the replies of every accepted message must reach the gateway exactly once."""
    close_old_connections()
    stored_ids = Counter(
        ConversationMessage.objects.filter(
            direction=Direction.USER, gateway_message_id__in=[f"meta:{m}" for m in accepted]
        ).values_list("gateway_message_id", flat=True)
    )
    processed = ConversationMessage.objects.filter(
        direction=Direction.USER,
        gateway_message_id__in=[f"meta:{m}" for m in accepted],
        processed_at__isnull=False,
    ).count()
    accepted_set = set(accepted)
    lost = duplicates = expected_total = sent_total = 0
    for phone in phones:
        expected = sum(
            n for mid, n in replies_per_message.items() if mid in accepted_set and f".{phone}." in mid
        )
        got = len(api.texts_to(phone))
        expected_total += expected
        sent_total += got
        lost += max(0, expected - got)
        duplicates += max(0, got - expected)
    stuck = ConversationMessage.objects.filter(
        direction=Direction.BOT, delivery_status__in=_UNFINISHED
    ).count()
    return Tally(
        accepted=len(accepted),
        stored=sum(1 for n in stored_ids.values() if n == 1),
        processed=processed,
        replies_expected=expected_total,
        replies_sent=sent_total,
        lost=lost,
        duplicates=duplicates,
        stuck=stuck,
    )
