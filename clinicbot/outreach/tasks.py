"""The clinic's own messages as Celery tasks: due reminders, freed slots, expired offers.

Each stores its messages (exactly once) and hands the conversation to the WhatsApp outbox.
The names are the ones these tasks had under ``clinicbot.whatsapp.tasks``: a task queued by
an earlier version (a freed slot waiting for its offer) still runs after an upgrade.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from clinicbot.core.tasks import enqueue
from clinicbot.whatsapp.tasks import send_outbox

from .notices import appointment_cancel_notify
from .reminders import notifications_send_due
from .waitlist import waitlist_expire_offers, waitlist_offer_slot

_OLD_HOME = "clinicbot.whatsapp.tasks"


@shared_task(name=f"{_OLD_HOME}.send_due_notifications")
def send_due_notifications() -> int:
    """Store the reminders that are due (each exactly once) and send them."""
    sessions = notifications_send_due(now=timezone.now())
    for session_id in sessions:
        enqueue(send_outbox, session_id)
    return len(sessions)


@shared_task(name=f"{_OLD_HOME}.offer_freed_slot", acks_late=True)
def offer_freed_slot(doctor_id: int, start: str, freed_at: str, appointment_id: int = 0) -> int:
    """Offer a freed slot to the first matching waiting patient, then send the offer.

    Takes the cancelled appointment's id rather than a phone (task arguments get logged):
    its patient is never offered their own slot back.
    """
    session_id = waitlist_offer_slot(
        doctor_id=doctor_id,
        start=dt.datetime.fromisoformat(start),
        now=dt.datetime.fromisoformat(freed_at),
        exclude_appointment_id=appointment_id,
    )
    if session_id is None:
        return 0
    enqueue(send_outbox, session_id)
    return 1


@shared_task(name=f"{_OLD_HOME}.expire_waiting_list_offers")
def expire_waiting_list_offers(at: str = "") -> int:
    """Pass on the waiting-list offers whose hold ran out (``at``: ISO time, default now)."""
    now = dt.datetime.fromisoformat(at) if at else timezone.now()
    sessions = waitlist_expire_offers(now=now)
    for session_id in sessions:
        enqueue(send_outbox, session_id)
    return len(sessions)


def on_slot_freed(
    *, doctor_id: int, start: dt.datetime, freed_at: dt.datetime, appointment_id: int = 0, **_: object
) -> None:
    """Receiver of ``scheduling.signals.slot_freed`` (connected in the app's ``ready``)."""
    enqueue(offer_freed_slot, doctor_id, start.isoformat(), freed_at.isoformat(), appointment_id)


@shared_task
def cancel_and_notify(appointment_id: int, at: str) -> bool:
    """Cancel a booking on the clinic's side and tell the patient once (the admin's action).

    Run by name from the appointments admin (scheduling sits below this app).
    """
    return appointment_cancel_notify(appointment_id=appointment_id, now=dt.datetime.fromisoformat(at))
