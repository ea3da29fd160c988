"""The pull implementation: the per-doctor iCalendar feed reads the agenda on each request."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse

from clinicbot.scheduling.calendar_feed import doctor_slug

if TYPE_CHECKING:
    from clinicbot.clinics.models import Doctor
    from clinicbot.scheduling.models import Appointment


class IcsFeedSync:
    """Nothing to push: calendar apps poll the feed, which always shows the live agenda."""

    name = "ics"

    def booking_created(self, appointment: Appointment) -> None:
        """The feed shows it on the next poll."""

    def booking_confirmed(self, appointment: Appointment) -> None:
        """The feed notes it on the next poll."""

    def booking_cancelled(self, appointment: Appointment) -> None:
        """The feed drops it on the next poll."""

    def booking_rescheduled(self, appointment: Appointment) -> None:
        """The feed moves it on the next poll."""

    @staticmethod
    def feed_path(doctor: Doctor, token: str) -> str:
        """The doctor's feed path with one of its tokens, for staff to paste in a calendar app."""
        path = reverse("doctor-ics", kwargs={"slug": doctor_slug(doctor)})
        return f"{path}?{urlencode({'token': token})}"
