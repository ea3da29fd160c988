"""With nothing asked, a message naming who and when is a booking request, whatever else it says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.nlu.model import Prediction
from clinicbot.engine.tests.fakes import make_catalog


class _SureOf:
    """A model that reads every message as one label (a misreading the decision must correct)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def predict(self, features: Sequence[str]) -> Prediction:
        return Prediction(((self.label, 0.9), ("schedule_appointment", 0.1)))


def intent(text: str, model_reads: str, state: str = "idle") -> str:
    model: Any = _SureOf(model_reads)
    nlu = Understanding(make_catalog(), model=model)
    parse, _ = nlu.detect(text, state=state, today=dt.date(2027, 6, 1), now_time=dt.time(8, 0))
    return parse.intent


@pytest.mark.parametrize(
    ("text", "misreading"),
    [
        ("boa tarde, cardiologista pela hapvida terça que vem às 10h", "greeting"),
        ("agora o pediatra, sexta que vem às 9", "ask_hours"),
        ("neurologista segunda dia 7 às 8h, meu nome é Rosa Lima", "provide_info"),
        ("urologista segunda às 12h pelo hapvida, pode ser?", "ask_insurance"),
    ],
)
def test_who_and_when_with_nothing_asked_is_a_booking_request(text, misreading):
    assert intent(text, misreading) == "schedule_appointment"


@pytest.mark.parametrize(
    "text", ["que horas o cardiologista atende na terça?", "o pediatra atende sexta de manhã?"]
)
def test_a_question_about_who_and_when_stays_a_question(text):
    assert intent(text, "ask_hours") == "ask_hours"


def test_data_given_while_a_booking_waits_for_it_is_still_an_answer():
    assert intent("pediatra, sexta às 9", "provide_info", state="collecting") == "provide_info"
