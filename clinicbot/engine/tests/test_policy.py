"""State transitions of the dialogue policy, on a fictional clinic with in-memory ports."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicbot.engine.nlu.normalize import fold

from .fakes import TZ, Conversation


def test_booking_fills_data_in_any_order_and_books_only_after_yes():
    c = Conversation()
    assert "especialidade" in fold(c.says("oi, queria marcar uma consulta"))
    assert c.state.state == "collecting"
    c.says("semana que vem quinta de tarde as 15h")  # date and time before the specialty
    assert "convenio" in fold(c.says("cardiologista"))
    reply = c.says("hapvida")
    assert "nome" in fold(reply)
    reply = c.says("Rita de Cassia Moura")
    assert "Dr. Marcos Lins" in reply and "15:00" in reply and "10/06" in reply
    assert c.state.state == "confirming"
    assert c.bookings.rows == {}
    c.says("sim")
    assert c.state.state == "idle"
    (appt,) = c.bookings.rows.values()
    assert appt.start.astimezone(TZ).time() == dt.time(15, 0)
    assert appt.patient_name == "Rita de Cassia Moura"


def test_holiday_is_refused_with_the_word_feriado():
    c = Conversation()
    reply = c.says("quero cardio pela hapvida dia 03/06 as 9h, sou Paulo Sergio Dantas")
    assert "feriado" in fold(reply)
    assert c.state.state == "choosing_slot"
    # The next day he works, from his first free time — never the days before the one asked.
    assert "08/06 às 08:00" in reply and "01/06" not in reply


def test_taken_slot_offers_nearest_free_times_same_day_first():
    c = Conversation()
    c.availability.taken[(1, dt.date(2027, 6, 1))] = {dt.time(10, 0)}
    reply = c.says("Joao Batista Leite aqui, quero cardiologista hoje as 10h pela hapvida")
    assert "09:30" in reply and "10:30" in reply
    c.says("pode ser o das 10:30")
    assert c.state.state == "confirming"
    assert c.state.time == "10:30"


def test_doctor_not_working_that_day_offers_the_next_days_he_works():
    c = Conversation()
    reply = c.says("quero marcar com o dr lins segunda as 9, particular. Nome: Carla Dias")
    assert "nao atende as segundas" in fold(reply)
    assert c.state.context.offered
    assert "08/06 às 08:00" in reply and "03/06" not in reply


def test_shared_first_name_asks_which_doctor():
    c = Conversation()
    reply = c.says("quero marcar com o dr marcos")
    assert "Lins" in reply and "Queiroz" in reply
    assert c.state.state == "choosing_doctor"
    c.says("2")
    assert c.state.doctor == "Dr. Marcos Queiroz"
    assert c.state.specialty == "Neurologia"


def test_insurance_not_taken_names_the_colleague_who_takes_it():
    c = Conversation()
    reply = c.says("quero marcar com o dr marcos lins pela sulamerica")
    assert "Tereza Cavalcanti" in reply
    c.says("sim")
    assert c.state.doctor == "Dra. Tereza Cavalcanti"


def test_side_question_is_answered_and_booking_resumes():
    c = Conversation()
    c.says("quero pediatra pela hapvida")
    reply = c.says("onde fica a clinica?")
    assert "Boa Viagem" in reply
    assert "agendamento" in fold(reply)
    assert c.state.specialty == "Pediatria" and c.state.insurance == "Hapvida"


def test_emergency_interrupts_any_state_with_samu():
    c = Conversation()
    c.says("quero pediatra pela hapvida")
    reply = c.says("meu filho ta tendo uma convulsao")
    assert "192" in reply
    assert c.state.state == "idle"


def test_handoff_silences_the_assistant_but_not_for_emergencies():
    c = Conversation()
    c.says("quero falar com um atendente")
    assert c.state.handed_off
    assert c.says("oi? alguem?") == ""
    assert "192" in c.says("socorro ele desmaiou")


def test_a_booking_that_goes_nowhere_for_three_turns_is_handed_to_staff():
    c = Conversation()
    c.says("quero marcar pediatra pela hapvida")
    c.says("???")
    c.says("como assim")
    assert c.state.state == "choosing_slot" and not c.state.handed_off
    reply = c.says("???")
    assert c.state.handed_off and c.state.state == "handoff"
    assert "nao estou conseguindo concluir" in fold(reply) and "equipe" in fold(reply)
    assert c.says("ola?") == ""  # the assistant now stays silent


def test_questions_do_not_count_and_progress_starts_the_count_over():
    c = Conversation()
    c.says("quero marcar pediatra pela hapvida")
    c.says("???")
    c.says("como assim")
    assert "Boa Viagem" in c.says("onde fica a clinica?")  # answered, not counted
    assert not c.state.handed_off
    c.says("quinta as 15h")  # progress: the count starts over
    c.says("???")
    c.says("???")
    assert not c.state.handed_off


def test_deny_on_summary_then_correction_rebooks_the_new_day():
    c = Conversation()
    c.says("Bruna Lima, cardio, hapvida, hoje as 9h")
    assert c.state.state == "confirming"
    assert "corrigir" in fold(c.says("nao"))
    reply = c.says("é quinta que vem nao hoje, mesmo horario")
    assert c.state.date == "2027-06-10" or "feriado" in fold(reply)


def test_cancel_asks_confirmation_and_frees_the_slot():
    c = Conversation()
    c.says("Bruna Lima, cardio, hapvida, hoje as 9h")
    c.says("sim")
    reply = c.says("preciso cancelar minha consulta")
    assert "09:00" in reply and c.state.state == "confirming_cancel"
    c.says("sim")
    assert c.bookings.active_for("x") == []
    assert c.availability.taken_starts(1, dt.date(2027, 6, 1)) == set()


def test_reschedule_moves_the_booking_after_confirmation():
    c = Conversation()
    c.says("Bruna Lima, cardio, hapvida, hoje as 9h")
    c.says("sim")
    reply = c.says("da pra remarcar pra quinta da semana que vem as 15h?")
    assert "15:00" in reply and c.state.state == "confirming"
    c.says("sim")
    (active,) = c.bookings.active_for("x")
    assert active.start.astimezone(TZ) == dt.datetime(2027, 6, 10, 15, 0, tzinfo=TZ)


def test_check_lists_the_booking_with_time():
    c = Conversation()
    c.says("Bruna Lima, cardio, hapvida, hoje as 9h")
    c.says("sim")
    assert "09:00" in c.says("que horas ficou minha consulta?")


def test_slot_lost_to_a_race_offers_alternatives_instead_of_booking():
    c = Conversation()
    c.says("Bruna Lima, cardio, hapvida, hoje as 9h")
    c.availability.taken[(1, dt.date(2027, 6, 1))] = {dt.time(9, 0)}  # someone else booked it meanwhile
    reply = c.says("sim")
    assert "ocupado" in fold(reply)
    assert c.bookings.rows == {}
    assert c.state.state == "choosing_slot"


def test_never_books_in_the_past():
    c = Conversation()
    reply = c.says("Bruna Lima, cardio, hapvida, hoje as 7h")
    assert c.state.state != "confirming"
    assert "07:00" not in reply.split("\n", 1)[-1]


def test_nothing_is_booked_beyond_the_horizon():
    c = Conversation()
    reply = c.says("Bruna Lima, cardio, hapvida, dia 10/12 as 9h")  # six months ahead
    assert "60 dias" in reply
    assert c.state.state == "choosing_slot"
    offered = c.state.context.offered
    assert all(key.split("|")[1] <= "2027-07-31" for key in offered)


def test_a_second_booking_on_the_same_day_and_plan_reuses_the_first_ones_values():
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida, meu nome é Carla Souza")
    c.says("terça dia 8 às 9h")
    c.says("sim")
    reply = c.says(
        "agora quero marcar pediatria pro meu filho Pedro Souza no mesmo dia, às 14h, mesmo convênio"
    )
    assert c.state.state == "confirming"
    assert (c.state.date, c.state.time, c.state.insurance) == ("2027-06-08", "14:00", "Hapvida")
    assert "Pedro Souza" in reply and "Carla" not in reply


def test_a_second_booking_asks_whether_it_is_the_same_insurance_again():
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida, meu nome é Carla Souza")
    c.says("terça dia 8 às 9h")
    c.says("sim")
    assert "Hapvida de novo" in c.says("agora pediatria pro Pedro Souza, terça dia 8 às 14h")
    c.says("sim")
    assert c.state.insurance == "Hapvida"


def test_no_to_the_same_insurance_asks_which_one():
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida, meu nome é Carla Souza")
    c.says("terça dia 8 às 9h")
    c.says("sim")
    c.says("agora pediatria pro Pedro Souza, terça dia 8 às 14h")
    reply = fold(c.says("não"))
    assert "convenio ou sera particular" in reply and c.state.insurance == ""


@pytest.mark.parametrize(
    "second",
    [
        "agora quero marcar pediatra pro meu filho terça dia 8 às 14h",
        "agora a outra, pediatria terça dia 8 às 14h",
        "e pra minha filha, pediatra terça dia 8 às 14h",
    ],
)
def test_a_booking_for_someone_else_is_never_made_in_the_last_patients_name(second):
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida, meu nome é Carla Souza")
    c.says("terça dia 8 às 9h")
    c.says("sim")
    c.says(second)
    assert c.state.patient_name == ""
    assert "nome completo" in c.says("sim")  # the same insurance; now whose booking is it?


def test_another_booking_for_the_same_patient_keeps_the_name():
    c = Conversation()
    c.says("quero marcar cardiologista pela hapvida, meu nome é Carla Souza")
    c.says("terça dia 8 às 9h")
    c.says("sim")
    assert "Carla Souza" in c.says(
        "quero marcar outra pra mim, neurologista particular segunda dia 14 às 8h40"
    )
