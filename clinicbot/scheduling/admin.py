"""Admin for appointments: search, filters and an agenda-friendly list."""

from django.contrib import admin

from .models import Appointment


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
