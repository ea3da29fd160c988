"""Helpers for tests: load a clinic file into the test database, run a conversation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from clinicbot.clinics.services import clinic_import_file
from clinicbot.clinics.snapshot import invalidate_snapshot
from clinicbot.conversations.pipeline import InboundText, TurnOutcome, handle_inbound
from clinicbot.core.clock import FrozenClock

if TYPE_CHECKING:
    from django.contrib.auth.models import Group

DEMO_CLINIC = Path(settings.BASE_DIR) / "demo" / "clinic.yaml"
TEST_CLINIC = Path(settings.BASE_DIR) / "tests" / "eval" / "clinic_alt.yaml"


def load_clinic(path: Path | str = TEST_CLINIC) -> None:
    """Import a clinic file into the current (test) database and drop the cached snapshot."""
    clinic_import_file(path=path)
    invalidate_snapshot()


class Patient:
    """A patient writing to the assistant from one phone, with a frozen clock."""

    def __init__(self, phone: str, now: dt.datetime) -> None:
        self.phone = phone
        self.clock = FrozenClock(now)
        self.last: TurnOutcome | None = None

    def says(self, text: str) -> str:
        """Send one message; return the assistant's replies joined by newlines."""
        self.last = handle_inbound(InboundText(phone=self.phone, text=text), clock=self.clock)
        return "\n".join(r.text for r in self.last.replies)


def recepcao_group() -> Group:
    """The "Recepção" group, as its data migration creates it.

    Transactional tests (``transaction=True``) empty every table between tests, the
    migration's group included: this puts it back by running the migration's own code.
    """
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import connection

    migration = import_module("clinicbot.staff.migrations.0001_recepcao_group")
    migration.create_group(apps, SimpleNamespace(connection=connection))
    return Group.objects.get(name=migration.GROUP)
