"""Notices the clinic sends on its own: an appointment cancelled by staff.

Like reminders, the notice is a bot message stored in the patient's conversation and
sent by the outbox (in order, with retries); outside WhatsApp's 24-hour window it goes as
an approved template. The notification row's unique ``dedup_key`` makes it idempotent:
cancelling twice, or two staff members clicking at once, tells the patient once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from clinicbot.conversations.store import session_load_locked, session_save
from clinicbot.core.tasks import enqueue
from clinicbot.engine.dialogue import entry as dialogue
from clinicbot.outreach.models import NotificationStatus, NotificationType, OutboundNotification
from clinicbot.scheduling.models import ACTIVE_STATUSES, Appointment
from clinicbot.scheduling.services import appointment_cancel

from .proactive import appointment_message, proactive_message_store, session_for_phone


def appointment_cancel_notify(*, appointment_id: int, now: dt.datetime) -> bool:
    """Staff cancel an appointment; the patient is told once (future appointments only).

    Returns True when a notice was stored (it is sent after the commit).
    """
    with transaction.atomic():
        # Serialises concurrent cancels of one appointment: the second sees it cancelled.
        was_active = (
            Appointment.objects.select_for_update().filter(id=appointment_id).values_list("status", flat=True)
        ).first() in ACTIVE_STATUSES
        appt = appointment_cancel(appointment_id=appointment_id)
        if not was_active or appt.start <= now:
            return False
        text, params = appointment_message("cancelled_by_clinic", appt)
        try:
            with transaction.atomic():  # a savepoint: a lost claim must not abort the cancel
                notification = OutboundNotification.objects.create(
                    type=NotificationType.CANCELLATION,
                    phone=appt.phone,
                    text=text,
                    appointment=appt,
                    scheduled_for=now,
                    status=NotificationStatus.SENT,
                    sent_at=now,
                    attempts=1,
                    dedup_key=f"cancellation:{appt.id}",
                )
        except IntegrityError:
            return False
        session_id = appt.session_id or session_for_phone(phone=appt.phone, now=now)
        stored = session_load_locked(session_id=session_id)
        if stored is None:  # the conversation was erased in the meantime
            return False
        proactive_message_store(
            session_id=session_id,
            text=text,
            now=now,
            template_name=settings.CANCELLATION_TEMPLATE_NAME,
            language=settings.REMINDER_TEMPLATE_LANGUAGE,
            params=params,
            payload={"notification": notification.id},
        )
        dialogue.drop_reminder(stored.state, appointment_id=appt.id)
        session_save(stored=stored, now=now)
        transaction.on_commit(lambda: _send(session_id))
    return True


def _send(session_id: int) -> None:
    from clinicbot.whatsapp.tasks import send_outbox  # tasks import the services, not the other way round

    enqueue(send_outbox, session_id)
