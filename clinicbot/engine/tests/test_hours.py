"""Opening hours: open/closed and the next opening (weekends, holidays, lunch, closing time)."""

from __future__ import annotations

import datetime as dt

from clinicbot.engine.hours import fmt_hour, fmt_opening, is_open, next_opening
from clinicbot.engine.nlu.normalize import fold

from .fakes import NOW, Conversation, make_catalog, rng

# Weekdays 08:00-12:00 and 13:00-18:00 (lunch in between), Saturday morning, Sunday closed.
HOURS = {d: (rng("08:00", "12:00"), rng("13:00", "18:00")) for d in range(5)} | {5: (rng("08:00", "12:00"),)}
HOLIDAYS = frozenset({dt.date(2026, 4, 3), dt.date(2026, 4, 21)})  # Sexta-feira Santa, Tiradentes


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_open_inside_a_range_and_closed_at_its_end():
    assert is_open(HOURS, HOLIDAYS, at("2026-03-02T17:59"))
    assert not is_open(HOURS, HOLIDAYS, at("2026-03-02T18:00"))  # the end is exclusive


def test_when_open_the_next_opening_is_now():
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-02T09:15")) == at("2026-03-02T09:15")


def test_lunch_break_reopens_the_same_afternoon():
    assert not is_open(HOURS, HOLIDAYS, at("2026-03-02T12:30"))
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-02T12:30")) == at("2026-03-02T13:00")


def test_before_opening_it_opens_the_same_morning():
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-03T06:40")) == at("2026-03-03T08:00")


def test_just_after_closing_it_opens_the_next_morning():
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-03T18:00")) == at("2026-03-04T08:00")
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-03T23:59")) == at("2026-03-04T08:00")


def test_saturday_afternoon_and_sunday_wait_for_monday():
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-07T12:00")) == at("2026-03-09T08:00")
    assert next_opening(HOURS, HOLIDAYS, at("2026-03-08T10:00")) == at("2026-03-09T08:00")


def test_a_holiday_is_skipped_whole():
    # Thursday evening before Good Friday: Friday is a holiday, Saturday opens at 8h.
    assert not is_open(HOURS, HOLIDAYS, at("2026-04-03T10:00"))
    assert next_opening(HOURS, HOLIDAYS, at("2026-04-02T19:00")) == at("2026-04-04T08:00")


def test_a_clinic_without_hours_never_opens():
    assert next_opening({}, HOLIDAYS, at("2026-03-02T09:00")) is None


def test_the_opening_is_said_the_way_people_say_it():
    friday_night = at("2026-03-06T20:00")
    assert fmt_opening(at("2026-03-06T21:00"), friday_night) == "hoje, 21h"
    assert fmt_opening(at("2026-03-07T08:00"), friday_night) == "amanhã, 8h"
    assert fmt_opening(at("2026-03-09T08:00"), friday_night) == "segunda-feira, 8h"
    assert fmt_opening(at("2026-03-16T13:30"), friday_night) == "segunda-feira, 16/03, 13h30"
    assert fmt_hour(dt.time(7, 5)) == "7h05"


def test_handoff_while_closed_tells_when_a_person_answers():
    # The fake clinic opens 07:00-19:00 on weekdays and 08:00-12:00 on Saturdays.
    saturday_night = NOW.replace(day=5, hour=21)
    c = Conversation(now=saturday_night, catalog=make_catalog())
    reply = c.says("quero falar com um atendente")
    assert "equipe responde a partir de segunda-feira, 7h" in fold(reply)
    assert c.state.handed_off


def test_handoff_while_open_promises_an_answer_soon_and_nothing_more():
    c = Conversation()  # Tuesday 08:00, open
    reply = c.says("quero falar com um atendente")
    assert "em breve" in reply and "a partir de" not in reply
    assert c.state.context.handoff_at == NOW.isoformat()
