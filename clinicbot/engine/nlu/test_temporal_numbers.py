"""Numbers that are not the appointment: birth dates, documents, ages; and "830" when a time is due."""

from __future__ import annotations

import datetime

import pytest

from clinicbot.engine.nlu.normalize import normalize
from clinicbot.engine.nlu.temporal import TemporalMatch, extract_temporal

TODAY = datetime.date(2027, 8, 31)  # a Tuesday


def parse(raw: str, *, time_expected: bool = False) -> TemporalMatch:
    return extract_temporal(normalize(raw), TODAY, time_expected=time_expected)


@pytest.mark.parametrize(
    "raw",
    [
        "nasci em 03/09/1990",
        "Cláudio Reis Sobrinho, nascido em 03/09/1990",
        "data de nascimento 12/05/85",
        "minha data de nascimento é 25/10/1962",
        "ele nasceu dia 14 de julho de 1938",
        "nascida em 3 de setembro",
        "DN: 10/09/1971",
        "CPF 123.456.789-00",
        "meu cpf é 371.845.092-60, nascida em 10/09/1971",
        "RG 12.345.678-9",
        "tenho 72 anos",
        "ele tem 6 anos e meio",
        "carteirinha 0 123 456789 00",
        "meu telefone é (98) 98765-4321",
        "a consulta foi em 12/05/2026",
    ],
)
def test_birth_dates_documents_and_ages_are_never_an_appointment_date_or_time(raw):
    for time_expected in (False, True):
        got = parse(raw, time_expected=time_expected)
        assert (got.date, got.time, got.dates, got.times) == (None, None, (), ())


def test_a_birth_date_is_consumed_so_it_is_neither_a_name_nor_a_time():
    text = normalize("nasci em 03/09/1990")
    assert [text[a:b] for a, b in parse("nasci em 03/09/1990").spans] == ["03/09/1990"]


def test_a_real_appointment_date_in_the_same_message_still_counts():
    got = parse("nasci em 03/09/1990, quero marcar dia 10 às 9")
    assert (got.date, got.time) == (datetime.date(2027, 9, 10), datetime.time(9, 0))
    got = parse("CPF 123.456.789-00, pode ser sexta 14h")
    assert (got.date, got.time) == (datetime.date(2027, 9, 3), datetime.time(14, 0))


def test_two_digit_years_are_this_century_only_when_close():
    assert parse("dia 25/12/27").date == datetime.date(2027, 12, 25)
    assert parse("25/12/85").date is None  # 1985: past, so no appointment date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("830", datetime.time(8, 30)),
        ("1430", datetime.time(14, 30)),
        ("1030", datetime.time(10, 30)),
        ("0830", datetime.time(8, 30)),
        ("pode ser 830 então", datetime.time(8, 30)),
        ("o 1130", datetime.time(11, 30)),
        ("130", datetime.time(13, 30)),  # a bare 1..6 o'clock is the afternoon
    ],
)
def test_a_time_without_separator_is_read_when_a_time_is_expected(raw, expected):
    assert parse(raw, time_expected=True).time == expected
    assert parse(raw).time is None  # otherwise "830" may be anything


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("as 1030", datetime.time(10, 30)),
        ("1430h", datetime.time(14, 30)),
        ("pras 0915", datetime.time(9, 15)),
    ],
)
def test_a_time_without_separator_after_as_or_before_h_is_always_a_time(raw, expected):
    assert parse(raw).time == expected


@pytest.mark.parametrize("raw", ["2027", "120 reais", "demora 130 horas", "830 mg", "senha 1430"])
def test_years_prices_durations_and_codes_are_not_bare_times(raw):
    assert parse(raw, time_expected=True).time is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8h30", datetime.time(8, 30)),
        ("às 8 e meia", datetime.time(8, 30)),
        ("esse das 14h", datetime.time(14, 0)),
    ],
)
def test_natural_time_forms_keep_working(raw, expected):
    assert parse(raw).time == expected
