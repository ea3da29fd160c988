"""A configured LLM gives a second reading only when the offline NLU is unsure, and only what checks out counts."""

from __future__ import annotations

import datetime as dt

from clinicbot.engine.llm.understanding import validated
from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.ports import LlmReading
from clinicbot.engine.tests.fakes import make_catalog

TODAY = dt.date(2027, 6, 1)
CATALOG = make_catalog()


class FakeInterpreter:
    def __init__(self, reading: LlmReading | None) -> None:
        self.reading = reading
        self.asked: list[tuple[str, str]] = []

    def interpret(self, text, *, situation, catalog, today):
        self.asked.append((text, situation))
        return self.reading


def test_only_contract_intents_and_the_clinics_own_names_survive_validation():
    reading = LlmReading(
        "schedule_appointment",
        {
            "specialty": "cardiologia",  # canonical name, any case
            "doctor": "Dr. Inventado da Silva",  # not in the clinic
            "date": "2027-06-03",
            "time": "25:00",
            "period": "madrugada",
            "insurance": "hapvida",
        },
    )
    kept = validated(reading, CATALOG, TODAY)
    assert kept == LlmReading(
        "schedule_appointment", {"specialty": "Cardiologia", "date": "2027-06-03", "insurance": "Hapvida"}
    )
    assert validated(LlmReading("book_now", {}), CATALOG, TODAY) is None
    assert validated(LlmReading("greeting", {"date": "2020-01-01"}), CATALOG, TODAY) == LlmReading(
        "greeting", {}
    )


def test_an_unsure_reading_asks_the_interpreter_and_takes_its_checked_answer():
    nlu = Understanding(CATALOG)
    llm = FakeInterpreter(LlmReading("ask_price", {"specialty": "Cardiologia"}))
    parse, _ = nlu.detect("hmmm aquele lance la sabe", state="idle", today=TODAY, interpreter=llm)
    assert llm.asked == [("hmmm aquele lance la sabe", "idle")]
    assert parse.intent == "ask_price" and parse.entities["specialty"] == "Cardiologia"


def test_emergencies_and_confident_readings_never_wait_for_an_llm():
    nlu = Understanding(CATALOG)
    llm = FakeInterpreter(LlmReading("greeting", {}))
    assert nlu.detect("meu pai ta com dor no peito forte", state="idle", today=TODAY, interpreter=llm)[
        0
    ].intent == ("emergency")
    assert nlu.detect("quero falar com um atendente", state="idle", today=TODAY, interpreter=llm)[
        0
    ].intent == ("human_agent")
    assert llm.asked == []


def test_a_failed_or_invalid_llm_answer_leaves_the_offline_reading():
    nlu = Understanding(CATALOG)
    offline, _ = nlu.detect("hmmm aquele lance la sabe", state="idle", today=TODAY)
    for reading in (None, LlmReading("not_an_intent", {})):
        parse, _ = nlu.detect(
            "hmmm aquele lance la sabe", state="idle", today=TODAY, interpreter=FakeInterpreter(reading)
        )
        assert parse.intent == offline.intent
