"""Fast unit tests for dates in clinicbot.engine.nlu.temporal (plain pytest, no Django)."""

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


# --- relative days ----------------------------------------------------------------------


def test_hoje_is_today() -> None:
    assert parse("pode ser hoje?").date == MONDAY


def test_amanha_is_tomorrow() -> None:
    assert parse("Amanhã!!").date == d(2026, 3, 3)
    assert parse("amn").date == d(2026, 3, 3)


def test_depois_de_amanha_is_two_days_and_not_also_tomorrow() -> None:
    result = parse("depois de amanhã")
    assert result.date == d(2026, 3, 4)
    assert result.dates == (d(2026, 3, 4),)


# --- weekdays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("terça", d(2026, 3, 3)),
        ("quarta", d(2026, 3, 4)),
        ("quinta", d(2026, 3, 5)),
        ("sexta", d(2026, 3, 6)),
        ("sábado", d(2026, 3, 7)),
        ("domingo", d(2026, 3, 8)),
    ],
)
def test_weekday_is_next_occurrence(raw: str, expected: datetime.date) -> None:
    assert parse(raw).date == expected


def test_weekday_never_means_today() -> None:
    assert parse("segunda").date == d(2026, 3, 9)
    assert parse("segunda", d(2026, 3, 3)).date == d(2026, 3, 9)


def test_weekday_with_feira() -> None:
    assert parse("Sexta-feira").date == d(2026, 3, 6)
    assert parse("quinta feira").date == d(2026, 3, 5)
    assert consumed("sexta-feira") == ["sexta feira"]


def test_weekday_abbreviations_are_expanded() -> None:
    assert parse("qui").date == d(2026, 3, 5)
    assert parse("sab").date == d(2026, 3, 7)


def test_weekday_que_vem_is_next_occurrence() -> None:
    assert parse("segunda que vem").date == d(2026, 3, 9)
    assert parse("quinta que vem").date == d(2026, 3, 5)
    assert parse("seg q vem").date == d(2026, 3, 9)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("terça da semana que vem", d(2026, 3, 10)),
        ("semana que vem quinta", d(2026, 3, 12)),
        ("quinta da próxima semana", d(2026, 3, 12)),
        ("na próxima semana, segunda", d(2026, 3, 9)),
    ],
)
def test_weekday_with_next_week_is_in_next_calendar_week(raw: str, expected: datetime.date) -> None:
    assert parse(raw).date == expected


def test_next_week_calendar_from_midweek() -> None:
    thursday = d(2026, 3, 5)
    assert parse("terça da semana que vem", thursday).date == d(2026, 3, 10)
    assert parse("sexta da semana que vem", thursday).date == d(2026, 3, 13)


@pytest.mark.parametrize("raw", ["semana que vem", "essa semana", "fim de semana", "próxima semana"])
def test_vague_weeks_give_no_date(raw: str) -> None:
    assert parse(raw).date is None


def test_ordinal_segunda_is_not_a_weekday() -> None:
    assert parse("a segunda opção").date is None
    assert parse("é a segunda vez que peço").date is None


# --- day of month -----------------------------------------------------------------------


def test_dia_n_this_month_when_not_past() -> None:
    assert parse("dia 10").date == d(2026, 3, 10)
    assert parse("dia 2").date == MONDAY


def test_dia_n_next_month_when_past() -> None:
    assert parse("dia 1").date == d(2026, 4, 1)


def test_dia_n_skips_months_without_that_day() -> None:
    assert parse("dia 31", d(2026, 4, 5)).date == d(2026, 5, 31)
    assert parse("dia 30", d(2026, 2, 5)).date == d(2026, 3, 30)


def test_dia_n_across_month_boundary() -> None:
    assert parse("dia 2", END_OF_JANUARY).date == d(2026, 2, 2)


def test_dia_n_across_year_boundary() -> None:
    assert parse("dia 5", END_OF_YEAR).date == d(2027, 1, 5)


def test_dia_n_do_mes_que_vem() -> None:
    assert parse("dia 20 do mês que vem").date == d(2026, 4, 20)


