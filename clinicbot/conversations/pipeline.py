"""The turn pipeline every channel calls: one inbound message -> the bot's replies.

``handle_inbound`` loads the session (cache, else database), runs the pure engine with
the clinic snapshot and the database-backed ports, and persists the inbound message,
the bot's replies and the new session state in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.turn_metrics import observe_turn
from clinicbot.core.clock import SystemClock
from clinicbot.core.prepared import PreparedQuery
from clinicbot.core.text import storable_text
from clinicbot.engine.dialogue import entry as dialogue
from clinicbot.engine.dialogue.router import Policy
from clinicbot.engine.dialogue.turn import Turn
from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.nlu.model import IntentModel, load_model
from clinicbot.engine.ports import Clock
from clinicbot.engine.state import SessionState
from clinicbot.engine.types import Catalog, ParseResult, Reply, TurnResult
from clinicbot.llm.interpreter import interpreter_for
from clinicbot.llm.services import replies_phrase
from clinicbot.scheduling.agenda import DatabaseAvailability, DatabaseBookings, DatabaseWaitlist

from . import voice_turns
from .inbox import MAX_CONTENT, Incoming, conversation_key, session_ids
from .models import AlertKind, ConversationMessage, ConversationSession, DeliveryStatus, Direction
from .privacy_notice import with_privacy_notice
from .rate_limit import RateWindow
from .store import StoredSession, session_load_locked, session_load_locked_by_phone, session_save
from .turn_log import logged_turn

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
        _understanding = (catalog, Understanding(catalog, model=intent_model()))
    return _understanding[1]


def intent_model() -> IntentModel | None:
    """The learned intent model ``NLU_MODEL`` names: the shipped one, a file, or none ("off")."""
    choice = settings.NLU_MODEL
    if choice == "off":
        return None
    return load_model(choice if choice != "default" else "")


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
        dialogue.start_over(st)


@observe_turn  # /metrics (latency, intent, events) and the day's booking funnel in the session
@logged_turn  # one masked JSON log line per turn
@with_privacy_notice  # LGPD notice in a new phone's first answer
def _run_engine(stored: StoredSession, text: str, now: dt.datetime, catalog: Catalog) -> TurnResult:
    """One engine turn with the database-backed ports; never raises."""
    tz = zoneinfo.ZoneInfo(catalog.clinic.timezone)
    turn = Turn(
        catalog=catalog,
        understanding=understanding_for(catalog),
        availability=DatabaseAvailability(catalog.clinic.timezone, now=now, phone=stored.state.phone),
        bookings=DatabaseBookings(session_id=stored.id, now=now),
        now=now.astimezone(tz),
        waitlist=DatabaseWaitlist(session_id=stored.id, now=now),
        # Optional LLM reading of unsure messages (LLM_PROVIDER); none while staff answer.
        interpreter=None if stored.state.handed_off else interpreter_for(session_id=stored.id, now=now),
    )
    before = stored.state.copy()
    try:
        result = _policy.handle(stored.state, text, turn)
        # Optional LLM wording of question turns (LLM_PROVIDER); a no-op when offline.
        return replies_phrase(result=result, text=text, session_id=stored.id, catalog=catalog, now=now)
    except Exception:
        # A bug in the engine must not lose the message or leave the patient without an
        # answer: both are stored, the previous state is kept, and the team sees the log.
        logger.exception("engine failed on a message of session %s", stored.id)
        stored.state = before
        return TurnResult(
            (Reply(FALLBACK_REPLY),), ParseResult("out_of_scope", 0.0, {}), stored.state, ("engine_error",)
        )


def _bot_rows(
    session_id: int, replies: tuple[Reply, ...], now: dt.datetime, status: str
) -> list[ConversationMessage]:
    return [
        ConversationMessage(
            session_id=session_id,
            direction=Direction.BOT,
            content=reply.text,
            payload={"choices": [{"id": c.id, "title": c.title} for c in reply.choices]}
            if reply.choices
            else {},
            delivery_status=status,
            # Same instant as the turn: ties are ordered by id, i.e. insertion order.
            timestamp=now,
        )
        for reply in replies
    ]


def handle_inbound(message: InboundText, *, clock: Clock | None = None, channel: str = "chat") -> TurnOutcome:
    """One message of a synchronous channel (terminal chat, web simulator, ``evaluate``).

    It takes the worker's own path, so every channel gets the same turn: (1) stored as a
    webhook stores a gateway message (:func:`~clinicbot.conversations.inbox.inbox_store`:
    unique id, the session created on first contact); (2) answered by
    :func:`process_pending` — the conversation lock, the rate limit, the kinds of message,
    the claim — with no debounce, as the sender is waiting; (3) the replies stored as
    delivered, because the caller shows them itself (no gateway ever sends them).
    """
    # A NUL typed into the simulator or chat would make PostgreSQL refuse the whole turn.
    text = storable_text(message.text)
    now = (clock or SystemClock()).now()
    incoming = Incoming(
        gateway=channel,
        gateway_id=message.gateway_id or uuid.uuid4().hex,
        conversation_key=message.phone,
        phone=message.phone,
        text=text,
        kind="text",
        timestamp=message.timestamp or now,
    )
    results: list[TurnResult] = []
    key = conversation_key(message.phone)
    with transaction.atomic():
        # The conversation locked by its key at once; created (then locked) on first contact.
        stored = session_load_locked_by_phone(phone=key)
        session_id = stored.id if stored else session_ids([incoming], now)[key]
        arriving = ConversationMessage(
            session_id=session_id,
            direction=Direction.USER,
            content=text[:MAX_CONTENT],
            payload={"kind": "text"},
            gateway_message_id=f"{channel}:{incoming.gateway_id}",
            delivery_status=DeliveryStatus.RECEIVED,
            timestamp=incoming.timestamp,
        )
        answered = _answer(
            session_id, now, window=0, delivered=True, results=results, arriving=arriving, locked=stored
        )
    reply_ids = tuple(answered) if isinstance(answered, list) else ()
    result = (
        results[-1]
        if results
        else TurnResult((), ParseResult("out_of_scope", 0.0, {}), SessionState(message.phone))
    )
    return TurnOutcome(result, session_id, reply_ids)


NON_TEXT_REPLY = (
    "Ainda não consigo ouvir áudios nem ver imagens, arquivos ou localizações por aqui. 🙏 "
    "Pode me escrever em texto, por favor?"
)


# Inbound kinds the engine answers. "welcome" is the patient opening the chat for the first
# time (Meta's request_welcome): no text, answered as a greeting.
TURN_KINDS = ("text", "choice", "welcome")
WELCOME_TEXT = "oi"


def _turn_text(message: ConversationMessage) -> str:
    return WELCOME_TEXT if (message.payload or {}).get("kind") == "welcome" else message.content


@dataclass
class Deferred:
    """The newest message is still inside the debounce window: run again after ``seconds``."""

    seconds: float


def group_messages(messages: list[ConversationMessage], window_ms: int) -> list[list[ConversationMessage]]:
    """Consecutive messages sent less than ``window_ms`` apart form one turn ("oi" / "quero marcar")."""
    groups: list[list[ConversationMessage]] = []
    for message in messages:
        if groups and window_ms > 0:
            gap = (message.timestamp - groups[-1][-1].timestamp).total_seconds() * 1000
            if gap <= window_ms:
                groups[-1].append(message)
                continue
        groups.append([message])
    return groups


def process_pending(
    session_id: int,
    *,
    clock: Clock | None = None,
    window_ms: int | None = None,
    delivered: bool = False,
    results: list[TurnResult] | None = None,
) -> list[int] | Deferred:
    """Answer every stored, unprocessed inbound message of a session, in arrival order.

    Used by the worker. The session row is locked (``SELECT … FOR UPDATE``) so two
    workers never interleave one conversation, and the lock dies with a crashed worker's
    connection. Each message is claimed by setting ``processed_at`` in the transaction
    that stores its replies, so a crash rolls both back and a retry answers it exactly
    once. The state is read from the locked row, not the cache: a cache write of the
    previous turn may still be in flight. Messages sent within ``MESSAGE_DEBOUNCE_MS``
    of each other are one turn. Returns the ids of the replies to send, or
    :class:`Deferred` while the newest message is still inside the window.

    Synchronous channels (:func:`handle_inbound`) pass ``window_ms=0`` (nobody else will
    write within the window: the sender waits for the answer), ``delivered=True`` (they show
    the replies themselves) and a ``results`` list that receives each turn's result.
    """
    now = (clock or SystemClock()).now()
    window = settings.MESSAGE_DEBOUNCE_MS if window_ms is None else window_ms
    with transaction.atomic():
        return _answer(session_id, now, window=window, delivered=delivered, results=results)


def _answer(
    session_id: int,
    now: dt.datetime,
    *,
    window: int,
    delivered: bool,
    results: list[TurnResult] | None,
    arriving: ConversationMessage | None = None,
    locked: StoredSession | None = None,
) -> list[int] | Deferred:
    """:func:`process_pending`'s work, inside the caller's transaction.

    ``arriving`` is a synchronous channel's message, not stored yet: it joins the stored
    ones and is inserted already claimed, with the replies (one INSERT, no UPDATE).
    """
    catalog = get_catalog()
    stored = locked or session_load_locked(session_id=session_id)
    if stored is None:
        return []
    # A voice note still being transcribed holds back itself and what came after it.
    saved = voice_turns.ready(_UNPROCESSED(session_id=session_id))
    pending = [*saved, arriving] if arriving is not None else saved
    if not pending:
        return []
    age_ms = (now - pending[-1].timestamp).total_seconds() * 1000
    if window > 0 and 0 <= age_ms < window:
        return Deferred((window - age_ms) / 1000)
    _maybe_expire(stored, now)
    rate = RateWindow.load(stored.state.bookkeeping, pending, now)
    limited = rate.check(now)
    bot_rows: list[ConversationMessage] = []
    results_here: list[TurnResult] = []
    for group in group_messages(pending, window):
        texts = [_turn_text(m) for m in group if voice_turns.turn_kind(m) in TURN_KINDS]
        if limited is not None:
            replies: tuple[Reply, ...] = limited
            limited = ()  # one notice per minute, then silence
            result = TurnResult(
                replies, ParseResult("out_of_scope", 0.0, {}), stored.state, ("rate_limited",)
            )
        elif not texts:
            # Audio, image, location…: a polite note; the conversation state is untouched.
            replies = (Reply(voice_turns.no_text_reply(group, NON_TEXT_REPLY)),)
            result = TurnResult(replies, ParseResult("out_of_scope", 0.0, {}), stored.state, ("not_text",))
        else:
            before = stored.state.state
            result = _run_engine(stored, "\n".join(texts), now, catalog)
            # A transcript's quote in a booking step; a failed voice note's request to write.
            result = voice_turns.annotate(group, result, before=before)
            replies = result.replies
        parse = result.parse
        results_here.append(result)
        if results is not None:
            results.append(result)
        for message in group:
            message.intent, message.confidence, message.entities = (
                parse.intent,
                parse.confidence,
                parse.entities,
            )
            message.processed_at = now
        status = DeliveryStatus.SENT if delivered else DeliveryStatus.PENDING
        bot_rows += _bot_rows(session_id, replies, now, status)
        bot_rows += voice_turns.voice_rows(group, result, session_id=session_id, now=now, status=status)
    _raise_alerts(session_id, results_here, now)
    rate.remember(stored.state.bookkeeping)
    if saved:
        _claim_messages(saved)
    created = ConversationMessage.objects.bulk_create(([arriving] if arriving is not None else []) + bot_rows)
    session_save(stored=stored, now=now)
    return [m.id for m in created if m.id is not None and m is not arriving]


def _raise_alerts(session_id: int, results: list[TurnResult], now: dt.datetime) -> None:
    """Flag the conversation in the staff queue when a patient described an emergency or self-harm.

    One UPDATE, only on such turns; self-harm outranks an emergency of the same batch.
    """
    kinds = {event for result in results for event in result.events} & {
        AlertKind.SELF_HARM,
        AlertKind.EMERGENCY,
    }
    if kinds:
        kind = AlertKind.SELF_HARM if AlertKind.SELF_HARM in kinds else AlertKind.EMERGENCY
        ConversationSession.objects.filter(id=session_id).update(alert_at=now, alert_kind=kind)


# Run for every message: compiled once (see core.prepared).
_UNPROCESSED = PreparedQuery(
    lambda session_id: ConversationMessage.objects.filter(
        session_id=session_id, direction=Direction.USER, processed_at=None
    ).order_by("timestamp", "id"),
    session_id=-7_310_002,
)


def _claim_messages(pending: list[ConversationMessage]) -> None:
    """Store the parse and ``processed_at`` of the answered messages (their claim).

    One message is the usual case: a plain UPDATE of its row, as bulk_update's CASE
    expression costs several times more CPU to build for the same single-row write.
    """
    fields = ["intent", "confidence", "entities", "processed_at"]
    if len(pending) == 1:
        message = pending[0]
        ConversationMessage.objects.filter(id=message.id).update(**{f: getattr(message, f) for f in fields})
        return
    ConversationMessage.objects.bulk_update(pending, fields)
