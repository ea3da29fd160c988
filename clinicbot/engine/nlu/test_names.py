"""The patient's name: introductions in every form, the person to be seen, never a blessing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clinicbot.engine.nlu.detect import Understanding
from clinicbot.engine.tests.fakes import make_catalog
from clinicbot.engine.types import NamedItem

TODAY = dt.date(2027, 6, 1)  # a Tuesday
nlu = Understanding(make_catalog(), model=None)


def name_in(text: str, state: str = "collecting", expect: str = "") -> str | None:
    parse, _ = nlu.detect(text, state=state, today=TODAY, now_time=dt.time(8, 0), expect=expect)
    return parse.entities.get("patient_name")


@pytest.mark.parametrize(
    "text",
    [
        "Deus te abençoe",
        "Deus abençoe",
        "graças a Deus",
        "nada disso",
        "de preferência",
        "bom dia",
        "tudo bem",
        "só um minutinho",
        "peraí",
        "Amém",
        "muito obrigada, minha filha, Deus te pague",
    ],
)
def test_blessings_fillers_greetings_and_negations_are_never_a_name_even_when_the_name_was_asked(text):
    assert name_in(text, expect="name") is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("meu nome Carlos Souza", "Carlos Souza"),
        ("meu nome completo é Carlos Souza", "Carlos Souza"),
        ("me chamo edvaldo pinheiro lima, fico no aguardo", "Edvaldo Pinheiro Lima"),
        ("Nome: Rita de Cássia Moura", "Rita de Cássia Moura"),
        ("aqui é Dona Maria", "Maria"),
        ("aqui é dona Benedita Araújo Lima", "Benedita Araújo Lima"),
        ("Bom dia, aqui é Dona Francisca das Chagas Moreira, quero marcar", "Francisca das Chagas Moreira"),
        ("é a Dona Francisca das Chagas", "Francisca das Chagas"),
        ("sou o Seu João", "João"),
        ("quem fala é Marta Rocha", "Marta Rocha"),
        ("Sr. João Batista Filho", "João Batista Filho"),
        ("Deus abençoe, o nome é Josefa Cardoso Brito", "Josefa Cardoso Brito"),
    ],
)
def test_introductions_in_every_form_give_the_name_without_its_courtesy_title(text, name):
    assert name_in(text) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("sou a mãe do Pedro, é pra ele", "Pedro"),
        ("oi, sou a mãe do Pedro Arthur Nunes, ele tem 6 anos e precisa de pediatra", "Pedro Arthur Nunes"),
        ("é pro meu filho Davi Lucas", "Davi Lucas"),
        ("o nome do meu filho é Enzo Gabriel Martins, ele tem 5 anos", "Enzo Gabriel Martins"),
        ("sou a mãe do Arthur, o nome dele é Arthur Mendes Viana", "Arthur Mendes Viana"),
        (
            "to marcando pro meu avô, seu Benedito Santana Reis, ele precisa de cardio",
            "Benedito Santana Reis",
        ),
        ("meu nome é Ana, mas a consulta é pro meu marido, Edivaldo Santos Rocha", "Edivaldo Santos Rocha"),
        ("a consulta é pra mim, Sandra, não pro meu marido", "Sandra"),
        ("marcar cardio pra mim, Joana Darc Ribeiro, hapvida", "Joana Darc Ribeiro"),
        (
            "queria uma consulta pra minha esposa ela chama Sandra Melo Aguiar e o plano é hapvida",
            "Sandra Melo Aguiar",
        ),
        ("tem algo agendado pra Maria do Socorro Ventura?", "Maria do Socorro Ventura"),
    ],
)
def test_the_patient_is_the_person_to_be_seen_not_the_one_writing(text, name):
    assert name_in(text, state="idle") == name


@pytest.mark.parametrize(
    "text",
    [
        "meu nome é João Silva, é minha esposa que vai",
        "sou o Carlos Souza e quero marcar pro meu filho",
        "aqui é a Dona Maria, a consulta é pra minha mãe",
    ],
)
def test_a_writer_booking_for_an_unnamed_relative_gives_no_patient_name(text):
    assert name_in(text, state="idle") is None


@pytest.mark.parametrize(
    "name",
    [
        "Francisca das Chagas Moreira",
        "Maria das Graças Pinheiro",
        "Jose Ribamar Ferreira Filho",
        "Cláudio Reis Sobrinho",
        "Pedro Souza Neto",
        "Gilberto Nascimento Ramos",
        "Ana dos Santos",
    ],
)
def test_surname_particles_and_generational_suffixes_are_kept(name):
    assert name_in(name) == name


def test_a_lower_case_phrase_is_a_name_only_when_the_name_was_asked_for():
    assert name_in("crise de asma forte, a bombinha nao ta resolvendo") is None
    assert name_in("pensando melhor, acho que é caso de neurologista") is None
    assert name_in("edvaldo pinheiro lima", expect="name") == "Edvaldo Pinheiro Lima"
    assert name_in("sou paciente novo, como faço pra marcar?", state="idle") is None


def test_a_word_inside_a_longer_insurance_name_can_still_be_a_patients_name():
    catalog = make_catalog()
    catalog = dataclasses.replace(
        catalog, insurances=(*catalog.insurances, NamedItem("Unimed", ("unimed sao luis",), 9))
    )
    own = Understanding(catalog, model=None)
    parse, _ = own.detect("cardio segunda as 9, unimed, Edson Luís Barreto", state="idle", today=TODAY)
    assert parse.entities["patient_name"] == "Edson Luís Barreto"
    parse, _ = own.detect("Unimed", state="collecting", today=TODAY, expect="name")
    assert parse.entities == {"insurance": "Unimed"}
    assert "patient_name" not in parse.entities


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("primeiro a Alice Menezes Rocha, às 8h", "Alice Menezes Rocha"),
        ("pode ser quinta às 10, é pro Joaquim Barros Neto", "Joaquim Barros Neto"),
    ],
)
def test_a_full_name_inside_a_booking_answer_is_the_patients(text, name):
    assert name_in(text) == name


@pytest.mark.parametrize("text", ["quinta às 10 com a Dra. Tereza Cavalcanti", "Bom Dia, quinta às 10"])
def test_a_doctor_or_a_capitalised_greeting_inside_a_booking_answer_is_no_patient(text):
    assert name_in(text) is None


def test_a_full_name_inside_a_new_booking_request_with_a_time_is_the_patients():
    assert (
        name_in("agora a Beatriz Menezes Rocha, mesmo esquema, 8 e meia", state="idle")
        == "Beatriz Menezes Rocha"
    )
