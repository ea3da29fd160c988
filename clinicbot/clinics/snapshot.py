"""The cached, read-only clinic snapshot the engine answers from.

Reading the reference data takes ~10 queries; a turn must not pay them. The snapshot is
built once, stored in the cache for ``CLINIC_SNAPSHOT_TTL`` seconds and memoised in the
process. A version token in the shared cache tells every process when staff changed the
data (signals call :func:`invalidate_snapshot`), so an edit in admin is seen at the next
message on every server.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from clinicbot.core.cache import safe_delete, safe_get, safe_set
from clinicbot.engine.types import (
    WEEKDAY_KEYS,
    Catalog,
    ClinicInfo,
    DoctorInfo,
    ExamInfo,
    FaqItem,
    NamedItem,
    TimeRange,
)

from .holidays import public_holidays
from .hours import parse_ranges

logger = logging.getLogger(__name__)

SNAPSHOT_KEY = "clinic:snapshot:v1"
VERSION_KEY = "clinic:snapshot:version"
# Without a reachable cache, a process re-reads the database at most this often.
_NO_CACHE_MEMO_SECONDS = 30.0


@dataclass
class _Memo:
    catalog: Catalog
    version: str | None
    built_at: float


_memo: _Memo | None = None


def build_catalog() -> Catalog:
    """Read the reference data from the database into an engine :class:`Catalog`."""
    from .models import Clinic, Doctor, Exam, FaqEntry, Holiday, Insurance, MessageTemplate, Specialty

    clinic = Clinic.objects.order_by("id").first()
    default_minutes = clinic.appointment_minutes if clinic else 30
    info = ClinicInfo(
        name=clinic.name if clinic else "Clínica",
        phone=clinic.phone if clinic else "",
        whatsapp=clinic.whatsapp if clinic else "",
        address=clinic.address if clinic else "",
        timezone=clinic.timezone if clinic else settings.TIME_ZONE,
        appointment_minutes=default_minutes,
        handoff_url=clinic.handoff_url if clinic else "",
        opening_hours=_weekly(clinic.opening_hours if clinic else {}),
        parking=clinic.parking if clinic else "",
        booking_horizon_days=settings.BOOKING_HORIZON_DAYS,
    )
    doctors = []
    # By name, as the engine has always listed them to patients (the evaluation sets rely on
    # it); staff screens sort by ``sort_name`` (accent-aware).
    for doctor in (
        Doctor.objects.filter(active=True)
        .order_by("name")
        .prefetch_related("specialties", "insurances", "schedule")
    ):
        schedule: dict[int, list[TimeRange]] = defaultdict(list)
        for rng in doctor.schedule.all():
            schedule[rng.weekday].append(TimeRange(rng.start, rng.end))
        doctors.append(
            DoctorInfo(
                id=doctor.id,
                name=doctor.name,
                crm=doctor.crm,
                specialties=tuple(s.name for s in doctor.specialties.all()),
                insurances=tuple(i.name for i in doctor.insurances.all()),
                price=doctor.price,
                slot_minutes=doctor.appointment_minutes or default_minutes,
                schedule={wd: tuple(sorted(r, key=lambda x: x.start)) for wd, r in schedule.items()},
            )
        )
    return Catalog(
        clinic=info,
        specialties=tuple(NamedItem(s.name, tuple(s.aliases or ()), s.id) for s in Specialty.objects.all()),
        insurances=tuple(NamedItem(i.name, tuple(i.aliases or ()), i.id) for i in Insurance.objects.all()),
        doctors=tuple(doctors),
        exams=tuple(
            ExamInfo(e.name, tuple(e.aliases or ()), price=e.price, preparation=e.preparation)
            for e in Exam.objects.all()
        ),
        holidays=frozenset(Holiday.objects.values_list("date", flat=True)) | public_holidays(dt.date.today()),
        faq=tuple(FaqItem(f.question, f.answer) for f in FaqEntry.objects.all()),
        templates=dict(MessageTemplate.objects.values_list("key", "text")),
    )


def _weekly(raw: dict[str, list[str]]) -> dict[int, tuple[TimeRange, ...]]:
    return {i: tuple(parse_ranges(raw[key])) for i, key in enumerate(WEEKDAY_KEYS) if raw.get(key)}


def get_catalog() -> Catalog:
    """Return the current clinic snapshot (process memo -> shared cache -> database)."""
    global _memo
    version = safe_get(VERSION_KEY)
    memo = _memo
    if memo is not None:
        if version is not None and memo.version == version:
            return memo.catalog
        if version is None and time.monotonic() - memo.built_at < _NO_CACHE_MEMO_SECONDS:
            return memo.catalog
    catalog = safe_get(SNAPSHOT_KEY) if version is not None else None
    if catalog is None:
        catalog = build_catalog()
        if version is None:
            version = uuid.uuid4().hex
            safe_set(VERSION_KEY, version, None)
        safe_set(SNAPSHOT_KEY, catalog, settings.CLINIC_SNAPSHOT_TTL)
    _memo = _Memo(catalog, version, time.monotonic())
    return catalog


def invalidate_snapshot() -> None:
    """Forget the snapshot everywhere: this process now, other processes at their next read."""
    global _memo
    _memo = None
    safe_delete(SNAPSHOT_KEY)
    safe_set(VERSION_KEY, uuid.uuid4().hex, None)
    logger.debug("clinic snapshot invalidated")


def forget_process_memo() -> None:
    """Drop only this process's memo (used to simulate a restart)."""
    global _memo
    _memo = None
