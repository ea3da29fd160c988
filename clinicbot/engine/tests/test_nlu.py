"""Entity matching and intent reading on a fictional clinic (no Django)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clinicbot.engine.nlu.detect import Understanding

from .fakes import NOW, make_catalog

TODAY = dt.date(2027, 6, 1)  # a Tuesday
nlu = Understanding(make_catalog())


def read(text: str, state: str = "idle", expect: str = ""):
    parse, matches = nlu.detect(text, state=state, today=TODAY, now_time=dt.time(8, 0), expect=expect)
    return parse, matches


@pytest.mark.parametrize(
    ("text", "specialty"),
    [
        ("quero um cardiologista", "Cardiologia"),
        ("quero um cardiologita", "Cardiologia"),  # typo
        ("CARDIOLOGIA", "Cardiologia"),
        ("preciso de neurologista", "Neurologia"),  # generated form of "Neurologia"
        ("preciso de um neurologo", "Neurologia"),
        ("tem pediatara?", "Pediatria"),  # typo of the alias
        ("consulta com urologista", "Urologia"),
    ],
)
def test_specialties_are_found_with_typos_and_without_accents(text, specialty):
    parse, _ = read(text)
    assert parse.entities.get("specialty") == specialty


def test_doctor_by_surname_title_and_first_name_with_title():
    assert read("quero marcar com a cavalcanti")[0].entities["doctor"] == "Dra. Tereza Cavalcanti"
    assert read("com a dra tereza")[0].entities["doctor"] == "Dra. Tereza Cavalcanti"
    assert read("doutora ana beatriz pode ser")[0].entities["doctor"] == "Dra. Ana Beatriz Farias"


def test_a_first_name_shared_by_two_doctors_gives_no_doctor_but_both_candidates():
    parse, matches = read("quero o dr marcos")
    assert "doctor" not in parse.entities
    assert set(matches.ambiguous_doctors) == {"Dr. Marcos Lins", "Dr. Marcos Queiroz"}


def test_a_negated_specialty_gives_no_entity():
    parse, _ = read("nao quero neuro, quero cardio")
    assert parse.entities.get("specialty") == "Cardiologia"
    assert "specialty" in parse.negated


def test_private_payment_phrases_mean_particular():
    for text in ("nao tenho convenio", "vou pagar particular", "sem plano"):
        assert read(text, state="collecting")[0].entities["insurance"] == "Particular"


def test_a_patients_name_is_not_mistaken_for_a_doctor():
    parse, _ = read("Marcia Lins Souza", state="collecting")
    assert parse.entities == {"patient_name": "Marcia Lins Souza"}


def test_name_introduced_in_a_long_message_is_title_cased():
    parse, _ = read("oi meu nome é joão pedro da silva e quero cardio")
    assert parse.entities["patient_name"] == "João Pedro da Silva"
    assert parse.intent in {"schedule_appointment", "provide_info"}  # the dialogue books either way


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("oiii", "greeting"),
        ("valeu, ate mais", "goodbye"),
        ("quanto custa o ecg?", "ask_price"),
        ("precisa de jejum pro ecg?", "ask_exams"),
        ("aceitam hapvida?", "ask_insurance"),
        ("onde fica?", "ask_location"),
        ("que horas abre sabado?", "ask_hours"),
        ("quais especialidades?", "ask_specialties"),
        ("quero falar com um humano", "human_agent"),
        ("ele desmaiou e nao acorda", "emergency"),
        ("vc gosta de futebol?", "out_of_scope"),
        ("desmarca minha consulta", "cancel_appointment"),
        ("quero remarcar", "reschedule_appointment"),
        ("minha consulta ta confirmada?", "check_appointment"),
    ],
)
def test_intents(text, intent):
    assert read(text)[0].intent == intent


def test_state_gives_meaning_to_short_answers():
    assert read("sim", state="confirming")[0].intent == "confirm"
    assert read("nao", state="confirming")[0].intent == "deny"
    parse, _ = read("2", state="choosing_slot")
    assert parse.intent == "provide_info" and parse.choice == 2
    # Asked for the name, a bare first name is the patient's, even if a doctor shares it.
    assert read("Tereza", state="collecting", expect="name")[0].entities == {"patient_name": "Tereza"}


def test_a_one_megabyte_message_is_read_only_up_to_the_limit():
    from clinicbot.engine.nlu.detect import MAX_TEXT

    text = "quero marcar " + "a" * 1_000_000
    parse, _ = read(text)
    assert parse == read(text[:MAX_TEXT])[0]
    assert parse.entities == {}


def test_a_common_word_is_never_a_typo_of_a_doctors_surname():
    """'machucado' shares a run of letters with 'Machado', but no typist gets there from it."""
    catalog = make_catalog()
    doctors = (dataclasses.replace(catalog.doctors[0], name="Dr. Paulo Machado"), *catalog.doctors[1:])
    u = Understanding(dataclasses.replace(catalog, doctors=doctors))

    def doctor_in(text: str) -> str:
        return u.detect(text, today=NOW.date(), now_time=NOW.time())[0].entities.get("doctor", "")

    assert doctor_in("meu filho ta machucado no joelho, quero marcar") == ""
    assert doctor_in("quero marcar com o machdo") == "Dr. Paulo Machado"  # a typo still finds him


@pytest.mark.parametrize(
    ("text", "normal"),
    [("qm atende cardiologia ai", "quem atende cardiologia ai"), ("oq eu faço agr", "o que eu faco agora")],
)
def test_chat_abbreviations_are_read_as_the_words_they_stand_for(text, normal):
    from clinicbot.engine.nlu.normalize import normalize

    assert normalize(text) == normal


def test_who_sees_a_specialty_in_chat_spelling_asks_for_the_doctors():
    u = Understanding(make_catalog())
    assert (
        u.detect("qm atende cardiologia ai", today=NOW.date(), now_time=NOW.time())[0].intent == "ask_doctors"
    )
