"""Fast unit tests for times, periods, spans and choice numbers in clinicbot.engine.nlu.temporal."""

from __future__ import annotations

import datetime

import pytest

from clinicbot.engine.nlu.normalize import normalize
from clinicbot.engine.nlu.temporal import TemporalMatch, extract_choice_number, extract_temporal

MONDAY = datetime.date(2026, 3, 2)  # a Monday
END_OF_JANUARY = datetime.date(2026, 1, 30)  # a Friday
END_OF_YEAR = datetime.date(2026, 12, 30)  # a Wednesday


def d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


def t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def parse(raw: str, today: datetime.date = MONDAY, **kwargs: datetime.time) -> TemporalMatch:
    return extract_temporal(normalize(raw), today, **kwargs)


def choice(raw: str) -> int | None:
    return extract_choice_number(normalize(raw))


def consumed(raw: str, today: datetime.date = MONDAY) -> list[str]:
    text = normalize(raw)
    return [text[start:end] for start, end in parse(raw, today).spans]


# --- clock times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14h", t(14)),
        ("14 h", t(14)),
        ("14hs", t(14)),
        ("14 horas", t(14)),
        ("14:30", t(14, 30)),
        ("14h30", t(14, 30)),
        ("às 9", t(9)),
        ("as 9", t(9)),
        ("das 11", t(11)),
        ("o das 11", t(11)),
        ("pras 10", t(10)),
        ("para as 10", t(10)),
        ("a partir das 10", t(10)),
    ],
)
def test_clock_time_forms(raw: str, expected: datetime.time) -> None:
    assert parse(raw).time == expected


def test_time_followed_by_words() -> None:
    assert parse("10:40 então").time == t(10, 40)


def test_e_meia_and_e_quinze() -> None:
    assert parse("8 e meia").time == t(8, 30)
    assert parse("às 8 e meia").time == t(8, 30)
    assert parse("8 e quinze").time == t(8, 15)


def test_meio_dia_and_meia_noite() -> None:
    assert parse("meio-dia").time == t(12)
    assert parse("meia noite").time == t(0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2 da tarde", t(14)),
        ("6 da tarde", t(18)),
        ("4 da tarde", t(16)),
        ("8 da noite", t(20)),
        ("9 da manhã", t(9)),
    ],
)
def test_hour_qualified_by_da_manha_tarde_noite(raw: str, expected: datetime.time) -> None:
    result = parse(raw)
    assert result.time == expected
    assert result.period is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("as 4", t(16)), ("as 5", t(17)), ("as 6", t(18)), ("as 1", t(13)), ("5h", t(17))],
)
def test_bare_small_hour_means_afternoon(raw: str, expected: datetime.time) -> None:
    assert parse(raw).time == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("as 7", t(7)), ("as 12", t(12)), ("as 0", t(0)), ("as 13", t(13)), ("as 23", t(23))],
)
def test_other_bare_hours_stay_as_written(raw: str, expected: datetime.time) -> None:
    assert parse(raw).time == expected


def test_standalone_afternoon_period_adds_twelve() -> None:
    result = parse("de tarde às 4")
    assert result.time == t(16)
    assert result.period == "afternoon"
    assert parse("de tarde às 8").time == t(20)


def test_standalone_morning_period_keeps_hour() -> None:
    assert parse("de manhã às 6").time == t(6)


def test_period_and_time_together() -> None:
    quarta = parse("quarta de manhã às 10")
    assert (quarta.date, quarta.time, quarta.period) == (d(2026, 3, 4), t(10), "morning")
    sabado = parse("sábado de manhã 11:20")
    assert (sabado.date, sabado.time, sabado.period) == (d(2026, 3, 7), t(11, 20), "morning")


def test_da_tarde_is_not_a_period() -> None:
    amanha = parse("amanhã às 3 da tarde")
    assert (amanha.date, amanha.time, amanha.period) == (d(2026, 3, 3), t(15), None)
    quarta = parse("quarta às 6 da tarde")
    assert (quarta.date, quarta.time, quarta.period) == (d(2026, 3, 4), t(18), None)


