"""Counted phrases for staff in Portuguese: "1 consulta cancelada", "3 consultas canceladas"."""

from __future__ import annotations

from django.utils.translation import ngettext


def counted(n: int, singular: str, plural: str) -> str:
    """The phrase for ``n`` things, by Django's ``ngettext`` (``%(n)d`` in both forms).

    The Portuguese forms are the message ids themselves (no catalogue entry), so the
    fallback rule applies: singular for exactly 1, plural otherwise — "0 consultas", as a
    Brazilian writes it, not Django pt_BR's "0 consulta".
    """
    return ngettext(singular, plural, n) % {"n": n}
