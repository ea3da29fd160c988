"""Yes and no in confirmation states: extra words, hedges, emojis, and the action being confirmed."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.nlu.yes_no import emoji_answer
from clinicbot.engine.tests.fakes import make_catalog

TODAY = dt.date(2027, 6, 1)  # a Tuesday
CATALOG = make_catalog()
# Both the rules alone (NLU_MODEL=off) and the rules combined with the shipped model.
READERS = {"rules": Understanding(CATALOG, model=None), "model": Understanding(CATALOG)}


def intent(reader: str, text: str, state: str) -> str:
    parse, _ = READERS[reader].detect(text, state=state, today=TODAY, now_time=dt.time(8, 0))
    return parse.intent


YES = ["isso mesmo, confirma", "positivo", "confirmado", "pode sim", "sim senhora", "amém, pode confirmar",
       "👍", "👍🏻", "✅", "👌", "👌🏽", "ok ✅"]  # fmt: skip
NO = ["na verdade não", "infelizmente não", "melhor não", "acho melhor não", "❌", "👎", "👎🏾"]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", YES)
def test_a_yes_with_extra_words_or_an_emoji_confirms(reader, text):
    assert intent(reader, text, "confirming") == "confirm"
    assert intent(reader, text, "confirming_cancel") == "confirm"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", NO)
def test_a_hedged_no_or_a_no_emoji_denies(reader, text):
    assert intent(reader, text, "confirming") == "deny"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", ["sim, pode cancelar", "pode cancelar", "cancela sim", "ok, pode desmarcar"])
def test_a_yes_naming_the_cancellation_being_confirmed_is_a_yes_not_a_new_request(reader, text):
    assert intent(reader, text, "confirming_cancel") == "confirm"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", ["não, não cancela", "nao precisa cancelar nao"])
def test_a_no_naming_the_cancellation_being_confirmed_is_a_no(reader, text):
    assert intent(reader, text, "confirming_cancel") == "deny"


@pytest.mark.parametrize("reader", READERS)
def test_a_yes_naming_the_move_under_a_summary_confirms_it(reader):
    assert intent(reader, "sim, pode remarcar", "confirming") == "confirm"


@pytest.mark.parametrize("reader", READERS)
def test_the_same_words_outside_a_confirmation_stay_a_request(reader):
    assert intent(reader, "sim, pode cancelar", "idle") == "cancel_appointment"
    assert intent(reader, "quero cancelar", "confirming_cancel") == "confirm"
    assert intent(reader, "não, quero remarcar", "confirming_cancel") == "reschedule_appointment"
    assert intent(reader, "quero falar com um atendente", "confirming_cancel") == "human_agent"


def test_emojis_answer_yes_or_no_whatever_their_skin_tone():
    assert emoji_answer("👍🏽") == emoji_answer("✔️") == "yes"
    assert emoji_answer("❌") == emoji_answer("👎🏻") == "no"
    assert emoji_answer("👍❌") == emoji_answer("😊") == emoji_answer("sim") == ""


def test_an_emoji_alone_is_no_answer_when_nothing_was_asked():
    assert intent("rules", "👍", "idle") != "confirm"


@pytest.mark.parametrize("text", ["Raimunda Sousa Pereira", "Gilberto Nascimento Ramos"])
def test_a_message_that_is_only_a_name_is_information_even_while_times_are_offered(text):
    parse, _ = READERS["model"].detect(text, state="choosing_slot", today=TODAY)
    assert (parse.intent, parse.entities) == ("provide_info", {"patient_name": text})


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", ["pode marcar", "marca sim por favor", "pode agendar"])
def test_an_order_to_book_under_a_summary_confirms_it(reader, text):
    assert intent(reader, text, "confirming") == "confirm"


@pytest.mark.parametrize("reader", READERS)
def test_another_booking_asked_under_a_summary_is_not_a_yes(reader):
    assert intent(reader, "quero marcar outra pro meu filho", "confirming") != "confirm"
