"""Admin for the clinic's reference data."""

from django.contrib import admin

from clinicbot.core.admin_pt import PtBrModelAdmin

from . import models


@admin.register(models.Clinic)
class ClinicAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("name", "phone", "whatsapp", "timezone", "appointment_minutes")


@admin.register(models.Specialty)
class SpecialtyAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("name", "aliases")
    search_fields = ("name",)


@admin.register(models.Insurance)
class InsuranceAdmin(PtBrModelAdmin):
    list_display = ("name", "aliases")
    search_fields = ("name",)


class ScheduleInline(admin.TabularInline):  # type: ignore[type-arg]  # generic in the stubs only, not at run time
    model = models.ScheduleRange
    extra = 0


@admin.register(models.Doctor)
class DoctorAdmin(PtBrModelAdmin):
    list_display = ("name", "crm", "specialty_list", "price", "appointment_minutes", "active")
    list_filter = ("active", "specialties", "insurances")
    search_fields = ("name", "crm")
    filter_horizontal = ("specialties", "insurances")
    inlines = [ScheduleInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("specialties")

    @admin.display(description="especialidades")
    def specialty_list(self, obj: models.Doctor) -> str:
        return ", ".join(s.name for s in obj.specialties.all())


@admin.register(models.Exam)
class ExamAdmin(PtBrModelAdmin):
    list_display = ("name", "price")
    search_fields = ("name",)


@admin.register(models.Holiday)
class HolidayAdmin(PtBrModelAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"


@admin.register(models.FaqEntry)
class FaqAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("question",)
    search_fields = ("question", "answer")


@admin.register(models.MessageTemplate)
class MessageTemplateAdmin(PtBrModelAdmin):
    list_display = ("key", "description", "updated_at")
    search_fields = ("key", "text")
