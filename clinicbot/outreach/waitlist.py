"""Offering freed slots to the waiting list, and passing on offers nobody answered.

The path of a freed slot, end to end:

1. ``scheduling.services`` cancels or moves a booking (or ``scheduling.waitlist`` records a
   refused or expired offer) and calls ``scheduling.signals.announce_slot_freed``.
2. After that transaction commits, ``slot_freed`` is sent — the one way the agenda, a layer
   below, tells this app anything; its receiver is connected in ``outreach.apps``.
3. ``outreach.tasks.on_slot_freed`` enqueues ``offer_freed_slot`` (a Celery task, or the
   in-process scheduler on the embedded default): the cancellation never waits for it.
4. :func:`waitlist_offer_slot` (below) picks the entry, holds the slot for it and stores
   the offer message, in one transaction.
5. The task hands the conversation to the WhatsApp outbox (``whatsapp.tasks.send_outbox``).
6. The patient's "1" books it through the dialogue (``engine/dialogue/waitlist.py``); a "2",
   or silence past the hold (:func:`waitlist_expire_offers`, a beat job), frees the slot
   again: back to step 1, for the next entry.

A freed slot (a cancellation, a move, a refused or expired offer) goes to the oldest
matching waiting entry: same doctor, or any doctor of the entry's specialty who takes its
insurance, on a wished day and in the wished period, never the patient who freed it. In
one transaction the entry becomes ``offered`` with a deadline (the hold), a bot message
with the choices 1/2 is stored for the outbox (an approved template outside WhatsApp's
24-hour window, like reminders) and the conversation waits for the answer.

Races: the partial unique index ``one_live_offer_per_slot`` lets one slot be offered to
one entry at a time; waiting rows are read with ``SELECT … FOR UPDATE SKIP LOCKED`` and
claimed with a conditional UPDATE; expired offers are claimed the same way, so two beat
processes never pass one offer on twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from clinicbot.clinics.models import Doctor
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.store import session_load_locked, session_save
from clinicbot.engine.dialogue import entry as dialogue
from clinicbot.engine.replies.templates import render
from clinicbot.engine.slots import in_period
from clinicbot.outreach.models import NotificationStatus, NotificationType, OutboundNotification
from clinicbot.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from clinicbot.scheduling.waitlist import holds_changed, waitlist_hold

from .proactive import appointment_values, proactive_message_store, session_for_phone

logger = logging.getLogger(__name__)

OFFER_CHOICES = [{"id": "1", "title": "Sim, quero"}, {"id": "2", "title": "Não, obrigado"}]
# How many waiting rows one offer looks at (handed-off or out-of-period ones are skipped).
_SCAN = 50


def waitlist_offer_slot(
    *,
    doctor_id: int,
    start: dt.datetime,
    now: dt.datetime,
    exclude_phone: str = "",
    exclude_appointment_id: int = 0,
) -> int | None:
    """Offer a freed slot to the first matching waiting patient.

    The patient of ``exclude_phone`` (or of the cancelled ``exclude_appointment_id``) is
    skipped. Returns the session whose outbox has the offer to send, or None when the slot
    is in the past, taken again, already held, or nobody on the list matches.
    """
    if start <= now:
        return None
    catalog = get_catalog()
    local = start.astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone))
    # Almost every cancellation finds nobody waiting for that day: one query, then done.
    if not WaitlistEntry.objects.filter(
        status=WaitlistStatus.WAITING, date_from__lte=local.date(), date_to__gte=local.date()
    ).exists():
        return None
    if exclude_appointment_id and not exclude_phone:
        exclude_phone = (
            Appointment.objects.filter(id=exclude_appointment_id).values_list("phone", flat=True).first()
            or ""
        )
    with transaction.atomic():
        if Appointment.objects.active().filter(doctor_id=doctor_id, start=start).exists():
            return None  # booked again in the meantime
        if WaitlistEntry.objects.filter(
            status=WaitlistStatus.OFFERED, offered_doctor_id=doctor_id, offered_start=start
        ).exists():
            return None  # held for someone (an expired hold is passed on by the expirer)
        doctor = Doctor.objects.filter(id=doctor_id, active=True).first()
        if doctor is None:
            return None
        waiting = (
            WaitlistEntry.objects.select_for_update(skip_locked=True)
            .filter(
                status=WaitlistStatus.WAITING,
                date_from__lte=local.date(),
                date_to__gte=local.date(),
                insurance_id__in=doctor.insurances.values("id"),
            )
            .filter(
                Q(doctor_id=doctor_id)
                | Q(doctor__isnull=True, specialty_id__in=doctor.specialties.values("id"))
            )
            .order_by("created_at", "id")
        )
        if exclude_phone:
            waiting = waiting.exclude(phone=exclude_phone)
        for entry in waiting[:_SCAN]:
            if not in_period(local.time().replace(tzinfo=None), entry.period):
                continue
            session_id = _offer(entry, doctor, start, local, now)
            if session_id is not None:
                return session_id
    return None


def _offer(
    entry: WaitlistEntry, doctor: Doctor, start: dt.datetime, local: dt.datetime, now: dt.datetime
) -> int | None:
    """Claim the entry for the slot and store the offer; None if it cannot be offered now."""
    session_id = entry.session_id or session_for_phone(phone=entry.phone, now=now)
    stored = session_load_locked(session_id=session_id)
    if stored is None or stored.state.handed_off:
        return None  # staff are talking to the patient: the next one gets the slot
    expires = now + waitlist_hold()
    try:
        with transaction.atomic():
            claimed = WaitlistEntry.objects.filter(id=entry.id, status=WaitlistStatus.WAITING).update(
                status=WaitlistStatus.OFFERED,
                offered_doctor_id=doctor.id,
                offered_start=start,
                offer_expires_at=expires,
                session_id=session_id,
            )
    except IntegrityError:
        return None  # another process offered this very slot a moment ago
    if not claimed:
        return None
    catalog = get_catalog()
    values = {
        **appointment_values(
            patient_name=entry.patient_name, specialty=entry.specialty.name, doctor=doctor.name, local=local
        ),
        "minutes": str(settings.WAITLIST_HOLD_MINUTES),
    }
    text = render("waitlist_offer", catalog.templates, **values)
    notification = OutboundNotification.objects.create(
        type=NotificationType.WAITLIST_OFFER,
        phone=entry.phone,
        text=text,
        scheduled_for=now,
        status=NotificationStatus.SENT,
        sent_at=now,
        attempts=1,
        dedup_key=f"waitlist:{entry.id}:{doctor.id}:{start:%Y%m%d%H%M}",
    )
    proactive_message_store(
        session_id=session_id,
        text=text,
        now=now,
        template_name=settings.WAITLIST_TEMPLATE_NAME,
        language=settings.REMINDER_TEMPLATE_LANGUAGE,
        params=list(values.values()),
        payload={"notification": notification.id, "choices": OFFER_CHOICES},
    )
    dialogue.offer_waitlist_slot(
        stored.state,
        entry_id=entry.id,
        patient_name=entry.patient_name,
        specialty=entry.specialty.name,
        doctor=doctor.name,
        insurance=entry.insurance.name,
        start=local.replace(tzinfo=None),
        prompt=render(
            "waitlist_offer_options",
            catalog.templates,
            date=values["date"],
            time=values["time"],
            doctor=doctor.name,
        ),
    )
    session_save(stored=stored, now=now)
    holds_changed()
    logger.info("waiting-list entry %s offered a slot of doctor %s", entry.id, doctor.id)
    return session_id


def waitlist_expire_offers(*, now: dt.datetime, limit: int = 200) -> list[int]:
    """Expire the offers whose hold ran out and pass each slot on.

    Each expired offer is claimed with a conditional UPDATE (``offered`` → ``expired``),
    so racing processes handle it once. Returns the sessions whose outbox has a new offer.
    """
    due = list(
        WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sessions: list[int] = []
    for entry_id in due:
        with transaction.atomic():
            claimed = WaitlistEntry.objects.filter(
                id=entry_id, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
            ).update(status=WaitlistStatus.EXPIRED)
            if not claimed:
                continue  # another process got it first
            entry = WaitlistEntry.objects.get(id=entry_id)
            _leave_offer_state(entry, now)
            holds_changed()
            if entry.offered_doctor_id is None or entry.offered_start is None:
                continue
            session_id = waitlist_offer_slot(
                doctor_id=entry.offered_doctor_id,
                start=entry.offered_start,
                now=now,
                exclude_phone=entry.phone,
            )
            if session_id is not None:
                sessions.append(session_id)
    return sessions


def _leave_offer_state(entry: WaitlistEntry, now: dt.datetime) -> None:
    """The patient who did not answer no longer has a pending offer (a later "1" is a new request)."""
    if entry.session_id is None:
        return
    stored = session_load_locked(session_id=entry.session_id)
    if stored is None:
        return
    if dialogue.withdraw_waitlist_offer(stored.state, entry_id=entry.id):
        session_save(stored=stored, now=stored.last_activity or now)
