"""Writes to the clinic reference data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from .clinic_file import ClinicFile, load_clinic_file
from .models import (
    Clinic,
    Doctor,
    Exam,
    FaqEntry,
    Holiday,
    Insurance,
    MessageTemplate,
    ScheduleRange,
    Specialty,
)

# How the import summary names each kind of row (singular, plural).
KIND_NAMES = {
    "clinic": ("clinic", "clinics"),
    "specialty": ("specialty", "specialties"),
    "insurance": ("insurance", "insurances"),
    "doctor": ("doctor", "doctors"),
    "exam": ("exam", "exams"),
    "holiday": ("holiday", "holidays"),
    "faq": ("FAQ entry", "FAQ entries"),
}
ACTIONS = ("created", "updated", "deactivated", "deleted", "unchanged")


class ImportCounts(Counter[str]):
    """What an import did: totals per action (``counts["created"]``) and per kind of row.

    Each row of the file counts once: a new doctor with its specialties, convênios and
    hours is one doctor *created* (not also three *updated* links), a doctor whose price
    or hours changed is one *updated*.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_kind: dict[str, Counter[str]] = {}

    def add(self, kind: str, action: str, n: int = 1) -> None:
        """Count ``n`` rows of ``kind`` (a key of :data:`KIND_NAMES`) as ``action``."""
        if n:
            self[action] += n
            self.by_kind.setdefault(kind, Counter())[action] += n

    def summary(self) -> str:
        """ "created 1 clinic, 9 specialties; unchanged 3 exams" (kinds in file order)."""
        parts = []
        for action in ACTIONS:
            items = [
                f"{counts[action]} {KIND_NAMES[kind][counts[action] != 1]}"
                for kind, counts in sorted(self.by_kind.items(), key=lambda kv: list(KIND_NAMES).index(kv[0]))
                if counts[action]
            ]
            if items:
                parts.append(f"{action} {', '.join(items)}")
        return "; ".join(parts) or "nothing to import"


def _assign(obj: Model, values: dict[str, Any]) -> list[str]:
    """Assign values and save only when something differs (a re-import writes nothing).

    Returns the changed fields (every field for a new row).
    """
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if obj.pk is None:
        obj.save()
        return list(values)
    if changed:
        obj.save(update_fields=changed)
    return changed


def _save_if_changed(obj: Model, values: dict[str, Any], counts: ImportCounts, kind: str) -> None:
    """:func:`_assign`, counted as created, updated or unchanged."""
    created = obj.pk is None
    changed = _assign(obj, values)
    counts.add(kind, "created" if created else "updated" if changed else "unchanged")


def _upsert_named(
    model: type[Specialty] | type[Insurance], items: dict[str, list[str]], counts: ImportCounts
) -> dict[str, Any]:
    existing = {o.name: o for o in model.objects.all()}
    kind = model.__name__.lower()
    for name, aliases in items.items():
        obj = existing.get(name) or model(name=name)
        _save_if_changed(obj, {"aliases": aliases}, counts, kind)
        existing[name] = obj
    return existing


def _prune_named(
    model: type[Specialty] | type[Insurance], keep: dict[str, list[str]], counts: ImportCounts
) -> None:
    """Delete rows the file no longer lists, unless something still points at them.

    Runs after the doctors' links are updated, so a specialty dropped together with its
    last doctor goes in the same import.
    """
    for obj in model.objects.exclude(name__in=list(keep)):
        if not obj.doctors.exists() and not _referenced_by_appointments(obj):
            obj.delete()
            counts.add(model.__name__.lower(), "deleted")


def _referenced_by_appointments(obj: Specialty | Insurance) -> bool:
    from django.apps import apps

    appointment = apps.get_model("scheduling", "Appointment")
    field = "specialty" if isinstance(obj, Specialty) else "insurance"
    return bool(appointment.objects.filter(**{field: obj}).exists())


