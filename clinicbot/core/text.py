"""Text helpers: storable outside text, and Portuguese sort keys.

PostgreSQL ``text`` and ``jsonb`` cannot hold U+0000: a NUL anywhere in a message would
make the INSERT fail — for a webhook that would be a 503 the gateway retries forever.
Nobody means a NUL, so it is dropped at the edges where outside text comes in.

Sorting by the raw name puts "Ícaro" after "Tiago" (code-point order, as SQLite and a
"C"-collated PostgreSQL do): :func:`sort_key` compares letters without their accents and
case, as a Portuguese reader does.
"""

from __future__ import annotations

import re
import unicodedata

# Titles before a person's name, ignored when sorting ("Dra. Beatriz" among the Bs).
_TITLE = re.compile(r"^(?:dr|dra|prof|profa|sr|sra)\.?\s+", re.IGNORECASE)


def storable_text(text: str) -> str:
    """``text`` without NUL characters (the only ones PostgreSQL refuses)."""
    return text.replace("\x00", "") if "\x00" in text else text


def sort_key(text: str) -> str:
    """``text`` for sorting: accents dropped, case folded ("Ícaro" → "icaro")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def person_sort_key(name: str) -> str:
    """A person's name for sorting, without the title ("Dra. Flávia Leão" → "flavia leao")."""
    return sort_key(_TITLE.sub("", name.strip()))
