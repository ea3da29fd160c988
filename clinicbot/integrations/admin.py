"""Admin: the clinic-system events, their delivery state, and a resend action."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.wording import counted

from .models import SyncEvent, SyncStatus
from .tasks import sync_event_resend


@admin.register(SyncEvent)
class SyncEventAdmin(PtBrModelAdmin):
    list_display = ("id", "created_at", "event", "appointment", "status", "attempts", "last_status_code")
    list_filter = ("status", "event")
    readonly_fields = [f.name for f in SyncEvent._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Reenviar ao sistema da clínica", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[SyncEvent]) -> None:
        ids = list(queryset.exclude(status=SyncStatus.PENDING).values_list("id", flat=True))
        for event_id in ids:
            sync_event_resend(event_id=event_id)
        self.message_user(
            request,
            counted(len(ids), "%(n)d evento reenviado.", "%(n)d eventos reenviados."),
            messages.SUCCESS,
        )
