"""Unsure, the assistant asks a short clarifying question with choices instead of guessing.

Written on the fictional clinic of ``fakes.py``; the messages are vague on purpose.
"""

from __future__ import annotations

import dataclasses

from clinicbot.engine.nlu.decide import ASK_LLM_BELOW, plausible_requests
from clinicbot.engine.nlu.normalize import fold
from clinicbot.engine.state import SessionState
from clinicbot.engine.types import FaqItem, ParseResult

from .fakes import Conversation, make_catalog

VAGUE_ABOUT_A_BOOKING = "preciso resolver aquele negocio da minha consulta"
VAGUE = "preciso daquela coisa"


def _options(reply: str) -> list[str]:
    return [line.split(". ", 1)[1] for line in reply.splitlines() if line[:1].isdigit() and ". " in line]


# ----------------------------------------------------------------------------- the reading
def test_an_unsure_out_of_scope_reading_offers_the_likely_requests_most_likely_first():
    probs = {
        "out_of_scope": 0.3,
        "ask_price": 0.25,
        "schedule_appointment": 0.2,
        "greeting": 0.2,
        "thanks": 0.05,
    }
    assert plausible_requests(probs, "out_of_scope", 0.3, "", {}) == ("ask_price", "schedule_appointment")


def test_a_sure_reading_a_refined_one_or_one_with_booking_data_is_never_questioned():
    probs = {"out_of_scope": 0.3, "ask_price": 0.3, "schedule_appointment": 0.4}
    assert plausible_requests(probs, "out_of_scope", ASK_LLM_BELOW, "", {}) == ()
    assert plausible_requests(probs, "out_of_scope", 0.3, "faq", {}) == ()
    assert plausible_requests(probs, "out_of_scope", 0.3, "", {"specialty": "Cardiologia"}) == ()
    assert plausible_requests(probs, "schedule_appointment", 0.4, "", {}) == ()  # the model leads with it


def test_a_request_the_model_barely_holds_while_leaning_elsewhere_offers_both():
    probs = {"reschedule_appointment": 0.34, "schedule_appointment": 0.22, "cancel_appointment": 0.14}
    alternatives = plausible_requests(probs, "schedule_appointment", 0.22, "", {})
    assert alternatives == ("reschedule_appointment", "schedule_appointment", "cancel_appointment")


# ----------------------------------------------------------------------------- the dialogue
def test_a_vague_message_gets_numbered_choices_with_a_person_not_the_generic_fallback():
    c = Conversation()
    reply = c.says(VAGUE)
    options = _options(reply)
    assert "nao consigo ajudar" not in fold(reply)
    assert len(options) >= 2 and options[-1] == "Falar com a recepção"
    assert "clarify" in c.last_events
    assert [choice.title for choice in c.last_replies[-1].choices] == options  # tappable on WhatsApp


def test_a_vague_message_about_a_booking_asks_which_action_instead_of_starting_a_booking():
    c = Conversation()
    options = _options(c.says(VAGUE_ABOUT_A_BOOKING))
    assert {"Remarcar uma consulta", "Marcar uma consulta"} <= set(options)
    assert c.state.state == "idle"  # no booking question asked on a guess


def test_picking_an_option_by_number_does_that_request():
    c = Conversation()
    options = _options(c.says(VAGUE_ABOUT_A_BOOKING))
    pick = options.index("Marcar uma consulta") + 1
    reply = fold(c.says(str(pick)))
    assert c.state.state == "collecting" and "especialidade" in reply


def test_picking_an_option_by_ordinal_word_works_too():
    c = Conversation()
    options = _options(c.says(VAGUE_ABOUT_A_BOOKING))
    ordinal = ["a primeira", "a segunda", "a terceira", "a quarta"][options.index("Marcar uma consulta")]
    c.says(ordinal)
    assert c.state.state == "collecting"


def test_picking_the_person_hands_the_conversation_over():
    c = Conversation()
    options = _options(c.says(VAGUE))
    c.says(str(len(options)))
    assert c.state.handed_off


def test_none_of_the_options_gets_a_polite_invitation_to_say_it_otherwise():
    c = Conversation()
    c.says(VAGUE)
    reply = fold(c.says("nenhum"))
    assert "outras palavras" in reply and not c.state.handed_off


def test_anything_else_withdraws_the_question_and_is_read_as_usual():
    c = Conversation()
    c.says(VAGUE)
    reply = fold(c.says("quero marcar com cardiologista"))
    assert c.state.specialty == "Cardiologia" and "convenio" in reply
    assert c.state.context.clarify_options == []


def test_a_second_vague_message_right_after_is_not_questioned_again():
    c = Conversation()
    c.says(VAGUE)
    c.says("sobre aquilo que eu te falei, sabe")
    assert "clarify" not in c.last_events


def test_the_pending_question_survives_a_restart():
    c = Conversation()
    options = _options(c.says(VAGUE_ABOUT_A_BOOKING))
    c.state = SessionState.from_dict(c.state.to_dict())  # stored and read back
    c.says(str(options.index("Marcar uma consulta") + 1))
    assert c.state.state == "collecting"


def test_an_emergency_is_never_questioned():
    c = Conversation()
    c.says(VAGUE)
    assert "192" in c.says("socorro meu filho caiu e bateu a cabeca, ta desmaiado")


def test_a_clear_message_is_never_questioned():
    c = Conversation()
    c.says("quero marcar uma consulta")
    assert "clarify" not in c.last_events
    parse = ParseResult("schedule_appointment", 0.9, {})
    assert parse.alternatives == ()


def test_an_unsure_request_the_clinics_faq_clearly_answers_gets_that_answer_not_a_question():
    faq = (
        FaqItem(
            "O que levar no dia da consulta?", "Traga um documento com foto e a carteirinha do convênio."
        ),
    )
    c = Conversation(catalog=dataclasses.replace(make_catalog(), faq=faq))
    reply = fold(c.says("vou usar o convenio, o que preciso levar?"))
    assert "carteirinha" in reply and "clarify" not in c.last_events
