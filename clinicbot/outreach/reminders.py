"""Appointment reminders: due ones are claimed once, stored in the conversation and sent.

No reminder rows are scheduled in advance: every run looks at the active appointments
whose reminder time has come, so a cancelled or moved appointment simply stops
qualifying. Inserting the notification row (its ``dedup_key`` is unique) is the claim:
two beat processes racing create one row, and only the creator goes on to send.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from clinicbot.conversations.store import session_load_locked, session_save
from clinicbot.engine.dialogue import entry as dialogue
from clinicbot.outreach.models import NotificationStatus, NotificationType, OutboundNotification
from clinicbot.scheduling.models import Appointment

from .proactive import appointment_message, proactive_message_store, session_for_phone

logger = logging.getLogger(__name__)

# WhatsApp only lets a business write freely within 24 h of the patient's last message.


@dataclass
class DueReminder:
    appointment: Appointment
    lead_hours: int

    @property
    def key(self) -> str:
        return f"reminder:{self.appointment.id}:{self.lead_hours}h"


def due_reminders(*, now: dt.datetime) -> list[DueReminder]:
    """Active appointments whose reminder for some lead time is due and not yet sent."""
    leads = sorted(set(settings.REMINDER_LEAD_HOURS), reverse=True)
    if not leads:
        return []
    upcoming = Appointment.objects.active().filter(
        start__gt=now, start__lte=now + dt.timedelta(hours=leads[0])
    )
    due: list[DueReminder] = []
    for appt in upcoming.select_related("doctor", "specialty"):
        # Only the closest lead that has passed: a booking made 3 h before gets the 2 h
        # reminder, not both.
        passed = [h for h in leads if appt.start - dt.timedelta(hours=h) <= now]
        if passed:
            due.append(DueReminder(appt, min(passed)))
    sent = set(
        OutboundNotification.objects.filter(dedup_key__in=[d.key for d in due]).values_list(
            "dedup_key", flat=True
        )
    )
    return [d for d in due if d.key not in sent]


def reminder_send(*, reminder: DueReminder, now: dt.datetime) -> int | None:
    """Claim and store one reminder; return the session whose outbox must be sent (or None).

    In one transaction: the notification row (the claim), the bot message (a template
    outside the 24-hour window) and the conversation waiting for "1/2/3".
    """
    appt = reminder.appointment
    text, params = appointment_message("reminder", appt)
    try:
        with transaction.atomic():
            notification = OutboundNotification.objects.create(
                type=NotificationType.REMINDER,
                phone=appt.phone,
                text=text,
                appointment=appt,
                scheduled_for=appt.start - dt.timedelta(hours=reminder.lead_hours),
                status=NotificationStatus.SENT,
                sent_at=now,
                attempts=1,
                dedup_key=reminder.key,
            )
            session_id = appt.session_id or session_for_phone(phone=appt.phone, now=now)
            stored = session_load_locked(session_id=session_id)
            if stored is None:
                return None
            proactive_message_store(
                session_id=session_id,
                text=text,
                now=now,
                template_name=settings.REMINDER_TEMPLATE_NAME,
                language=settings.REMINDER_TEMPLATE_LANGUAGE,
                params=params,
                payload={"notification": notification.id},
            )
            dialogue.await_reminder_answer(stored.state, appointment_id=appt.id, prompt=text)
            session_save(stored=stored, now=now)  # the reminder starts a new exchange
    except IntegrityError:
        return None  # another process claimed it first
    return session_id


def notifications_send_due(*, now: dt.datetime) -> list[int]:
    """Store every due reminder once; return the sessions whose outbox has something to send."""
    sessions = []
    for reminder in due_reminders(now=now):
        session_id = reminder_send(reminder=reminder, now=now)
        if session_id is not None:
            sessions.append(session_id)
    return sessions
