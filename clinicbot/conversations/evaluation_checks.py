"""Checks of the evaluation harness that need no database: replies against a turn's or a dialogue's expectations, and what counts as a query."""

from __future__ import annotations

from typing import Any

from clinicbot.engine.nlu.normalize import fold

# Transaction control is not a query of data, and only SQLite's BEGIN IMMEDIATE shows up
# among the captured statements (psycopg begins implicitly): counted, it would make the
# same turn cost more on SQLite than on PostgreSQL.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements(captured: list[dict[str, Any]]) -> int:
    """How many captured statements queried data (transaction control left out)."""
    return sum(1 for q in captured if not q["sql"].lstrip().upper().startswith(_TRANSACTION_CONTROL))


def reply_failures(checks: dict[str, Any], replies: list[str], what: str) -> list[str]:
    """``reply_contains`` / ``reply_not_contains`` of a turn or an expect block (case/accent-blind)."""
    joined = fold("\n".join(replies))
    shown = " | ".join(replies)[:300]
    out = [
        f"{what} lacks {needle!r}: {shown}"
        for needle in checks.get("reply_contains") or []
        if fold(str(needle)) not in joined
    ]
    out += [
        f"{what} contains {needle!r}: {shown}"
        for needle in checks.get("reply_not_contains") or []
        if fold(str(needle)) in joined
    ]
    return out
