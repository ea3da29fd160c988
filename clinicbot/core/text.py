"""Making outside text storable.

PostgreSQL ``text`` and ``jsonb`` cannot hold U+0000: a NUL anywhere in a message would
make the INSERT fail — for a webhook that would be a 503 the gateway retries forever.
Nobody means a NUL, so it is dropped at the edges where outside text comes in.
"""

from __future__ import annotations


def storable_text(text: str) -> str:
    """``text`` without NUL characters (the only ones PostgreSQL refuses)."""
    return text.replace("\x00", "") if "\x00" in text else text
