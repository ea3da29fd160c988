"""The per-phone rate window carried in the session state (no query per turn)."""

from __future__ import annotations

import datetime as dt

from clinicbot.conversations.models import ConversationMessage
from clinicbot.conversations.rate_limit import RATE_LIMIT_REPLY, RateWindow
from clinicbot.engine.state import Bookkeeping, SessionState, State

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def _messages(*seconds_ago: float) -> list[ConversationMessage]:
    return [ConversationMessage(content="oi", timestamp=NOW - dt.timedelta(seconds=s)) for s in seconds_ago]


def test_messages_of_earlier_turns_count_toward_the_limit_until_a_minute_has_passed(settings):
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    kept = Bookkeeping()
    for seconds_ago in (50, 40, 30):  # three turns, one message each: within the rate
        window = RateWindow.load(kept, _messages(seconds_ago), NOW)
        assert window.check(NOW) is None
        window.remember(kept)
    fourth = RateWindow.load(kept, _messages(0), NOW)
    replies = fourth.check(NOW)
    assert replies is not None and [r.text for r in replies] == [RATE_LIMIT_REPLY]
    later = NOW + dt.timedelta(seconds=45)  # the first two arrivals left the window
    assert RateWindow.load(kept, _messages(-45), later).check(later) is None


def test_over_the_limit_the_notice_goes_once_a_minute_then_silence(settings):
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 2
    kept = Bookkeeping()
    window = RateWindow.load(kept, _messages(3, 2, 1), NOW)
    (notice,) = window.check(NOW) or ()
    assert notice.text == RATE_LIMIT_REPLY
    window.remember(kept)
    again = RateWindow.load(kept, _messages(0), NOW)
    assert again.check(NOW) == ()  # limited, but the notice was already sent this minute


def test_the_window_survives_a_reset_of_the_dialogue(settings):
    """The window lives in the session's bookkeeping, which no dialogue reset touches."""
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 2
    state = SessionState(phone="5511999990000", state=State.COLLECTING)
    state.context.expect = "date"
    window = RateWindow.load(state.bookkeeping, _messages(5, 4), NOW)
    assert window.check(NOW) is None
    window.remember(state.bookkeeping)
    state.reset()  # e.g. a booking finished in the turn
    assert RateWindow.load(state.bookkeeping, _messages(0), NOW).check(NOW) is not None


def test_the_kept_arrivals_are_capped_at_the_limit(settings):
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    kept = Bookkeeping()
    RateWindow.load(kept, _messages(*range(20)), NOW).remember(kept)
    assert len(kept.recent_arrivals) == 4


def test_no_limit_keeps_nothing(settings):
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 0
    kept = Bookkeeping()
    window = RateWindow.load(kept, _messages(*range(100)), NOW)
    assert window.check(NOW) is None
    window.remember(kept)
    assert kept == Bookkeeping()
