"""Invalidate the cached clinic snapshot whenever staff change reference data."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import models
from .snapshot import invalidate_snapshot

_REFERENCE_MODELS = (
    models.Clinic,
    models.Specialty,
    models.Insurance,
    models.Doctor,
    models.ScheduleRange,
    models.Exam,
    models.Holiday,
    models.FaqEntry,
    models.MessageTemplate,
)


def _changed(**_: Any) -> None:
    # After commit, so a worker never rebuilds the snapshot from data still uncommitted;
    # once per transaction, however many rows an import touched.
    if connection.in_atomic_block and any(
        item[1] is invalidate_snapshot for item in getattr(connection, "run_on_commit", ())
    ):
        return
    transaction.on_commit(invalidate_snapshot)


for _model in _REFERENCE_MODELS:
    post_save.connect(_changed, sender=_model, dispatch_uid=f"snapshot-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"snapshot-delete-{_model.__name__}")
m2m_changed.connect(_changed, sender=models.Doctor.specialties.through, dispatch_uid="snapshot-m2m-spec")
m2m_changed.connect(_changed, sender=models.Doctor.insurances.through, dispatch_uid="snapshot-m2m-ins")
