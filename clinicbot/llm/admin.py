"""Read-only admin pages: tokens per day and purpose (with the share of the budget) and per conversation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from clinicbot.core.admin_pt import PtBrModelAdmin

from .models import ConversationTokenUsage, TokenUsage


class _ReadOnly(PtBrModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TokenUsage)
class TokenUsageAdmin(_ReadOnly):
    list_display = (
        "day",
        "provider",
        "purpose",
        "prompt_tokens",
        "completion_tokens",
        "total",
        "budget_share",
        "calls",
        "fallbacks",
    )
    list_filter = ("provider", "purpose")
    date_hierarchy = "day"

    @admin.display(description="total de tokens")
    def total(self, obj: TokenUsage) -> int:
        return obj.total_tokens

    @admin.display(description="% do orçamento diário")
    def budget_share(self, obj: TokenUsage) -> str:
        budget = settings.LLM_DAILY_TOKEN_BUDGET
        return f"{100 * obj.total_tokens / budget:.1f}%" if budget > 0 else "—"


@admin.register(ConversationTokenUsage)
class ConversationTokenUsageAdmin(_ReadOnly):
    list_display = (
        "session_id",
        "prompt_tokens",
        "completion_tokens",
        "total",
        "calls",
        "fallbacks",
        "updated_at",
    )
    search_fields = ("=session_id",)

    @admin.display(description="total de tokens")
    def total(self, obj: ConversationTokenUsage) -> int:
        return obj.total_tokens
