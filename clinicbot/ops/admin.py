"""Admin for operations tables (read-mostly)."""

from django.contrib import admin

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.models import GatewayCallLog
from clinicbot.outreach.models import OutboundNotification

from .models import DailyMetrics


@admin.register(OutboundNotification)
class OutboundNotificationAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("scheduled_for", "type", "phone", "status", "attempts", "sent_at")
    list_filter = ("status", "type")
    search_fields = ("phone", "text")


@admin.register(DailyMetrics)
class DailyMetricsAdmin(PtBrModelAdmin):
    list_display = (
        "date",
        "conversations",
        "bookings",
        "conversion_rate",
        "handoffs",
        "no_shows",
        "funnel_collecting",
        "funnel_choosing_slot",
        "funnel_confirming",
        "funnel_booked",
        "median_response_ms",
        "llm_tokens",
    )
    date_hierarchy = "date"


@admin.register(GatewayCallLog)
class GatewayCallLogAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("created_at", "gateway", "operation", "status_code", "ok", "duration_ms")
    list_filter = ("gateway", "ok")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
