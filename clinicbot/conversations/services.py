"""Staff-side writes on conversations."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clinicbot.engine.dialogue import entry as dialogue

from .models import ConversationSession
from .store import session_forget_cache, session_load_locked, session_save


def session_hand_back(*, session_id: int, now: dt.datetime) -> None:
    """Staff give the conversation back to the assistant, which starts from a clean state."""
    with transaction.atomic():
        stored = session_load_locked(session_id=session_id)
        if stored is None:
            return
        dialogue.start_over(stored.state)
        session_save(stored=stored, now=now)
        # Staff took care of it: a safety alert leaves the queue with the conversation.
        ConversationSession.objects.filter(id=session_id).update(alert_at=None, alert_kind="")
    session_forget_cache(phone=stored.state.phone)
