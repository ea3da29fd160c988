"""The session store: written through to the database, read through the cache, and still
working (from the database) when the cache backend is down."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import pytest
import redis
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from clinicbot.clinics import snapshot
from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.conversations.store import session_load, session_save
from clinicbot.core import cache as safe_cache
from clinicbot.core.clock import FrozenClock
from clinicbot.engine.state import Context, SessionState, State
from clinicbot.testing import TEST_CLINIC, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
PHONE = "5511999990000"
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def booking_state(phone: str = PHONE) -> SessionState:
    return SessionState(
        phone=phone,
        state=State.CHOOSING_SLOT,
        previous_state="collecting",
        patient_name="Ana Beatriz Costa",
        specialty="Cardiologia",
        doctor="Dra. Ana Souza",
        insurance="Unimed",
        date="2026-03-04",
        time="10:00",
        period="morning",
        context=Context(expect="time", offered=["Dra. Ana Souza|2026-03-04|10:30"], stuck=2),
    )


def save(state: SessionState, now: dt.datetime, capture) -> None:
    """One turn's write: load, change, save, commit (on_commit callbacks executed)."""
    with capture(execute=True):
        stored = session_load(phone=state.phone, now=now)
        stored.state = state
        session_save(stored=stored, now=now)


def restart() -> None:
    """What a server restart or a flushed cache does: every cache and memo is empty."""
    cache.clear()
    snapshot.forget_process_memo()


# --------------------------------------------------------------------------- persistence
@pytest.mark.django_db
def test_a_new_phone_gets_an_idle_session_row():
    stored = session_load(phone=PHONE, now=NOW)

    assert stored.state == SessionState(phone=PHONE)
    assert stored.last_activity is None
    assert ConversationSession.objects.get(phone=PHONE).id == stored.id


@pytest.mark.django_db
def test_a_saved_session_survives_a_restart(django_capture_on_commit_callbacks):
    state = booking_state()
    save(state, NOW, django_capture_on_commit_callbacks)

    restart()
    loaded = session_load(phone=PHONE, now=NOW + dt.timedelta(minutes=5))

    assert loaded.state == state
    assert loaded.state.context == Context(
        expect="time", offered=["Dra. Ana Souza|2026-03-04|10:30"], stuck=2
    )
    assert (loaded.state.date, loaded.state.time) == ("2026-03-04", "10:00")
    assert loaded.last_activity == NOW
    row = ConversationSession.objects.get(phone=PHONE)
    assert row.preferred_date == dt.date(2026, 3, 4)
    assert row.preferred_time == dt.time(10, 0)
    assert row.current_state == "choosing_slot"


@pytest.mark.django_db
def test_session_load_after_a_save_is_served_from_the_cache(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    state = booking_state()
    save(state, NOW, django_capture_on_commit_callbacks)

    with django_assert_num_queries(0):
        loaded = session_load(phone=PHONE, now=NOW)

    assert loaded.state == state
    assert loaded.last_activity == NOW


@pytest.mark.django_db
def test_a_rolled_back_turn_leaves_neither_database_nor_cache_changed(django_capture_on_commit_callbacks):
    save(booking_state(), NOW, django_capture_on_commit_callbacks)
    changed = booking_state()
    changed.state, changed.time = State.CONFIRMING, "11:00"

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        stored = session_load(phone=PHONE, now=NOW)
        stored.state = changed
        session_save(stored=stored, now=NOW + dt.timedelta(minutes=1))
        raise RuntimeError("the turn failed")

    assert callbacks == []
    assert session_load(phone=PHONE, now=NOW).state == booking_state()  # cached copy
    restart()
    assert session_load(phone=PHONE, now=NOW).state == booking_state()  # database


# --------------------------------------------------------------------------- dead cache
@pytest.fixture
def dead_cache():
    """The cache points at a Redis that is not there; every cache call fails fast."""
    with override_settings(CACHES=DEAD_REDIS):
        # The proxy resolves to a fresh backend for the overridden setting: port 1.
        assert cache._servers == ["redis://127.0.0.1:1/0"]
        with pytest.raises(redis.exceptions.ConnectionError, match=r"127\.0\.0\.1:1\b"):
            cache.get("probe")
        safe_cache.reset_backoff()
        yield
    safe_cache.reset_backoff()


def cache_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "clinicbot.cache"
        and r.levelno == logging.WARNING
        and "using the database" in r.getMessage()
    ]


@pytest.mark.django_db
def test_session_load_and_save_work_from_the_database_when_the_cache_is_down(
    dead_cache, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="clinicbot.cache")
    state = booking_state()

    save(state, NOW, django_capture_on_commit_callbacks)  # load (get fails) + save (set fails)
    assert len(cache_warnings(caplog)) == 1  # then the back-off skips the cache quietly
    safe_cache.reset_backoff()
    caplog.clear()

    loaded = session_load(phone=PHONE, now=NOW)

    assert loaded.state == state
    assert loaded.last_activity == NOW
    assert cache_warnings(caplog), "a failed cache read must be logged"
    safe_cache.reset_backoff()
    caplog.clear()

    with django_capture_on_commit_callbacks(execute=True):
        session_save(stored=loaded, now=NOW + dt.timedelta(minutes=1))
    assert any("failed" in m for m in cache_warnings(caplog))  # the write (or the stale-key flush before it)
    assert ConversationSession.objects.get(phone=PHONE).last_activity == NOW + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_a_full_turn_works_from_the_database_when_the_cache_is_down(
    dead_cache, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="clinicbot.cache")
    load_clinic(TEST_CLINIC)
    clock = FrozenClock(NOW)
    safe_cache.reset_backoff()
    caplog.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = handle_inbound(InboundText(phone=PHONE, text="oi, queria marcar uma consulta"), clock=clock)

    assert first.replies and all(r.text for r in first.replies)
    assert cache_warnings(caplog)
    row = ConversationSession.objects.get(phone=PHONE)
    assert row.current_state == first.result.state.state == "collecting"
    messages = list(ConversationMessage.objects.filter(session=row).values_list("direction", flat=True))
    assert messages == [Direction.USER] + [Direction.BOT] * len(first.replies)

    # The next turn continues from the state the database holds.
    safe_cache.reset_backoff()
    snapshot.forget_process_memo()
    with django_capture_on_commit_callbacks(execute=True):
        second = handle_inbound(InboundText(phone=PHONE, text="cardiologista"), clock=clock)
    assert second.result.state.specialty == "Cardiologia"
    assert ConversationSession.objects.get(phone=PHONE).selected_specialty == "Cardiologia"


@pytest.mark.django_db
def test_a_session_saved_while_the_cache_was_down_is_not_stale_when_it_comes_back(
    django_capture_on_commit_callbacks,
):
    before = booking_state()
    save(before, NOW, django_capture_on_commit_callbacks)  # cached
    after = booking_state()
    after.state, after.time = "confirming", "11:00"

    with override_settings(CACHES=DEAD_REDIS):
        safe_cache.reset_backoff()
        save(after, NOW + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    safe_cache.reset_backoff()  # the cache is back, with the entries it had

    assert session_load(phone=PHONE, now=NOW + dt.timedelta(minutes=2)).state == after


def test_the_engine_states_are_the_states_the_database_lists():
    from clinicbot.conversations.models import SessionState as StoredStates

    assert {str(s) for s in State} == set(StoredStates.values)
