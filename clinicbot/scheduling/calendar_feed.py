"""Per-doctor iCalendar feeds (importable in Google Calendar / Outlook)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils.text import slugify
from icalendar import Calendar, Event

from clinicbot.clinics.models import Clinic, Doctor

from .models import Appointment

# Past appointments stay visible for a while so a calendar keeps recent history.
PAST_DAYS = 30


def doctor_slug(doctor: Doctor) -> str:
    """ "Dr. Henrique Bastos" -> "dr-henrique-bastos" (the feed's file name)."""
    return slugify(doctor.name)


def doctor_by_slug(slug: str) -> Doctor | None:
    return next((d for d in Doctor.objects.all() if doctor_slug(d) == slug), None)


def patient_initials(name: str) -> str:
    """ "Marta Reis da Silva" -> "M. R. S." (connectives such as "da" dropped)."""
    words = [w for w in name.split() if w.lower() not in {"da", "das", "de", "do", "dos", "e"}]
    return " ".join(f"{w[0].upper()}." for w in words) or "Paciente"


def doctor_calendar(*, doctor: Doctor, now: dt.datetime) -> bytes:
    """The doctor's active appointments as an iCalendar document, times in the clinic's zone.

    Calendar apps sync feeds to third-party servers (Google, Microsoft), so each event
    names the patient by initials and leaves the booking code out, unless the clinic opts
    in with ``CALENDAR_PATIENT_NAMES``.
    """
    full = settings.CALENDAR_PATIENT_NAMES
    clinic = Clinic.objects.order_by("id").first()
    tz = zoneinfo.ZoneInfo(clinic.timezone if clinic else "America/Sao_Paulo")
    cal = Calendar()
    cal.add("prodid", "-//clinicbot//agenda//PT-BR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{doctor.name} — {clinic.name if clinic else 'agenda'}")
    cal.add("x-wr-timezone", str(tz))
    rows = (
        Appointment.objects.active()
        .filter(doctor=doctor, start__gte=now - dt.timedelta(days=PAST_DAYS))
        .select_related("specialty", "insurance")
        .order_by("start")
    )
    for appt in rows:
        event = Event()
        event.add("uid", f"consulta-{appt.id}@clinicbot")
        event.add("dtstamp", appt.updated_at)
        event.add("dtstart", appt.start.astimezone(tz))
        event.add("dtend", appt.end.astimezone(tz))
        event.add(
            "summary", f"Consulta: {appt.patient_name if full else patient_initials(appt.patient_name)}"
        )
        details = f"{appt.specialty.name} · {appt.insurance.name} · {appt.get_status_display()}"
        event.add("description", f"{details} · código {appt.confirmation_code}" if full else details)
        # A booked appointment is a real booking, not a tentative one; the patient's own
        # confirmation ("presença confirmada") is in the description, as in admin.
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    ical: bytes = cal.to_ical()  # icalendar's to_ical() is unannotated (Any); it returns bytes
    return ical
