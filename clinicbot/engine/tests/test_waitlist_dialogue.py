"""The waiting list in the dialogue, on the fictional clinic with in-memory ports."""

from __future__ import annotations

import datetime as dt

from clinicbot.engine.dialogue import entry as dialogue_entry
from clinicbot.engine.nlu.normalize import fold
from clinicbot.engine.ports import WaitlistRequest

from .fake_waitlist import WaitlistConversation
from .fakes import TZ

LINS = 1
THURSDAY = dt.date(2027, 6, 10)  # Dr. Marcos Lins works 14:00-18:00 on Thursdays
THURSDAY_STARTS = {dt.time(h, m) for h in range(14, 18) for m in (0, 30)}
ASK = "sou Rita de Cassia Moura, quero cardiologista pela hapvida dia 10/06 as 15h"


def full_thursday() -> WaitlistConversation:
    c = WaitlistConversation()
    c.availability.taken[(LINS, THURSDAY)] = set(THURSDAY_STARTS)
    return c


def test_a_full_day_offers_the_waiting_list_next_to_the_alternatives():
    c = full_thursday()
    reply = c.says(ASK)
    assert "lista de espera" in fold(reply)
    assert c.state.state == "choosing_slot"
    (offer,) = c.last_replies[-1:]
    assert offer.choices[-1].title == "Lista de espera"
    assert offer.choices[-1].id == str(len(c.state.context.offered) + 1)


def test_choosing_the_waiting_list_option_stores_the_wish_and_confirms():
    c = full_thursday()
    c.says(ASK)
    option = len(c.state.context.offered) + 1
    reply = c.says(str(option))
    assert "lista de espera" in fold(reply) and "30 minutos" in reply
    assert c.state.state == "idle"
    (entry,) = c.waitlist.entries.values()
    assert entry.request == WaitlistRequest(
        phone=c.state.phone,
        patient_name="Rita de Cassia Moura",
        specialty="Cardiologia",
        insurance="Hapvida",
        date_from=THURSDAY,
        date_to=THURSDAY,
        specialty_id=1,
        insurance_id=1,
    )
    assert c.bookings.rows == {}
    assert "waitlist_joined" in c.last_events


def test_saying_i_want_the_list_joins_it():
    c = full_thursday()
    c.says(ASK)
    c.says("quero entrar na lista de espera")
    assert len(c.waitlist.entries) == 1


def test_refusing_the_alternatives_asks_whether_to_wait_and_yes_joins():
    c = full_thursday()
    c.says(ASK)
    reply = c.says("nao, nenhum desses")
    assert "outro dia" in fold(reply) and "lista de espera" in fold(reply)
    assert c.waitlist.entries == {}
    c.says("sim")
    (entry,) = c.waitlist.entries.values()
    assert entry.request.date_from == THURSDAY


def test_joining_without_a_name_asks_for_it_first():
    c = full_thursday()
    c.says("quero cardiologista pela hapvida dia 10/06 a tarde")
    c.says("lista de espera")
    assert c.state.state == "waitlist_name"
    assert c.waitlist.entries == {}
    c.says("Joao Batista Leite")
    (entry,) = c.waitlist.entries.values()
    assert entry.request.patient_name == "Joao Batista Leite"
    assert entry.request.period == "afternoon"


def test_a_day_with_free_times_left_does_not_offer_the_list():
    c = WaitlistConversation()
    c.availability.taken[(LINS, THURSDAY)] = {dt.time(15, 0)}
    reply = c.says(ASK)
    assert "14:30" in reply and "lista" not in fold(reply)


def test_a_holiday_does_not_offer_the_list():
    c = WaitlistConversation()
    reply = c.says("sou Paulo Sergio Dantas, quero cardio pela hapvida dia 03/06 as 9h")
    assert "feriado" in fold(reply) and "lista" not in fold(reply)


def test_without_a_waiting_list_port_the_alternatives_are_unchanged():
    plain, with_list = full_thursday(), full_thursday()
    plain.waitlist = None  # type: ignore[assignment]
    from .fakes import Conversation

    bare = Conversation()
    bare.availability.taken[(LINS, THURSDAY)] = set(THURSDAY_STARTS)
    reply = bare.says(ASK)
    assert "lista" not in fold(reply)
    assert reply in with_list.says(ASK)


def offered(c: WaitlistConversation, at: dt.time = dt.time(15, 0)) -> int:
    """What the clinic's offer does: an entry offered the slot and the session waiting for 1/2."""
    receipt = c.waitlist.join(
        WaitlistRequest(c.state.phone, "Rita de Cassia Moura", "Cardiologia", "Hapvida", THURSDAY, THURSDAY)
    )
    c.waitlist.offer(receipt.entry_id)
    dialogue_entry.offer_waitlist_slot(
        c.state,
        entry_id=receipt.entry_id,
        patient_name="Rita de Cassia Moura",
        specialty="Cardiologia",
        doctor="Dr. Marcos Lins",
        insurance="Hapvida",
        start=dt.datetime.combine(THURSDAY, at, tzinfo=TZ),
        prompt="Responda 1 ou 2",
    )
    return receipt.entry_id


def test_answering_1_to_an_offer_books_the_slot_and_closes_the_entry():
    c = WaitlistConversation()
    entry_id = offered(c)
    reply = c.says("1")
    assert "Consulta marcada" in reply
    (appt,) = c.bookings.rows.values()
    assert appt.start == dt.datetime.combine(THURSDAY, dt.time(15, 0), tzinfo=TZ)
    assert appt.patient_name == "Rita de Cassia Moura"
    assert c.waitlist.entries[entry_id].status == "booked"
    assert c.waitlist.entries[entry_id].appointment_id == appt.id
    assert c.state.state == "idle"


def test_answering_sim_to_an_offer_books_it_too():
    c = WaitlistConversation()
    offered(c)
    c.says("sim, quero")
    assert len(c.bookings.rows) == 1


def test_answering_no_passes_the_slot_on_and_books_nothing():
    c = WaitlistConversation()
    entry_id = offered(c)
    reply = c.says("2")
    assert "proxima pessoa" in fold(reply)
    assert c.waitlist.entries[entry_id].status == "declined"
    assert c.bookings.rows == {}
    assert c.state.state == "idle"


def test_an_offer_whose_slot_was_taken_meanwhile_offers_alternatives_and_keeps_the_place():
    c = WaitlistConversation()
    entry_id = offered(c)
    c.availability.taken[(LINS, THURSDAY)] = {dt.time(15, 0)}
    reply = c.says("1")
    assert "acabou de ser ocupado" in reply and "14:30" in reply
    assert c.waitlist.entries[entry_id].status == "waiting"
    assert c.bookings.rows == {}


def test_a_side_question_during_an_offer_is_answered_and_the_offer_asked_again():
    c = WaitlistConversation()
    offered(c)
    reply = c.says("qual o endereço?")
    assert "Boa Viagem" in reply and "Responda 1 ou 2" in reply
    assert c.state.state == "waitlist_offer"
