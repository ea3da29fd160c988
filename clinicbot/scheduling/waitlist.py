"""Waiting-list services: joining, answering an offer, and the holds that keep an offered slot.

The offering itself (a message in the patient's conversation) lives in
``clinicbot.outreach.waitlist``; this module only writes :class:`WaitlistEntry` rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.core.cache import safe_delete, safe_get, safe_set
from clinicbot.engine.ports import WaitlistRequest

from .models import WaitlistEntry, WaitlistStatus
from .signals import announce_slot_freed

# The latest deadline of any live offer (a timestamp; 0 = none): lets the availability of
# every turn skip the holds query while nobody holds a slot, which is almost always.
_HOLDS_UNTIL_KEY = "waitlist:holds-until:v1"
_HOLDS_UNTIL_TTL = 60


class WaitlistError(Exception):
    """A waiting-list wish that cannot be stored (an unknown specialty, insurance or doctor)."""


def waitlist_join(*, request: WaitlistRequest, session_id: int | None, now: dt.datetime) -> WaitlistEntry:
    """Put a patient on the list; the same wish twice keeps the first entry (and its place)."""
    specialty_id = request.specialty_id or _id_of(Specialty, request.specialty)
    insurance_id = request.insurance_id or _id_of(Insurance, request.insurance)
    doctor_id = request.doctor_id or (_id_of(Doctor, request.doctor) if request.doctor else None)
    if not specialty_id or not insurance_id or (request.doctor and not doctor_id):
        raise WaitlistError("unknown specialty, insurance or doctor")
    wish = {
        "phone": request.phone,
        "specialty_id": specialty_id,
        "doctor_id": doctor_id or None,
        "insurance_id": insurance_id,
        "date_from": request.date_from,
        "date_to": request.date_to,
        "period": request.period,
    }
    existing = WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, **wish).first()
    if existing is not None:
        return existing
    return WaitlistEntry.objects.create(
        **wish, session_id=session_id, patient_name=request.patient_name, created_at=now
    )


def _id_of(model: type[Specialty] | type[Insurance] | type[Doctor], name: str) -> int | None:
    return model.objects.filter(name=name).values_list("id", flat=True).first()


def waitlist_decline(*, entry_id: int, now: dt.datetime) -> None:
    """The patient refused the offered slot: the entry leaves the list, the slot passes on."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(id=entry_id).first()
        if entry is None or entry.status != WaitlistStatus.OFFERED:
            return  # already expired (and passed on) or answered
        entry.status = WaitlistStatus.DECLINED
        entry.save(update_fields=["status", "updated_at"])
        holds_changed()
        if entry.offered_doctor_id and entry.offered_start:
            announce_slot_freed(doctor_id=entry.offered_doctor_id, start=entry.offered_start, freed_at=now)


def waitlist_cancel(*, entry_id: int, now: dt.datetime) -> None:
    """Staff take a patient off the list; a slot offered to them passes on."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(id=entry_id).first()
        if entry is None or entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
            return
        was_offered = entry.status == WaitlistStatus.OFFERED
        entry.status = WaitlistStatus.CANCELLED
        entry.save(update_fields=["status", "updated_at"])
        if was_offered and entry.offered_doctor_id and entry.offered_start:
            holds_changed()
            announce_slot_freed(doctor_id=entry.offered_doctor_id, start=entry.offered_start, freed_at=now)


def waitlist_mark_booked(*, entry_id: int, appointment_id: int) -> None:
    """The offered slot became the patient's appointment."""
    WaitlistEntry.objects.filter(
        id=entry_id, status__in=[WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED, WaitlistStatus.WAITING]
    ).update(status=WaitlistStatus.BOOKED, appointment_id=appointment_id)


def waitlist_booked_by_holder(*, doctor_id: int, start: dt.datetime, phone: str, appointment_id: int) -> None:
    """The patient a slot is held for booked it another way (the REST API): the offer is fulfilled."""
    WaitlistEntry.objects.filter(
        status=WaitlistStatus.OFFERED, offered_doctor_id=doctor_id, offered_start=start, phone=phone
    ).update(status=WaitlistStatus.BOOKED, appointment_id=appointment_id)


def waitlist_requeue(*, entry_id: int) -> None:
    """The offered slot was lost (taken after the hold ran out): wait again, keeping the place."""
    WaitlistEntry.objects.filter(
        id=entry_id, status__in=[WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED]
    ).update(status=WaitlistStatus.WAITING, offered_doctor=None, offered_start=None, offer_expires_at=None)


def waitlist_hold() -> dt.timedelta:
    """How long an offered slot is kept for the patient it was offered to."""
    return dt.timedelta(minutes=settings.WAITLIST_HOLD_MINUTES)


def holds_changed() -> None:
    """Forget the cached deadline once the transaction that made an offer commits."""
    transaction.on_commit(lambda: safe_delete(_HOLDS_UNTIL_KEY))


def _holds_until() -> float:
    until = safe_get(_HOLDS_UNTIL_KEY)
    if until is None:
        latest = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).aggregate(
            m=Max("offer_expires_at")
        )["m"]
        until = latest.timestamp() if latest else 0.0
        safe_set(_HOLDS_UNTIL_KEY, until, _HOLDS_UNTIL_TTL)
    return float(until)


def held_slots(*, now: dt.datetime, exclude_phone: str = "") -> list[tuple[int, dt.datetime]]:
    """(doctor id, start) of the slots held for other patients right now."""
    if _holds_until() <= now.timestamp():
        return []
    rows = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__gt=now)
    if exclude_phone:
        rows = rows.exclude(phone=exclude_phone)
    return [(d, s) for d, s in rows.values_list("offered_doctor_id", "offered_start") if d and s]


def slot_held_for_another(*, doctor_id: int, start: dt.datetime, phone: str, now: dt.datetime) -> bool:
    """True while the slot is offered to someone else from the waiting list."""
    if _holds_until() <= now.timestamp():
        return False
    return (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.OFFERED,
            offered_doctor_id=doctor_id,
            offered_start=start,
            offer_expires_at__gt=now,
        )
        .exclude(phone=phone)
        .exists()
    )
