"""Admin for appointments: search, filters and an agenda-friendly list.

Every action changes appointments or the waiting list, so each needs the model's
``change`` permission: a view-only account sees the list but cannot cancel anything.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from . import services, waitlist
from .models import Appointment, AppointmentStatus, WaitlistEntry


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = (
        "start",
        "patient_name",
        "phone",
        "doctor",
        "specialty",
        "insurance",
        "status",
        "confirmation_code",
    )
    list_filter = ("status", "doctor", "specialty", "insurance", ("start", admin.DateFieldListFilter))
    search_fields = ("patient_name", "phone", "confirmation_code")
    date_hierarchy = "start"
    list_select_related = ("doctor", "specialty", "insurance")
    readonly_fields = ("confirmation_code", "session", "created_at", "updated_at", "rescheduled_from")
    raw_id_fields = ("session",)
    actions = ["confirm", "cancel", "mark_completed", "mark_no_show"]

    def _each(self, request: HttpRequest, queryset: QuerySet[Appointment], label: str, call) -> None:  # type: ignore[no-untyped-def]
        for appt in queryset:
            call(appt.id)
        self.message_user(request, f"{queryset.count()} consulta(s) {label}.", messages.SUCCESS)

    @admin.action(description="Confirmar as consultas selecionadas", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request, queryset, "confirmada(s)", lambda i: services.appointment_confirm(appointment_id=i)
        )

    @admin.action(description="Cancelar as consultas selecionadas (avisa o paciente)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        # The notice goes through the WhatsApp outbox; imported here because scheduling sits
        # below whatsapp in the dependency order (only this admin screen needs it).
        from clinicbot.whatsapp.notices import appointment_cancel_notify

        now = timezone.now()
        notified = sum(appointment_cancel_notify(appointment_id=a.id, now=now) for a in queryset)
        self.message_user(
            request,
            f"{queryset.count()} consulta(s) cancelada(s); {notified} paciente(s) avisado(s).",
            messages.SUCCESS,
        )

    @admin.action(description="Marcar como realizadas", permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            "realizada(s)",
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.COMPLETED),
        )

    @admin.action(description="Marcar como não compareceu", permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            "marcada(s) como falta",
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.NO_SHOW),
        )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "patient_name",
        "specialty",
        "doctor",
        "insurance",
        "date_from",
        "date_to",
        "period",
        "status",
        "offered_start",
        "offer_expires_at",
    )
    list_filter = (
        "status",
        "specialty",
        "doctor",
        "insurance",
        "period",
        ("date_from", admin.DateFieldListFilter),
    )
    search_fields = ("patient_name", "phone")
    date_hierarchy = "date_from"
    list_select_related = ("specialty", "doctor", "insurance")
    readonly_fields = (
        "session",
        "status",
        "offered_doctor",
        "offered_start",
        "offer_expires_at",
        "appointment",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("session",)
    actions = ["cancel_entries"]

    @admin.action(description="Tirar da lista de espera", permissions=["change"])
    def cancel_entries(self, request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        now = timezone.now()
        for entry_id in queryset.values_list("id", flat=True):
            waitlist.waitlist_cancel(entry_id=entry_id, now=now)
        self.message_user(
            request, f"{queryset.count()} pessoa(s) tirada(s) da lista de espera.", messages.SUCCESS
        )
