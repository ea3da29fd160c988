"""Reads for the staff desk: the hand-off queue, a conversation's history, a doctor's day."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery, TextChoices

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.models import ConversationMessage, ConversationSession, Direction
from clinicbot.engine.slots import schedule_starts
from clinicbot.engine.types import DoctorInfo
from clinicbot.scheduling.models import Appointment, AppointmentStatus

QUEUE_LIMIT = 200
ALERT_HOURS = 24  # a safety alert stays on top of the queue this long (or until handed back)


@dataclass(frozen=True)
class QueueItem:
    """One handed-off conversation; ``waiting_since`` is None when staff answered last."""

    session: ConversationSession
    waiting_since: dt.datetime | None
    last_staff_at: dt.datetime | None

    def wait(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.waiting_since if self.waiting_since else None


def _latest(direction: str, field: str = "timestamp") -> Subquery:
    rows = ConversationMessage.objects.filter(session=OuterRef("pk"), direction=direction).order_by("-id")
    return Subquery(rows.values(field)[:1])


def handoff_queue() -> list[QueueItem]:
    """Handed-off conversations: those waiting for staff first (oldest first), then answered ones.

    A conversation waits from its hand-off until a staff reply, and again from the first
    patient message after the last staff reply. "After" compares ids (storage order), not
    timestamps: a gateway's timestamps are whole seconds from another clock. One query.
    """
    first_user_after_staff = Subquery(
        ConversationMessage.objects.filter(
            session=OuterRef("pk"), direction=Direction.USER, id__gt=OuterRef("last_staff_id")
        )
        .order_by("id")
        .values("timestamp")[:1]
    )
    alerted_since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=ALERT_HOURS)
    rows = (
        ConversationSession.objects.filter(Q(handed_off=True) | Q(alert_at__gte=alerted_since))
        .annotate(
            last_staff_id=_latest(Direction.STAFF, "id"),
            last_staff_at=_latest(Direction.STAFF),
            last_user_at=_latest(Direction.USER),
        )
        .annotate(first_user_after_staff=first_user_after_staff)
        .order_by("last_activity")[:QUEUE_LIMIT]
    )
    items = []
    for row in rows:
        if row.last_staff_id is None:
            waiting = _handoff_at(row) or row.last_user_at or row.last_activity
        else:
            waiting = row.first_user_after_staff
        items.append(QueueItem(row, waiting, row.last_staff_at))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def order(i: QueueItem) -> tuple[bool, bool, dt.datetime, int]:
        # Safety alerts first (emergencies, self-harm), then who waits longest.
        alert = i.session.alert_at is not None and i.session.alert_at >= alerted_since
        return (not alert, i.waiting_since is None, i.waiting_since or far, i.session.id)

    return sorted(items, key=order)


def _handoff_at(row: ConversationSession) -> dt.datetime | None:
    raw = (row.context or {}).get("handoff_at")
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def conversation_history(*, session_id: int) -> list[ConversationMessage]:
    """Every message of the conversation in the order the patient saw them."""
    return list(ConversationMessage.objects.filter(session_id=session_id).order_by("timestamp", "id"))


class SlotState(TextChoices):
    FREE = "free", "livre"
    BOOKED = "booked", "agendada"
    CONFIRMED = "confirmed", "presença confirmada"
    COMPLETED = "completed", "realizada"
    NO_SHOW = "no_show", "não compareceu"


# Keyed by AppointmentStatus, looked up with Appointment.status (its str value).
_STATE_OF: dict[str, SlotState] = {
    AppointmentStatus.BOOKED: SlotState.BOOKED,
    AppointmentStatus.CONFIRMED: SlotState.CONFIRMED,
    AppointmentStatus.COMPLETED: SlotState.COMPLETED,
    AppointmentStatus.NO_SHOW: SlotState.NO_SHOW,
}


@dataclass(frozen=True)
class AgendaSlot:
    time: dt.time  # clinic time
    state: SlotState
    appointment: Appointment | None = None

    @property
    def label(self) -> str:
        return str(self.state.label)


@dataclass(frozen=True)
class AgendaDay:
    doctor: DoctorInfo
    day: dt.date
    slots: list[AgendaSlot]
    holiday: bool
    timezone: str


def doctor_day_agenda(*, doctor_id: int, day: dt.date) -> AgendaDay | None:
    """The doctor's slots of one day in the clinic's timezone, each free or with its patient.

    Cancelled appointments free their slot; an appointment outside the current weekly
    schedule (booked before the schedule changed) is still listed, at its own time.
    """
    catalog = get_catalog()
    doctor = next((d for d in catalog.doctors if d.id == doctor_id), None)
    if doctor is None:
        return None
    tz = zoneinfo.ZoneInfo(catalog.clinic.timezone)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    rows = (
        Appointment.objects.filter(
            doctor_id=doctor_id, start__gte=start, start__lt=start + dt.timedelta(days=1)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("specialty", "insurance")
        .order_by("start")
    )
    booked = {a.start.astimezone(tz).time(): a for a in rows}
    times = sorted(set(schedule_starts(doctor, day)) | set(booked))
    slots = [
        AgendaSlot(t, _STATE_OF[booked[t].status], booked[t])
        if t in booked
        else AgendaSlot(t, SlotState.FREE)
        for t in times
    ]
    return AgendaDay(doctor, day, slots, day in catalog.holidays, catalog.clinic.timezone)
