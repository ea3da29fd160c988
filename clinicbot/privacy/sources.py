"""The registry of personal data sources: one small adapter per table that holds a phone.

Export and erasure walk this registry, so a new table with personal data plugs in with
one ``register_source(...)`` entry (here, or from its own app's ``AppConfig.ready``):

    register_source(PersonalDataSource(
        name="waiting_list",
        rows=lambda s: WaitingListEntry.objects.filter(phone__in=s.variants),
        erase=Erase.DELETE,
    ))

Erasure runs the sources in registration order. Sources that anonymise instead of
deleting (appointments: the clinic keeps doctor/time/status for its statistics and
records) give the replacement values of their identifying columns.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from clinicbot.conversations.models import ConversationMessage, ConversationSession, VoiceNote
from clinicbot.core.phones import display_phone
from clinicbot.integrations.models import SyncEvent
from clinicbot.llm.models import ConversationTokenUsage
from clinicbot.outreach.models import OutboundNotification
from clinicbot.scheduling.models import Appointment, WaitlistEntry

from .subject import Subject

ANONYMISED = "anonimizado"


class Erase(enum.Enum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    CUSTOM = "custom"


@dataclass(frozen=True)
class PersonalDataSource:
    """How to find, export and erase one table's rows about a subject."""

    name: str
    rows: Callable[[Subject], QuerySet[Any]]
    erase: Erase
    # For Erase.ANONYMISE: column -> irreversible replacement value.
    anonymised: Mapping[str, Any] = field(default_factory=dict)
    # For Erase.CUSTOM: rewrites the rows (e.g. inside a JSON body); returns how many.
    eraser: Callable[[QuerySet[Any]], int] | None = None

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        """The subject's rows as plain data (Django's serializer: model, pk, fields)."""
        return list(serializers.serialize("python", self.rows(subject).order_by("pk")))

    def erase_rows(self, subject: Subject) -> int:
        """Delete or anonymise the subject's rows; returns how many were touched."""
        rows = self.rows(subject)
        if self.erase is Erase.CUSTOM and self.eraser is not None:
            return self.eraser(rows)
        if self.erase is Erase.ANONYMISE:
            return rows.update(**self.anonymised)
        return rows.delete()[1].get(rows.model._meta.label, 0)


_REGISTRY: dict[str, PersonalDataSource] = {}


def register_source(source: PersonalDataSource) -> PersonalDataSource:
    """Add (or replace, by name) a source; returns it so it can be kept as a constant."""
    _REGISTRY[source.name] = source
    return source


def personal_data_sources() -> tuple[PersonalDataSource, ...]:
    """Every registered source, in erasure order."""
    return tuple(_REGISTRY.values())


def _appointments(s: Subject) -> QuerySet[Appointment]:
    return Appointment.objects.filter(Q(phone__in=s.variants) | Q(session_id__in=s.session_ids))


def _admin_log(s: Subject) -> QuerySet[LogEntry]:
    """Admin history entries about the subject's rows, or naming the phone.

    ``object_repr`` copies an object's text when staff edit it ("5511… Marta Reis"), and
    stays after the object is deleted: entries are found by their object (kept rows) and
    by the phone in their text (rows deleted earlier).
    """
    about = Q(pk__in=[])
    for model, rows in (
        (ConversationSession, ConversationSession.objects.filter(id__in=s.session_ids)),
        (ConversationMessage, ConversationMessage.objects.filter(session_id__in=s.session_ids)),
        (Appointment, _appointments(s)),
        (
            WaitlistEntry,
            WaitlistEntry.objects.filter(Q(phone__in=s.variants) | Q(session_id__in=s.session_ids)),
        ),
        (
            OutboundNotification,
            OutboundNotification.objects.filter(
                Q(phone__in=s.variants) | Q(appointment__in=_appointments(s))
            ),
        ),
    ):
        ids = rows.annotate(text_id=Cast("pk", CharField())).values("text_id")
        about |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    for spelling in {*s.variants, display_phone(s.phone)}:
        about |= Q(object_repr__contains=spelling) | Q(change_message__contains=spelling)
    return LogEntry.objects.filter(about)


# First, while the rows it finds entries by still exist: who changed what and when stays,
# the patient's name and phone in the entry's text go.
register_source(
    PersonalDataSource(
        name="admin_log",
        rows=_admin_log,
        erase=Erase.ANONYMISE,
        anonymised={"object_repr": ANONYMISED, "change_message": ""},
    )
)
# Notifications next: they point at appointments and hold the phone and the text sent.
register_source(
    PersonalDataSource(
        name="notifications",
        rows=lambda s: OutboundNotification.objects.filter(
            Q(phone__in=s.variants) | Q(appointment__in=_appointments(s))
        ),
        erase=Erase.DELETE,
    )
)
register_source(
    PersonalDataSource(
        name="waitlist",
        rows=lambda s: WaitlistEntry.objects.filter(
            Q(phone__in=s.variants) | Q(session_id__in=s.session_ids)
        ),
        erase=Erase.DELETE,
    )
)


def _anonymise_sync_bodies(rows: QuerySet[SyncEvent]) -> int:
    """Blank the patient in the stored copies of booking events (a pending one still goes out)."""
    events = list(rows)
    for event in events:
        body = dict(event.body or {})
        body["appointment"] = {**body.get("appointment", {}), "patient_name": ANONYMISED, "phone": ANONYMISED}
        event.body = body
    SyncEvent.objects.bulk_update(events, ["body"])
    return len(events)


# Booking events for the clinic-management system carry the name and phone in their body.
register_source(
    PersonalDataSource(
        name="clinic_system_events",
        rows=lambda s: SyncEvent.objects.filter(appointment__in=_appointments(s)),
        erase=Erase.CUSTOM,
        eraser=_anonymise_sync_bodies,
    )
)
register_source(
    PersonalDataSource(
        name="llm_token_usage",
        rows=lambda s: ConversationTokenUsage.objects.filter(session_id__in=s.session_ids),
        erase=Erase.DELETE,
    )
)
# Past appointments stay as anonymous facts (doctor, specialty, time, status, code).
register_source(
    PersonalDataSource(
        name="appointments",
        rows=_appointments,
        erase=Erase.ANONYMISE,
        anonymised={"patient_name": ANONYMISED, "phone": ANONYMISED, "handoff_link": "", "session": None},
    )
)


class _VoiceNotes(PersonalDataSource):
    """Voice notes: their record, and the audio itself while the clinic keeps it (base64)."""

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        rows = self.rows(subject).order_by("pk")
        fields = [f.name for f in VoiceNote._meta.concrete_fields if f.name not in ("message", "audio")]
        exported = list(serializers.serialize("python", rows.defer("audio"), fields=fields))
        audio = dict(rows.exclude(audio=None).values_list("pk", "audio"))
        for row in exported:
            if row["pk"] in audio:
                row["fields"]["audio_base64"] = base64.b64encode(bytes(audio[row["pk"]])).decode()
        return exported


# Before the messages (they would take them along): so the erase counts them.
register_source(
    _VoiceNotes(
        name="voice_notes",
        rows=lambda s: VoiceNote.objects.filter(message__session_id__in=s.session_ids),
        erase=Erase.DELETE,
    )
)
register_source(
    PersonalDataSource(
        name="messages",
        rows=lambda s: ConversationMessage.objects.filter(session_id__in=s.session_ids),
        erase=Erase.DELETE,
    )
)
register_source(
    PersonalDataSource(
        name="sessions",
        rows=lambda s: ConversationSession.objects.filter(id__in=s.session_ids),
        erase=Erase.DELETE,
    )
)
