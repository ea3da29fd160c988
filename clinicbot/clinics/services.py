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


def _save_if_changed(obj: Model, values: dict[str, Any], counts: Counter[str]) -> None:
    """Assign values and save only when something differs, so a re-import writes nothing."""
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if obj.pk is None:
        obj.save()
        counts["created"] += 1
    elif changed:
        obj.save(update_fields=changed)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _upsert_named(
    model: type[Specialty] | type[Insurance], items: dict[str, list[str]], counts: Counter[str]
) -> dict[str, Any]:
    existing = {o.name: o for o in model.objects.all()}
    for name, aliases in items.items():
        obj = existing.get(name) or model(name=name)
        _save_if_changed(obj, {"aliases": aliases}, counts)
        existing[name] = obj
    return existing


def _prune_named(
    model: type[Specialty] | type[Insurance], keep: dict[str, list[str]], counts: Counter[str]
) -> None:
    """Delete rows the file no longer lists, unless something still points at them.

    Runs after the doctors' links are updated, so a specialty dropped together with its
    last doctor goes in the same import.
    """
    for obj in model.objects.exclude(name__in=list(keep)):
        if not obj.doctors.exists() and not _referenced_by_appointments(obj):
            obj.delete()
            counts["deleted"] += 1


def _referenced_by_appointments(obj: Specialty | Insurance) -> bool:
    from django.apps import apps

    appointment = apps.get_model("scheduling", "Appointment")
    field = "specialty" if isinstance(obj, Specialty) else "insurance"
    return bool(appointment.objects.filter(**{field: obj}).exists())


@transaction.atomic
def clinic_import(*, data: ClinicFile) -> Counter[str]:
    """Make the database hold exactly the clinic described by ``data`` (idempotent).

    Doctors missing from the file are deactivated rather than deleted (their past
    appointments keep pointing at them); other reference rows missing from the file are
    removed. Returns counts of created / updated / unchanged / deleted rows.
    """
    counts: Counter[str] = Counter()
    clinic = Clinic.objects.order_by("id").first() or Clinic()
    _save_if_changed(clinic, vars(data.clinic).copy(), counts)

    specialties = _upsert_named(Specialty, data.specialties, counts)
    insurances = _upsert_named(Insurance, data.insurances, counts)

    doctors = {d.name: d for d in Doctor.objects.prefetch_related("specialties", "insurances", "schedule")}
    for d in data.doctors:
        doctor = doctors.get(d.name) or Doctor(name=d.name)
        _save_if_changed(
            doctor,
            {"crm": d.crm, "price": d.price, "appointment_minutes": d.appointment_minutes, "active": True},
            counts,
        )
        if {s.name for s in doctor.specialties.all()} != set(d.specialties):
            doctor.specialties.set([specialties[s] for s in d.specialties])
            counts["updated"] += 1
        if {i.name for i in doctor.insurances.all()} != set(d.insurances):
            doctor.insurances.set([insurances[i] for i in d.insurances])
            counts["updated"] += 1
        wanted = sorted((wd, r.start, r.end) for wd, ranges in d.schedule.items() for r in ranges)
        current = sorted((s.weekday, s.start, s.end) for s in doctor.schedule.all())
        if wanted != current:
            doctor.schedule.all().delete()
            ScheduleRange.objects.bulk_create(
                ScheduleRange(doctor=doctor, weekday=wd, start=start, end=end) for wd, start, end in wanted
            )
            counts["updated"] += 1
    _prune_named(Specialty, data.specialties, counts)
    _prune_named(Insurance, data.insurances, counts)
    named = {d.name for d in data.doctors}
    deactivated = Doctor.objects.filter(active=True).exclude(name__in=named).update(active=False)
    counts["deactivated"] += deactivated

    existing_exams = {e.name: e for e in Exam.objects.all()}
    for e in data.exams:
        exam = existing_exams.pop(e.name, None) or Exam(name=e.name)
        _save_if_changed(exam, {"aliases": e.aliases, "price": e.price, "preparation": e.preparation}, counts)
    for exam in existing_exams.values():
        exam.delete()
        counts["deleted"] += 1

    existing_holidays = {h.date: h for h in Holiday.objects.all()}
    for day in data.holidays:
        if existing_holidays.pop(day, None) is None:
            Holiday.objects.create(date=day)
            counts["created"] += 1
        else:
            counts["unchanged"] += 1
    for holiday in existing_holidays.values():
        holiday.delete()
        counts["deleted"] += 1

    existing_faq = {f.question: f for f in FaqEntry.objects.all()}
    for question, answer in data.faq:
        entry = existing_faq.pop(question, None) or FaqEntry(question=question)
        _save_if_changed(entry, {"answer": answer}, counts)
    for entry in existing_faq.values():
        entry.delete()
        counts["deleted"] += 1
    return counts


def clinic_import_file(*, path: str | Path) -> Counter[str]:
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
