"""How dates, times, money and lists are written to patients (pt-BR)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from ..types import TimeRange

WEEKDAYS = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)
WEEKDAYS_SHORT = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")
WEEKDAYS_PLURAL = (
    "às segundas",
    "às terças",
    "às quartas",
    "às quintas",
    "às sextas",
    "aos sábados",
    "aos domingos",
)


def fmt_time(t: dt.time) -> str:
    """14:00 (always HH:MM)."""
    return f"{t:%H:%M}"


def fmt_date(d: dt.date, *, weekday: bool = True) -> str:
    """ "quarta-feira, 04/03" (DD/MM; the year is added when it is not the current one)."""
    text = f"{d:%d/%m}"
    return f"{WEEKDAYS[d.weekday()]}, {text}" if weekday else text


def fmt_date_short(d: dt.date) -> str:
    """ "qua 04/03"."""
    return f"{WEEKDAYS_SHORT[d.weekday()]} {d:%d/%m}"


def fmt_money(value: Decimal | float | int) -> str:
    """R$ 1.350,00."""
    text = f"{Decimal(value):,.2f}"
    return "R$ " + text.replace(",", "X").replace(".", ",").replace("X", ".")


def join_names(items: Iterable[str], last: str = "e") -> str:
    """ "a, b e c"."""
    names = list(items)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


def numbered(options: Sequence[str]) -> str:
    """Numbered choices, one per line, so the patient can answer with the number."""
    return "\n".join(f"{i}. {opt}" for i, opt in enumerate(options, 1))


def fmt_ranges(ranges: Iterable[TimeRange]) -> str:
    """ "08:00 às 12:00 e 14:00 às 18:00"."""
    return " e ".join(f"{fmt_time(r.start)} às {fmt_time(r.end)}" for r in ranges)


def fmt_opening_hours(hours: dict[int, tuple[TimeRange, ...]]) -> str:
    """ "segunda a sexta, das 07:00 às 19:00; sábado, das 08:00 às 12:00" (consecutive equal days grouped)."""
    groups: list[tuple[list[int], str]] = []
    for wd in range(7):
        if wd not in hours:
            continue
        text = fmt_ranges(hours[wd])
        if groups and groups[-1][1] == text and groups[-1][0][-1] == wd - 1:
            groups[-1][0].append(wd)
        else:
            groups.append(([wd], text))
    parts = []
    for days, text in groups:
        label = WEEKDAYS[days[0]] if len(days) == 1 else f"{WEEKDAYS[days[0]]} a {WEEKDAYS[days[-1]]}"
        parts.append(f"{label.replace('-feira', '')}, das {text}")
    return "; ".join(parts)


# First words of clinic names that are masculine ("do Hospital X", "do Centro Médico Y").
_MASCULINE_STARTS = (
    "hospital",
    "centro",
    "instituto",
    "consultorio",
    "ambulatorio",
    "espaco",
    "nucleo",
    "grupo",
)


def of_clinic(name: str) -> str:
    """ "da Clínica Vida", "do Hospital Santa Luzia": the clinic's name after "de" with its article."""
    first = name.split()[0].lower() if name.split() else ""
    folded = "".join(c for c in first if c.isalpha())
    folded = folded.translate(str.maketrans("áàâãéêíóôõúç", "aaaaeeiooouc"))
    return f"{'do' if folded.startswith(_MASCULINE_STARTS) else 'da'} {name}"


def fmt_weekly_schedule(schedule: dict[int, tuple[TimeRange, ...]]) -> str:
    """ "às segundas e às quartas, das 08:00 às 12:00; aos sábados, das 08:00 às 11:00".

    Days with the same hours are named together, in week order, with their article.
    """
    groups: dict[str, list[int]] = {}
    for wd in sorted(schedule):
        groups.setdefault(fmt_ranges(schedule[wd]), []).append(wd)
    parts = [
        f"{join_names(WEEKDAYS_PLURAL[wd] for wd in days)}, das {ranges}"
        for ranges, days in sorted(groups.items(), key=lambda kv: kv[1][0])
    ]
    return "; ".join(parts)
