"""Checks that a staff screen reads as Portuguese: no English UI word, no slip.

Shared by the page-rendering test (tests/test_portuguese_ui.py) and the browser test of
the screens (tests/test_staff_screens_browser.py).
"""

from __future__ import annotations

import html
import re

# Words of Django's (and its apps') English UI, matched as whole words, case-sensitive.
ENGLISH = (
    "Add",
    "Change",
    "Delete",
    "Save",
    "Search",
    "Filter",
    "Filter by",
    "Select an option",
    "Select",
    "selected",
    "Action",
    "Go",
    "Run",
    "Home",
    "Log out",
    "Logout",
    "Welcome",
    "View site",
    "Documentation",
    "Change password",
    "Show counts",
    "Hide counts",
    "Clear all filters",
    "All",
    "Any date",
    "Today",
    "Yesterday",
    "Past 7 days",
    "This month",
    "This year",
    "Yes",
    "No",
    "Unknown",
    "None",
    "results",
    "total",
    "Previous",
    "Next",
    "Page",
    "Show all",
    "History",
    "Close",
    "Remove",
    "access attempt",
    "access attempts",
    "Access attempts",
    "Access logs",
    "Access failures",
    "access log",
    "access failure",
    "TOTP device",
    "TOTP devices",
    "Username",
    "Password",
    "Date",
    "Time",
    "Now",
    "Choose",
    "Calendar",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Authentication and Authorization",
    "Groups",
    "Users",
)
_ENGLISH = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(ENGLISH, key=len, reverse=True)) + r")(?![\w-])"
)
MONTHS = "Janeiro|Fevereiro|Março|Abril|Maio|Junho|Julho|Agosto|Setembro|Outubro|Novembro|Dezembro"
WEEKDAYS = "Segunda-feira|Terça-feira|Quarta-feira|Quinta-feira|Sexta-feira|Sábado|Domingo"
SLIPS = (
    re.compile(
        rf"\b\d+ de (?:{MONTHS})\b|\b(?:{MONTHS}) de \d{{4}}\b"
    ),  # months are lower case in Portuguese
    re.compile(rf"(?:^|[\s,(])(?:{WEEKDAYS}),"),  # so are weekdays
    re.compile(r"\b0 (?:minuto|hora|dia|semana|mês|ano)\b"),
    re.compile(r"\b1 [a-zà-ú]+s\b"),  # "1 transferências"
    re.compile(r"\w\((?:s|es|ões)\)"),  # "consulta(s)": Django's pluralisation instead
)


def visible_text(page: str) -> str:
    """What a person reads: no tags, scripts, styles, attribute values or SVG internals."""
    page = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?is)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def problems(page: str, *, text: str | None = None) -> list[str]:
    """What reads wrong on ``page`` (HTML); ``text`` is what a browser shows, when known."""
    text = visible_text(page) if text is None else re.sub(r"\s+", " ", text)
    found = [
        f"English: {m.group(0)!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for m in _ENGLISH.finditer(text)
    ]
    for rx in SLIPS:
        found += [
            f"slip: {m.group(0)!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…"
            for m in rx.finditer(text)
        ]
    # Titles the browser shows (tab, tooltips) are read too.
    for title in re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', page):
        found += [
            f"English attribute: {m.group(0)!r} in {title!r}" for m in _ENGLISH.finditer(html.unescape(title))
        ]
    return found
