"""Picking among offered options in natural forms: numbers, emojis, "o das 10", "qualquer um"."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicbot.engine.nlu.choices import picks_any
from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.nlu.normalize import normalize
from clinicbot.engine.tests.fakes import make_catalog

TODAY = dt.date(2027, 6, 1)  # a Tuesday
nlu = Understanding(make_catalog(), model=None)


def pick(text: str, state: str = "choosing_slot"):
    parse, _ = nlu.detect(text, state=state, today=TODAY, now_time=dt.time(8, 0))
    return parse


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1️⃣", 1),
        ("3️⃣ por favor", 3),
        ("opção 2", 2),
        ("a segunda opção", 2),
        ("o terceiro", 3),
        ("o último", -1),
    ],
)
def test_numbers_ordinals_and_keycap_emojis_pick_an_option(text, choice):
    assert pick(text).choice == choice


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("o das 10", {"time": "10:00"}),
        ("esse das 14h", {"time": "14:00"}),
        ("o de quinta", {"date": "2027-06-03"}),
        ("830", {"time": "08:30"}),
        ("1430", {"time": "14:30"}),
    ],
)
def test_a_pick_by_time_or_day_gives_that_entity_and_no_option_number(text, entities):
    parse = pick(text)
    assert parse.entities == entities
    assert parse.choice is None


@pytest.mark.parametrize(
    "text",
    [
        "qualquer um",
        "qualquer um desses",
        "tanto faz",
        "o mais cedo",
        "o primeiro que tiver",
        "pode ser qualquer horário",
    ],
)
def test_leaving_the_pick_to_us_is_option_one(text):
    assert picks_any(normalize(text))
    assert pick(text).choice == 1
    assert pick(text, state="choosing_doctor").choice == 1


@pytest.mark.parametrize("text", ["tem mais cedo?", "qualquer dia de manhã", "tanto faz, mas de tarde", "oi"])
def test_asking_for_earlier_times_or_naming_a_period_is_not_a_pick(text):
    assert pick(text).choice is None


def test_the_last_option_of_the_afternoon_is_still_the_last_one():
    assert pick("pode ser o último horário da tarde dele").choice == -1


@pytest.mark.parametrize("text", ["o mais tarde dos dois", "pode ser o último", "a mais tardia"])
def test_the_latest_option_is_the_last_one_offered(text):
    parse, _ = Understanding(make_catalog(), model=None).detect(
        text, state="choosing_slot", today=dt.date(2027, 6, 1), now_time=dt.time(8, 0)
    )
    assert parse.choice == -1
