"""The dialogue never dead-ends: safety first, honest answers, and every flow can be left.

One test per failure class found in free-form conversations (issue 13, item 4), written
on the fictional clinic of ``fakes.py`` with wording of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clinicbot.engine.dialogue.safety import SAFETY_MODE_MINUTES
from clinicbot.engine.nlu.normalize import fold
from clinicbot.engine.types import FaqItem

from .fakes import Conversation, make_catalog


# ----------------------------------------------------------------------------- safety
@pytest.mark.parametrize(
    "follow_up",
    ["o que eu faço agora?", "voces atendem urgencia?", "vou ligar pro samu entao", "ele mora sozinho"],
)
def test_messages_after_an_emergency_stay_in_emergency_mode(follow_up):
    c = Conversation()
    assert "192" in c.says("meu marido caiu da escada e nao acorda")
    reply = c.says(follow_up)
    assert "192" in reply
    assert "convenio" not in fold(reply) and "endereco" not in fold(reply)


def test_a_booking_request_right_after_an_emergency_still_gets_192_and_no_booking_question():
    c = Conversation()
    c.says("minha filha ta com a boca roxa e nao respira direito")
    reply = c.says("da pra marcar um pediatra pra amanha entao?")
    assert "192" in reply and "convenio" not in fold(reply)
    assert c.state.state == "idle"


def test_the_same_safety_message_is_never_sent_twice_in_a_row():
    c = Conversation()
    replies = [c.says("socorro meu pai ta com dor forte no peito"), c.says("e agora?"), c.says("alo?")]
    assert all("192" in r for r in replies)
    assert replies[0] != replies[1] != replies[2]


def test_safety_mode_ends_when_the_patient_clearly_moves_on_and_booking_works_again():
    c = Conversation()
    c.says("meu filho engoliu um remedio da avo")
    ack = c.says("ja voltamos do hospital, ta tudo bem graças a deus")
    assert "192" not in ack
    reply = fold(c.says("queria marcar um pediatra pra ele"))
    assert "192" not in reply and "convenio" in reply  # the booking goes on


def test_a_contrast_after_it_is_over_keeps_the_emergency_mode():
    c = Conversation()
    c.says("socorro minha filha ta tendo convulsao")
    reply = c.says("ja passou mas ela ta molinha, levo ai na clinica?")
    assert "192" in reply and "safety_resolved" not in c.last_events
    assert "av. boa viagem" not in fold(reply)  # no address: the clinic is not the place


def test_moving_on_with_a_new_request_acknowledges_and_answers_it_in_the_same_turn():
    c = Conversation()
    c.says("minha vo ta com a boca torta e nao mexe o braco")
    reply = fold(
        c.says(
            "ela ja foi atendida no hospital, graças a deus. agora quero marcar um cardiologista pela hapvida"
        )
    )
    assert "que bom saber" in reply and "192" not in reply
    assert c.state.specialty == "Cardiologia" and c.state.insurance == "Hapvida"


def test_a_doctor_named_socorro_is_a_name_not_a_cry_for_help():
    doctors = list(make_catalog().doctors)
    doctors[1] = dataclasses.replace(doctors[1], name="Dra. Socorro Tavares")
    c = Conversation(catalog=dataclasses.replace(make_catalog(), doctors=tuple(doctors)))
    reply = c.says("quero marcar com a dra socorro tavares")
    assert "192" not in reply and "188" not in reply
    assert c.state.doctor == "Dra. Socorro Tavares"
    assert "192" in Conversation(catalog=c.catalog).says("socorro meu filho desmaiou")


def test_safety_mode_ages_out():
    c = Conversation()
    c.says("estou sangrando muito e nao para")
    c.now += dt.timedelta(minutes=SAFETY_MODE_MINUTES + 1)
    assert "especialidade" in fold(c.says("quero marcar uma consulta"))


def test_self_harm_gets_cvv_188_and_a_person_and_never_the_booking_flow():
    c = Conversation()
    reply = c.says("nao aguento mais, quero sumir e acabar com tudo")
    assert "188" in reply
    assert c.state.handed_off
    assert "self_harm" in c.last_events
    follow_up = c.says("ninguem se importa comigo")
    assert "188" in follow_up and "agendamento" not in fold(follow_up)


def test_an_emergency_mid_booking_drops_the_booking_and_alerts():
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida")
    assert "192" in c.says("meu pai desmaiou agora e nao responde")
    assert "emergency" in c.last_events
    assert c.state.specialty == "" and c.state.state == "idle"


@pytest.mark.parametrize(
    ("question", "never"),
    [
        ("posso tomar dipirona junto com o remedio de pressao?", ["mg", "pode tomar sim", "pode sim"]),
        ("quantas gotas de paracetamol dou pro meu filho de 4 anos?", ["gotas por", "ml"]),
    ],
)
def test_medical_advice_is_never_given_a_consultation_is_offered(question, never):
    c = Conversation()
    reply = fold(c.says(question))
    assert "medico" in reply and "consulta" in reply
    assert not any(word in reply for word in never)


# ----------------------------------------------------------------------------- people
def test_a_complaint_gets_an_apology_and_a_person_not_the_booking_flow():
    c = Conversation()
    reply = fold(c.says("que absurdo, esperei duas horas e ninguem me atendeu, pessimo atendimento"))
    assert "sinto muito" in reply
    assert c.state.handed_off


# ----------------------------------------------------------------------------- leaving a flow
@pytest.mark.parametrize(
    "giving_up", ["deixa pra la", "esquece, vou ver com meu marido e te falo", "nao quero marcar agora nao"]
)
def test_giving_up_ends_the_flow_politely(giving_up):
    c = Conversation()
    c.says("quero marcar pediatra")
    reply = c.says(giving_up)
    assert c.state.state == "idle" and c.state.specialty == ""
    assert "agendamento:" not in fold(reply)  # no "Voltando ao seu agendamento"


def test_nothing_in_progress_no_voltando_ao_agendamento():
    c = Conversation()
    assert "voltando" not in fold(c.says("obrigado"))


# ----------------------------------------------------------------------------- honest answers
def test_a_question_the_clinic_cannot_answer_gets_an_honest_dont_know_and_a_person_on_yes():
    c = Conversation()
    reply = fold(c.says("tem tomada pra carregar o celular na sala de espera?"))
    assert "nao sei" in reply and "recepcao" in reply
    c.says("sim")
    assert c.state.handed_off


def test_faq_entries_are_found_through_their_answers_words():
    catalog = dataclasses.replace(
        make_catalog(),
        faq=(
            FaqItem("Quais formas de pagamento?", "Aceitamos Pix, cartão de crédito e débito."),
            FaqItem("Tem internet para pacientes?", "Sim, rede Clinica_Visitante, senha boaviagem2027."),
        ),
    )
    c = Conversation(catalog=catalog)
    assert "pix" in fold(c.says("da pra pagar no credito?"))
    assert "boaviagem2027" in c.says("qual a senha do wifi?")


def test_an_elliptical_follow_up_asks_the_last_question_again():
    c = Conversation()
    c.says("voces abrem sabado?")
    assert "19:00" in c.says("e durante a semana?")  # the weekday hours, not "não sei"


def test_a_question_that_names_its_subject_is_not_read_as_a_follow_up_of_the_last_faq():
    bus = FaqItem("Passa ônibus perto da clínica?", "Sim, as linhas de ônibus param a 100 metros da clínica.")
    c = Conversation(catalog=dataclasses.replace(make_catalog(), faq=(bus,)))
    c.state.context.topic_faq = bus.question  # the bus entry was just answered
    assert "Estacionamento gratuito" in c.says("e se eu for de carro, tem onde parar?")
    c.state.context.topic_faq, c.state.context.topic_age = bus.question, 0
    assert "Av. Boa Viagem, 500" in c.says("qual o endereço certinho?")


def test_the_clinics_phone_numbers_are_reachable():
    assert "3333-0000" in Conversation().says("qual o telefone fixo de voces?")


# ----------------------------------------------------------------------------- follow-ups and suggestions
def test_follow_ups_keep_the_subject_of_the_last_answer():
    c = Conversation()
    assert "Tereza Cavalcanti" in c.says("quanto e a consulta com a dra tereza cavalcanti?")
    reply = c.says("e pela sulamerica cobre?")
    assert "Tereza Cavalcanti" in reply and "Sul" in reply


def test_when_does_he_work_answers_with_the_doctors_own_days_and_hours():
    c = Conversation()
    c.says("quem e o urologista de voces?")
    reply = fold(c.says("que dias ele atende?"))
    assert "Dr. Paulo" in c.state.context.topic_doctor or reply
    assert " as " in reply and ":00" in reply


def test_a_complaint_with_no_specialty_gets_a_suggestion_never_a_diagnosis():
    c = Conversation()
    reply = fold(c.says("ando com muita dor de cabeca"))
    assert "sugestao" in reply and "neurologia" in reply
    reply = c.says("sim")
    assert c.state.state == "collecting"


def test_the_same_answer_is_never_sent_twice_in_a_row():
    c = Conversation()
    first = c.says("kkkkkk")
    second = c.says("kkkkkk")
    assert first != second
    assert "recepcao" in fold(second)
    c.says("sim")
    assert c.state.handed_off


# ----------------------------------------------------------------------------- picks and offers
def test_a_doctor_is_picked_by_what_he_treats():
    c = Conversation()
    c.says("quero marcar com o dr marcos")
    assert c.state.state == "choosing_doctor"
    c.says("o que cuida de dor de cabeca")
    assert c.state.doctor == "Dr. Marcos Queiroz"  # the neurologist


def test_offered_times_always_say_whose_they_are():
    c = Conversation()
    c.availability.taken[(1, dt.date(2027, 6, 1))] = {dt.time(10, 0)}
    reply = c.says("quero com o dr marcos lins hoje as 10h pela hapvida, sou Rita Maria Souza")
    assert "10:30 — Dr. Marcos Lins" in reply or "10:30 — Dr. Marcos Lins" in reply.replace("às ", "")


def test_no_free_time_is_said_only_when_the_whole_open_agenda_has_none():
    c = Conversation()
    # The neurologist's next five Mondays are full: the sixth is still inside the agenda.
    for week in range(5):
        day = dt.date(2027, 6, 7) + dt.timedelta(weeks=week)
        c.availability.taken[(4, day)] = {
            dt.time(h, m) for h, m in ((8, 0), (8, 40), (9, 20), (10, 0), (10, 40), (11, 20))
        }
    reply = fold(c.says("quero marcar com o dr marcos queiroz segunda dia 7 particular, Paulo Dias"))
    assert "nao encontrei" not in reply
    assert "12/07" in reply
