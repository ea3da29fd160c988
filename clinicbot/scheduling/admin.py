"""Admin for appointments: search, filters and an agenda-friendly list.

Every action changes appointments or the waiting list, so each needs the model's
``change`` permission: a view-only account sees the list but cannot cancel anything.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from celery import current_app
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.wording import counted

from . import calendar_tokens, services, waitlist
from .calendar_feed import doctor_slug
from .models import Appointment, AppointmentStatus, CalendarToken, WaitlistEntry

# clinicbot.outreach.tasks.cancel_and_notify (outreach sits above scheduling).
CANCEL_AND_NOTIFY_TASK = "clinicbot.outreach.tasks.cancel_and_notify"


@admin.register(Appointment)
class AppointmentAdmin(PtBrModelAdmin):
    gender = "f"
    # At 1280 px the list fits with the doctor and the specialty in one column (the widest
    # values, "Otorrinolaringologia" beside a doctor's name, pushed the code off screen).
    list_display = (
        "start",
        "patient_name",
        "phone",
        "doctor_and_specialty",
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

    @admin.display(description="médico / especialidade", ordering="doctor__sort_name")
    def doctor_and_specialty(self, obj: Appointment) -> str:
        return format_html('{}<br><span class="quiet">{}</span>', obj.doctor, obj.specialty)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Appointment],
        labels: tuple[str, str],
        call: Callable[[int], object],
    ) -> None:
        for appt in queryset:
            call(appt.id)
        self.message_user(request, counted(queryset.count(), *labels) + ".", messages.SUCCESS)

    @admin.action(description="Confirmar presença (o paciente avisou que vem)", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            ("%(n)d consulta com presença confirmada", "%(n)d consultas com presença confirmada"),
            lambda i: services.appointment_confirm(appointment_id=i),
        )

    @admin.action(description="Cancelar as consultas selecionadas (avisa o paciente)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        # Telling the patient is the outreach app's job, a layer above this one: its task runs
        # by name, here and now (the count below needs the outcome), so no import runs upwards.
        cancel_and_notify = current_app.tasks[CANCEL_AND_NOTIFY_TASK]
        at = timezone.now().isoformat()
        notified = sum(
            bool(cancel_and_notify.apply(kwargs={"appointment_id": a.id, "at": at}, throw=True).get())
            for a in queryset
        )
        self.message_user(
            request,
            counted(queryset.count(), "%(n)d consulta cancelada", "%(n)d consultas canceladas")
            + "; "
            + counted(notified, "%(n)d paciente avisado", "%(n)d pacientes avisados")
            + ".",
            messages.SUCCESS,
        )

    @admin.action(description="Marcar como realizadas", permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            ("%(n)d consulta marcada como realizada", "%(n)d consultas marcadas como realizadas"),
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.COMPLETED),
        )

    @admin.action(description="Marcar como não compareceu", permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            ("%(n)d consulta marcada como falta", "%(n)d consultas marcadas como falta"),
            lambda i: services.appointment_set_outcome(appointment_id=i, status=AppointmentStatus.NO_SHOW),
        )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(PtBrModelAdmin):
    gender = "f"
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
            request,
            counted(
                queryset.count(),
                "%(n)d pessoa tirada da lista de espera.",
                "%(n)d pessoas tiradas da lista de espera.",
            ),
            messages.SUCCESS,
        )


@admin.register(CalendarToken)
class CalendarTokenAdmin(PtBrModelAdmin):
    """Per-doctor feed links: created here (the link is shown once), revoked one by one."""

    list_display = ("doctor", "label", "display_hint", "active", "last_used_at", "created_at", "revoked_at")
    list_filter = ("doctor",)
    fields = ("doctor", "label", "display_hint", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("display_hint", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.display(description="token")
    def display_hint(self, obj: CalendarToken) -> str:
        return f"{obj.hint}…" if obj.hint else "—"

    @admin.display(description="ativo", boolean=True)
    def active(self, obj: CalendarToken) -> bool:
        return obj.is_active

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarToken | None = None) -> tuple[str, ...]:
        # A token belongs to its doctor for good: another doctor means another token.
        return self.readonly_fields + (("doctor",) if obj is not None else ())

    def save_model(self, request: HttpRequest, obj: CalendarToken, form: object, change: bool) -> None:
        if change:
            obj.save(update_fields=["label"])
            return
        issued = calendar_tokens.calendar_token_create(
            doctor_id=obj.doctor_id, label=obj.label, created_by_id=request.user.pk
        )
        obj.pk = issued.token.pk
        obj.refresh_from_db()
        obj._state.adding = False
        path = reverse("doctor-ics", kwargs={"slug": doctor_slug(obj.doctor)})
        url = request.build_absolute_uri(f"{path}?{urlencode({'token': issued.secret})}")
        # The only time the token exists outside the calendar app: only its hash is stored.
        self.message_user(
            request,
            f"Link da agenda de {obj.doctor}: {url} — copie agora para o aplicativo de agenda; "
            "ele não será mostrado de novo.",
            messages.WARNING,
        )

    @admin.action(description="Revogar os links selecionados", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarToken]) -> None:
        ids = list(queryset.filter(revoked_at=None).values_list("id", flat=True))
        now = timezone.now()
        for token_id in ids:
            calendar_tokens.calendar_token_revoke(token_id=token_id, now=now)
        self.message_user(
            request,
            counted(
                len(ids),
                "%(n)d link revogado: deixa de abrir a agenda agora.",
                "%(n)d links revogados: deixam de abrir a agenda agora.",
            ),
            messages.SUCCESS,
        )
