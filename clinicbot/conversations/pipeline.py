"""The turn pipeline every channel calls: one inbound message -> the bot's replies.

``handle_inbound`` loads the session (cache, else database), runs the pure engine with
the clinic snapshot and the database-backed ports, and persists the inbound message,
the bot's replies and the new session state in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.core.clock import SystemClock
from clinicbot.engine.dialogue.policy import Policy, Turn
from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.ports import Clock
from clinicbot.engine.types import Catalog, ParseResult, Reply, SessionState, TurnResult
from clinicbot.scheduling.agenda import DatabaseAvailability, DatabaseBookings

from .models import ConversationMessage, DeliveryStatus, Direction
from .store import StoredSession, session_load, session_save

logger = logging.getLogger(__name__)

_policy = Policy()
FALLBACK_REPLY = (
    "Desculpe, tive um problema para entender sua mensagem agora. 🙏 Pode repetir de outro jeito? "
    "Se preferir, digite *atendente* para falar com a nossa equipe."
)
_understanding: tuple[Catalog, Understanding] | None = None


def understanding_for(catalog: Catalog) -> Understanding:
    """The NLU for this snapshot (its lexicon is rebuilt only when the snapshot changes)."""
    global _understanding
    if _understanding is None or _understanding[0] is not catalog:
        _understanding = (catalog, Understanding(catalog))
    return _understanding[1]


def forget_process_state() -> None:
    """Drop in-process memos (used to simulate a restart)."""
    global _understanding
    _understanding = None


@dataclass(frozen=True)
class InboundText:
    """A normalised inbound message, whichever channel it came from."""

    phone: str
    text: str
    gateway_id: str | None = None
    timestamp: dt.datetime | None = None


@dataclass(frozen=True)
class TurnOutcome:
    result: TurnResult
    session_id: int
    reply_ids: tuple[int, ...]

    @property
    def replies(self) -> tuple[Reply, ...]:
        return self.result.replies


def _maybe_expire(stored: StoredSession, now: dt.datetime) -> None:
    """A conversation idle for hours starts over (the booking draft is stale by then)."""
    last = stored.last_activity
    limit = dt.timedelta(minutes=settings.SESSION_IDLE_RESET_MINUTES)
    st = stored.state
    if last is not None and now - last > limit and not st.handed_off and st.state != "idle":
        name = st.patient_name
        stored.state = type(st)(phone=st.phone, patient_name=name)


def handle_inbound(message: InboundText, *, clock: Clock | None = None) -> TurnOutcome:
    """Process one patient message end to end and return the stored replies."""
    clock = clock or SystemClock()
    now = clock.now()
    catalog = get_catalog()
    tz = zoneinfo.ZoneInfo(catalog.clinic.timezone)
    with transaction.atomic():
        stored = session_load(phone=message.phone, now=now)
        _maybe_expire(stored, now)
        turn = Turn(
            catalog=catalog,
            understanding=understanding_for(catalog),
            availability=DatabaseAvailability(catalog.clinic.timezone),
            bookings=DatabaseBookings(session_id=stored.id, now=now),
            now=now.astimezone(tz),
        )
        before = SessionState.from_dict(stored.state.to_dict())
        try:
            result = _policy.handle(stored.state, message.text, turn)
        except Exception:
            # A bug in the engine must not lose the message or leave the patient without
            # an answer: store both, keep the previous state, and log for the team.
            logger.exception("engine failed on a message of session %s", stored.id)
            stored.state = before
            result = TurnResult(
                (Reply(FALLBACK_REPLY),),
                ParseResult("out_of_scope", 0.0, {}),
                stored.state,
                ("engine_error",),
            )
        parse = result.parse
        rows = [
            ConversationMessage(
                session_id=stored.id,
                direction=Direction.USER,
                content=message.text,
                intent=parse.intent,
                confidence=parse.confidence,
                entities=parse.entities,
                gateway_message_id=message.gateway_id,
                delivery_status=DeliveryStatus.RECEIVED,
                processed_at=now,
                timestamp=message.timestamp or now,
            )
        ]
        rows += [
            ConversationMessage(
                session_id=stored.id,
                direction=Direction.BOT,
                content=reply.text,
                delivery_status=DeliveryStatus.PENDING,
                # Same instant as the turn: ties are ordered by id, i.e. insertion order.
                timestamp=now,
            )
            for reply in result.replies
        ]
        created = ConversationMessage.objects.bulk_create(rows)
        session_save(stored=stored, now=now)
    return TurnOutcome(result, stored.id, tuple(m.id for m in created[1:] if m.id is not None))