# --- numeric dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13/03", d(2026, 3, 13)),
        ("20/05", d(2026, 5, 20)),
        ("3/4", d(2026, 4, 3)),
        ("03/04", d(2026, 4, 3)),
        ("20/05/2026", d(2026, 5, 20)),
        ("20/5/26", d(2026, 5, 20)),
    ],
)
def test_numeric_date(raw: str, expected: datetime.date) -> None:
    assert parse(raw).date == expected


def test_numeric_date_already_past_is_next_year() -> None:
    assert parse("01/03").date == d(2027, 3, 1)
    assert parse("05/01", END_OF_YEAR).date == d(2027, 1, 5)


def test_dia_with_numeric_date_is_that_date() -> None:
    assert parse("dia 06/04").date == d(2026, 4, 6)
    assert consumed("dia 06/04") == ["dia 06/04"]


def test_invalid_numeric_date_is_ignored() -> None:
    assert parse("31/02").date is None


# --- month names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dia 3 de abril", d(2026, 4, 3)),
        ("3 de abril", d(2026, 4, 3)),
        ("dia 15 de março", d(2026, 3, 15)),
        ("dia 3 de abr", d(2026, 4, 3)),
        ("10 de dez", d(2026, 12, 10)),
        ("dia 1 de fevereiro", d(2027, 2, 1)),
    ],
)
def test_day_and_month_name(raw: str, expected: datetime.date) -> None:
    assert parse(raw).date == expected


# --- year boundary ----------------------------------------------------------------------


def test_relative_days_across_year_boundary() -> None:
    assert parse("amanhã", END_OF_YEAR).date == d(2026, 12, 31)
    assert parse("depois de amanhã", END_OF_YEAR).date == d(2027, 1, 1)


def test_weekday_across_year_boundary() -> None:
    assert parse("sexta", END_OF_YEAR).date == d(2027, 1, 1)
    assert parse("segunda", END_OF_YEAR).date == d(2027, 1, 4)


def test_weekday_across_month_boundary() -> None:
    assert parse("segunda", END_OF_JANUARY).date == d(2026, 2, 2)
    assert parse("sexta", END_OF_JANUARY).date == d(2026, 2, 6)


# --- negation / corrections -------------------------------------------------------------


def test_negated_weekday_is_skipped_even_when_last() -> None:
    result = parse("o dia tá errado, é quinta e não terça")
    assert result.date == d(2026, 3, 5)
    assert result.dates == (d(2026, 3, 5),)


def test_negated_weekday_then_correction() -> None:
    result = parse("não terça, quinta")
    assert result.date == d(2026, 3, 5)
    assert result.dates[-1] == d(2026, 3, 5)


def test_last_date_wins_without_negation() -> None:
    result = parse("terça, quer dizer quinta")
    assert result.dates == (d(2026, 3, 3), d(2026, 3, 5))
    assert result.date == d(2026, 3, 5)


def test_negated_time_is_skipped() -> None:
    assert parse("não às 10, às 11").time == t(11)


def test_a_self_correction_keeps_the_value_said_after_nao() -> None:
    def corrected(text: str) -> TemporalMatch:
        return extract_temporal(normalize(text), MONDAY, self_correction=True)

    assert corrected("segunda às 9, não, às 10").time == t(10)
    assert corrected("quarta, não, quinta").date == d(2026, 3, 5)
    assert corrected("não às 10, às 11").time == t(11)  # a plain rejection is still one
    assert parse("é quinta que vem não hoje").date != d(2026, 3, 2)  # no comma: "não hoje" rejects


@pytest.mark.parametrize("raw", ["quinta, dia 2", "dia 2, quinta", "na quinta dia 2"])
def test_a_weekday_beside_a_day_number_qualifies_it(raw: str) -> None:
    assert parse(raw).date == d(2026, 4, 2)  # the 2nd that is a Thursday, not this week's Thursday


def test_a_weekday_no_nearby_month_agrees_with_leaves_the_day_number() -> None:
    assert parse("dia 3, quinta").date == d(2026, 3, 3)


def test_an_emphatic_no_rejects_what_came_before_not_the_day_after_it() -> None:
    assert parse("não não, é dia 10").date == d(2026, 3, 10)
    assert parse("não é dia 10, é dia 11").date == d(2026, 3, 11)
