"""Compare the database with where every scripted conversation must end."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict

from clinicbot.conversations.models import ConversationSession
from clinicbot.scheduling.models import Appointment

from .conversations import Script, final_expectation


def wrong_final_states(scripts: list[Script], *, timezone: str) -> list[str]:
    """Phones whose session state or active appointments differ from their script's end."""
    tz = zoneinfo.ZoneInfo(timezone)
    phones = [s.phone for s in scripts]
    states = dict(ConversationSession.objects.filter(phone__in=phones).values_list("phone", "current_state"))
    active: dict[str, set[tuple[int, object, object]]] = defaultdict(set)
    for phone, doctor_id, start in (
        Appointment.objects.active().filter(phone__in=phones).values_list("phone", "doctor_id", "start")
    ):
        local = start.astimezone(tz)
        active[phone].add((doctor_id, local.date(), local.time().replace(tzinfo=None)))
    wrong = []
    for script in scripts:
        expected = final_expectation(script)
        if states.get(script.phone) != expected.state or active[script.phone] != set(expected.active):
            wrong.append(script.phone)
    return wrong