@pytest.mark.parametrize("raw", ["25:00", "14:75", "as 24"])
def test_invalid_times_are_ignored(raw: str) -> None:
    assert parse(raw).time is None


@pytest.mark.parametrize(
    "raw",
    [
        "ela tem 5 anos",
        "minha mãe tem 70 anos",
        "tenho 2 filhos",
        "moro a 300 metros",
        "custa R$ 15",
        "15 reais",
        "R$ 150,00",
        "meu telefone é (11) 98765-4321",
        "2",
        "dia 10",
        "10/03",
        "todas as 3 opções",
        "demora 2 horas",
    ],
)
def test_no_time_from_numbers_that_are_not_times(raw: str) -> None:
    assert parse(raw).time is None


def test_range_takes_the_start() -> None:
    result = parse("das 10 às 12")
    assert result.time == t(10)
    assert result.times == (t(10), t(12))


def test_last_time_wins() -> None:
    assert parse("às 10, melhor às 11").time == t(11)


def test_now_time_moves_past_morning_hour_of_today_to_evening() -> None:
    assert parse("hoje às 8", now_time=t(15)).time == t(20)
    assert parse("hoje às 8", now_time=t(7)).time == t(8)
    assert parse("amanhã às 8", now_time=t(15)).time == t(8)


# --- periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de manhã", "morning"),
        ("pela manhã", "morning"),
        ("manhã", "morning"),
        ("amanhã de manhã", "morning"),
        ("de tarde", "afternoon"),
        ("à tarde", "afternoon"),
        ("pela tarde", "afternoon"),
        ("na parte da tarde", "afternoon"),
        ("tarde", "afternoon"),
        ("à noite", "evening"),
        ("de noite", "evening"),
        ("pela noite", "evening"),
        ("noite", "evening"),
    ],
)
def test_period_words(raw: str, expected: str) -> None:
    assert parse(raw).period == expected


@pytest.mark.parametrize("raw", ["bom dia", "boa tarde", "boa noite", "de madrugada", "mais tarde"])
def test_greetings_and_madrugada_are_not_periods(raw: str) -> None:
    assert parse(raw).period is None


def test_greeting_then_real_period() -> None:
    result = parse("Boa tarde! quero quinta à tarde")
    assert result.period == "afternoon"
    assert result.date == d(2026, 3, 5)


# --- spans ------------------------------------------------------------------------------


def test_spans_cover_the_matched_text() -> None:
    assert consumed("Oi, sou a Maria, quero quinta de manhã às 10h") == ["quinta", "de manha", "as 10h"]
    assert consumed("amanhã às 3 da tarde com a Dra Ana") == ["amanha", "as 3 da tarde"]
    assert consumed("terça da semana que vem") == ["terca", "da semana que vem"]
    assert consumed("depois de amanhã 8 e meia") == ["depois de amanha", "8 e meia"]


def test_spans_include_negated_values() -> None:
    assert consumed("não terça, quinta") == ["terca", "quinta"]


def test_nothing_found() -> None:
    result = parse("oi, queria saber o preço da consulta")
    assert result == TemporalMatch(date=None, time=None, period=None, spans=())


# --- choice numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2", 2),
        ("o 2", 2),
        ("opção 3", 3),
        ("quero a opção 2", 2),
        ("a segunda opção", 2),
        ("o primeiro", 1),
        ("primeira", 1),
        ("a terceira", 3),
        ("a segunda", 2),
        ("quinto horário", 5),
        ("quero o primeiro", 1),
    ],
)
def test_choice_number(raw: str, expected: int) -> None:
    assert choice(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "quero segunda de manhã",
        "pode ser quinta",
        "as 2",
        "tenho 2 filhos",
        "dia 2",
        "oi",
        "0",
        "2 e 3",
    ],
)
def test_not_a_choice_number(raw: str) -> None:
    assert choice(raw) is None
