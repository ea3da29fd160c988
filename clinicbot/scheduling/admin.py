"""Admin for appointments: search, filters and an agenda-friendly list."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import Appointment, AppointmentStatus


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

    @admin.action(description="Confirmar as consultas selecionadas")
    def confirm(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request, queryset, "confirmada(s)", lambda i: services.appointment_confirm(appointment_id=i)
        )

    @admin.action(description="Cancelar as consultas selecionadas")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(request, queryset, "cancelada(s)", lambda i: services.appointment_cancel(appointment_id=i))

    @admin.action(description="Marcar como realizadas")
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            "realizada(s)",
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.COMPLETED),
        )

    @admin.action(description="Marcar como não compareceu")
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            "marcada(s) como falta",
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.NO_SHOW),
        )
