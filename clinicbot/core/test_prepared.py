"""Prepared ORM queries: the same rows as the queryset they were written as, on either database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.core.prepared import PreparedQuery, PreparedQueryError

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

BY_SESSION = PreparedQuery(
    lambda session_id: (
        ConversationMessage.objects.filter(session_id=session_id, direction=Direction.BOT)
        .annotate(to_phone=F("session__phone"))
        .order_by("timestamp", "id")
    ),
    session_id=-7_310_901,
)


def _conversation(phone: str, texts: list[str]) -> ConversationSession:
    session = ConversationSession.objects.create(phone=phone, last_activity=T0)
    for n, text in enumerate(texts):
        ConversationMessage.objects.create(
            session=session,
            direction=Direction.BOT,
            content=text,
            payload={"choices": [{"id": str(n), "title": text}]},
            delivery_status=DeliveryStatus.PENDING,
            timestamp=T0 + dt.timedelta(seconds=len(texts) - n),  # stored newest first
        )
    ConversationMessage.objects.create(session=session, direction=Direction.USER, content="oi", timestamp=T0)
    return session


def test_prepared_query_returns_what_its_queryset_returns_with_fields_converted():
    ana = _conversation("5511900000001", ["a1", "a2", "a3"])
    bia = _conversation("5511900000002", ["b1"])
    rows = BY_SESSION(session_id=ana.id)
    expected = list(BY_SESSION._build(session_id=ana.id))
    assert [r.id for r in rows] == [r.id for r in expected]
    assert [r.content for r in rows] == ["a3", "a2", "a1"]  # ordered by time, not insertion
    assert rows[0].payload == {"choices": [{"id": "2", "title": "a3"}]}  # JSON decoded
    assert rows[0].timestamp == T0 + dt.timedelta(seconds=1)  # an aware datetime on both databases
    assert {r.to_phone for r in rows} == {"5511900000001"}  # the annotation rides along
    assert [r.content for r in BY_SESSION(session_id=bia.id)] == ["b1"]  # new value, same SQL
    assert BY_SESSION(session_id=0) == []


def test_prepared_query_is_one_statement_per_call():
    ana = _conversation("5511900000003", ["a1"])
    BY_SESSION(session_id=ana.id)  # compiled here
    with CaptureQueriesContext(connection) as queries:
        BY_SESSION(session_id=ana.id)
    assert len(queries) == 1


def test_prepared_select_for_update_locks_inside_a_transaction():
    ana = _conversation("5511900000004", [])
    locked = PreparedQuery(
        lambda session_id: ConversationSession.objects.select_for_update().filter(id=session_id),
        session_id=-7_310_902,
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        (row,) = locked(session_id=ana.id)
    assert row.phone == "5511900000004"
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in queries.captured_queries[-1]["sql"]


def test_a_sample_value_found_twice_is_refused():
    ambiguous = PreparedQuery(
        lambda session_id: ConversationMessage.objects.filter(session_id=session_id, id=session_id),
        session_id=-7_310_903,
    )
    with pytest.raises(PreparedQueryError, match="found 2 times"):
        ambiguous(session_id=1)


def test_a_sample_value_the_field_cannot_hold_is_refused():
    """Django compiles an impossible lookup (a negative positive-integer) to "no rows"."""
    impossible = PreparedQuery(
        lambda attempts: ConversationMessage.objects.filter(attempts=attempts), attempts=-7_310_904
    )
    with pytest.raises(PreparedQueryError, match="cannot hold"):
        impossible(attempts=1)
