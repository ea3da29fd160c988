"""The LGPD privacy notice, added once to the first reply a phone ever gets.

The wording is the ``privacy_notice`` reply template (editable in admin); its ``{link}``
becomes " Saiba mais: <PRIVACY_NOTICE_URL>" or nothing. The session's bookkeeping
remembers that the notice was given (no dialogue reset forgets it), so it costs no query: a brand-new phone gets it with its
first answer, and a conversation that predates the notice gets it once, at its next one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from clinicbot.engine.replies.templates import render
from clinicbot.engine.types import Catalog, Reply, TurnResult

_F = TypeVar("_F", bound=Callable[..., TurnResult])


def privacy_notice_text(*, templates: dict[str, str]) -> str:
    """The notice in the staff's wording, with the configured link (if any)."""
    url = settings.PRIVACY_NOTICE_URL.strip()
    return render("privacy_notice", templates, link=f" Saiba mais: {url}" if url else "").strip()


def privacy_notice_add(*, replies: tuple[Reply, ...], notice: str) -> tuple[Reply, ...]:
    """Append ``notice`` as a last paragraph of the first plain reply (else of the last one).

    A paragraph rather than an extra message: one answer per turn, and interactive
    messages (buttons/lists) keep their short body.
    """
    if not replies or not notice:
        return replies
    index = next((i for i, r in enumerate(replies) if not r.choices), len(replies) - 1)
    target = replies[index]
    changed = dataclasses.replace(target, text=f"{target.text}\n\n{notice}")
    return (*replies[:index], changed, *replies[index + 1 :])


def with_privacy_notice(run: _F) -> _F:
    """Decorate the pipeline's engine turn ``(stored, text, now, catalog)`` to add the notice."""

    @functools.wraps(run)
    def wrapper(
        stored: Any, text: str, now: dt.datetime, catalog: Catalog, *args: Any, **kwargs: Any
    ) -> TurnResult:
        result = run(stored, text, now, catalog, *args, **kwargs)
        kept = stored.state.bookkeeping
        if not result.replies or kept.privacy_notice_at:
            return result  # silence (hand-off) gives no notice; it waits for a real answer
        notice = privacy_notice_text(templates=catalog.templates)
        kept.privacy_notice_at = now.isoformat()
        return dataclasses.replace(result, replies=privacy_notice_add(replies=result.replies, notice=notice))

    return wrapper  # type: ignore[return-value]