@transaction.atomic
def clinic_import(*, data: ClinicFile) -> ImportCounts:
    """Make the database hold exactly the clinic described by ``data`` (idempotent).

    Doctors missing from the file are deactivated rather than deleted (their past
    appointments keep pointing at them); other reference rows missing from the file are
    removed. Returns what was created / updated / unchanged / deleted / deactivated,
    each row of the file counted once (see :class:`ImportCounts`).
    """
    counts = ImportCounts()
    clinic = Clinic.objects.order_by("id").first() or Clinic()
    _save_if_changed(clinic, vars(data.clinic).copy(), counts, "clinic")

    specialties = _upsert_named(Specialty, data.specialties, counts)
    insurances = _upsert_named(Insurance, data.insurances, counts)

    doctors = {d.name: d for d in Doctor.objects.prefetch_related("specialties", "insurances", "schedule")}
    for d in data.doctors:
        doctor = doctors.get(d.name) or Doctor(name=d.name)
        created = doctor.pk is None
        changed = bool(
            _assign(
                doctor,
                {
                    "crm": d.crm,
                    "price": d.price,
                    "appointment_minutes": d.appointment_minutes,
                    "active": True,
                },
            )
        )
        current_specialties = set() if created else {s.name for s in doctor.specialties.all()}
        if current_specialties != set(d.specialties):
            doctor.specialties.set([specialties[s] for s in d.specialties])
            changed = True
        current_insurances = set() if created else {i.name for i in doctor.insurances.all()}
        if current_insurances != set(d.insurances):
            doctor.insurances.set([insurances[i] for i in d.insurances])
            changed = True
        wanted = sorted((wd, r.start, r.end) for wd, ranges in d.schedule.items() for r in ranges)
        current = [] if created else sorted((s.weekday, s.start, s.end) for s in doctor.schedule.all())
        if wanted != current:
            doctor.schedule.all().delete()
            ScheduleRange.objects.bulk_create(
                ScheduleRange(doctor=doctor, weekday=wd, start=start, end=end) for wd, start, end in wanted
            )
            changed = True
        counts.add("doctor", "created" if created else "updated" if changed else "unchanged")
    _prune_named(Specialty, data.specialties, counts)
    _prune_named(Insurance, data.insurances, counts)
    named = {d.name for d in data.doctors}
    counts.add(
        "doctor",
        "deactivated",
        Doctor.objects.filter(active=True).exclude(name__in=named).update(active=False),
    )

    existing_exams = {e.name: e for e in Exam.objects.all()}
    for e in data.exams:
        exam = existing_exams.pop(e.name, None) or Exam(name=e.name)
        _save_if_changed(
            exam, {"aliases": e.aliases, "price": e.price, "preparation": e.preparation}, counts, "exam"
        )
    for exam in existing_exams.values():
        exam.delete()
        counts.add("exam", "deleted")

    existing_holidays = {h.date: h for h in Holiday.objects.all()}
    for day in data.holidays:
        if existing_holidays.pop(day, None) is None:
            Holiday.objects.create(date=day)
            counts.add("holiday", "created")
        else:
            counts.add("holiday", "unchanged")
    for holiday in existing_holidays.values():
        holiday.delete()
        counts.add("holiday", "deleted")

    existing_faq = {f.question: f for f in FaqEntry.objects.all()}
    for question, answer in data.faq:
        entry = existing_faq.pop(question, None) or FaqEntry(question=question)
        _save_if_changed(entry, {"answer": answer}, counts, "faq")
    for entry in existing_faq.values():
        entry.delete()
        counts.add("faq", "deleted")
    return counts


def clinic_import_file(*, path: str | Path) -> ImportCounts:
    """Validate the whole file first, then import it in one transaction."""
    return clinic_import(data=load_clinic_file(path))


def message_templates_sync(*, defaults: dict[str, str]) -> int:
    """Create a row for every reply key staff can reword (existing wording is kept)."""
    existing = set(MessageTemplate.objects.values_list("key", flat=True))
    missing = [
        MessageTemplate(key=key, text=text, description=key.replace("_", " "))
        for key, text in defaults.items()
        if key not in existing and text
    ]
    MessageTemplate.objects.bulk_create(missing)
    return len(missing)
