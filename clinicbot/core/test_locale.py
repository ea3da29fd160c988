"""Our pt_BR catalogue: the committed .mo files are compiled from the .po files beside them."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "clinicbot" / "locale" / "pt_BR" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[tuple[str | None, str], list[str]]:
    """(context, msgid) → msgstr forms, read from a .po file (the subset of the format we write)."""
    entries: dict[tuple[str | None, str], list[str]] = {}
    fields: dict[str, str] = {}
    key = None

    def flush() -> None:
        if fields.get("msgid"):
            forms = [fields[k] for k in sorted(k for k in fields if k.startswith("msgstr"))]
            entries[(fields.get("msgctxt"), fields["msgid"])] = forms
        fields.clear()

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
        elif line.startswith('"') and key:
            fields[key] += ast.literal_eval(line)
        elif not line.startswith("#"):
            key, _, value = line.partition(" ")
            fields[key] = ast.literal_eval(value)
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_matches_its_source(domain):
    compiled = gettext.GNUTranslations((LOCALE / f"{domain}.mo").open("rb"))
    entries = po_entries(LOCALE / f"{domain}.po")
    assert len(entries) > 20
    for (context, msgid), forms in entries.items():
        key = f"{context}\x04{msgid}" if context else msgid
        if len(forms) == 1:
            assert compiled._catalog[key] == forms[0], msgid
        else:
            assert [compiled._catalog[(key, n)] for n in range(len(forms))] == forms, msgid


def test_our_catalogue_wins_over_djangos():
    with translation.override("pt-br"):
        assert translation.gettext("December") == "dezembro"
        assert translation.gettext("- Select an option -") == "- Selecione uma opção -"
        assert translation.gettext("access attempts") == "tentativas de login"
