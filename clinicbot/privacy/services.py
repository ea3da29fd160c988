"""Patient data requests (LGPD art. 18): export everything about a phone, or erase it."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import mail_admins
from django.db import transaction
from django.utils import timezone

from clinicbot.conversations.store import session_forget_cache
from clinicbot.llm.services import llm_history_forget
from clinicbot.scheduling.models import ACTIVE_STATUSES, Appointment
from clinicbot.scheduling.services import appointment_cancel

from .erasure_log import erasure_log_append
from .models import PrivacyAction, PrivacyAuditEntry
from .sources import personal_data_sources
from .subject import PrivacyError, Subject, hash_key_id, subject_for

logger = logging.getLogger(__name__)

__all__ = ["ErasureResult", "PrivacyError", "patient_data_erase", "patient_data_export"]


def _actor_fields(actor: AbstractBaseUser | str) -> dict[str, Any]:
    if isinstance(actor, str):
        return {"actor": actor, "user": None}
    return {"actor": actor.get_username(), "user": actor}


def patient_data_export(*, phone: str, actor: AbstractBaseUser | str) -> dict[str, Any]:
    """Everything stored about ``phone``, one list per source, plus an audit entry.

    The result is JSON-ready with ``DjangoJSONEncoder`` (dates, decimals).
    """
    subject = subject_for(phone=phone)
    data = {source.name: source.export(subject) for source in personal_data_sources()}
    PrivacyAuditEntry.objects.create(
        action=PrivacyAction.EXPORT,
        phone_hash=subject.hash,
        hash_key_id=hash_key_id(),
        counts={name: len(rows) for name, rows in data.items()},
        **_actor_fields(actor),
    )
    return {"phone": subject.phone, "exported_at": timezone.now(), "sources": data}


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did: rows touched per source and the bookings it cancelled."""

    counts: dict[str, int]
    cancelled: list[str] = field(default_factory=list)
    audit_id: int | None = None


def _cancel_future(subject: Subject, now: dt.datetime) -> list[str]:
    """Cancel the subject's upcoming bookings (frees the slots); describe them for staff."""
    upcoming = (
        Appointment.objects.filter(phone__in=subject.variants, start__gte=now, status__in=ACTIVE_STATUSES)
        | Appointment.objects.filter(
            session_id__in=subject.session_ids, start__gte=now, status__in=ACTIVE_STATUSES
        )
    ).order_by("start")
    lines = []
    for appt_id in list(upcoming.values_list("id", flat=True)):
        appt = appointment_cancel(appointment_id=appt_id)
        start = timezone.localtime(appt.start)
        # No name or phone: the code, doctor and time are enough for the front desk.
        lines.append(f"{appt.confirmation_code} — {appt.doctor.name}, {start:%d/%m/%Y %H:%M}")
    return lines


def patient_data_erase(*, phone: str, actor: AbstractBaseUser | str, now: dt.datetime) -> ErasureResult:
    """Erase ``phone``'s personal data irreversibly, keeping only anonymous facts.

    Upcoming bookings are cancelled first (the patient is not messaged; staff are told
    through the audit entry and an e-mail to ADMINS), then every registered source
    deletes or anonymises its rows, in one transaction with the conversations locked.
    """
    with transaction.atomic():
        subject = subject_for(phone=phone, lock=True)
        cancelled = _cancel_future(subject, now)
        counts = {source.name: source.erase_rows(subject) for source in personal_data_sources()}
        counts["future_appointments_cancelled"] = len(cancelled)
        note = ""
        if cancelled:
            note = "Consultas futuras canceladas (avisar a agenda):\n" + "\n".join(cancelled)
        entry = PrivacyAuditEntry.objects.create(
            action=PrivacyAction.ERASE,
            phone_hash=subject.hash,
            hash_key_id=hash_key_id(),
            counts=counts,
            note=note,
            **_actor_fields(actor),
        )
        # Outside the database, for restores (erasure_log.py); a failed write undoes the erase.
        erasure_log_append(path=Path(settings.ERASURE_LOG), entry=entry)
        transaction.on_commit(lambda: _after_erase(subject, entry))
    return ErasureResult(counts=counts, cancelled=cancelled, audit_id=entry.id)


def _after_erase(subject: Subject, entry: PrivacyAuditEntry) -> None:
    """Forget cached conversations and LLM context, and tell staff (never the phone itself)."""
    for key in subject.session_keys:
        session_forget_cache(phone=key)
    for session_id in subject.session_ids:
        llm_history_forget(session_id=session_id)
    logger.warning(
        "patient data erased", extra={"audit_id": entry.id, "actor": entry.actor, "counts": entry.counts}
    )
    if entry.note:
        try:
            mail_admins(
                "LGPD: dados de paciente apagados", f"{entry} (auditoria #{entry.id}).\n\n{entry.note}"
            )
        except OSError:  # the audit entry already tells staff; the e-mail is a courtesy
            logger.exception("could not e-mail ADMINS about erasure %s", entry.id)
