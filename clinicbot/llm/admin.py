"""Read-only admin pages: tokens (and seconds of transcribed audio) per day and purpose, with the
share of each budget, and per conversation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from clinicbot.core.admin_pt import PtBrModelAdmin

from .models import ConversationTokenUsage, Purpose, TokenUsage


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
        "audio_seconds",
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
        """Of the token budget, or for transcriptions of the seconds budget (paid apart)."""
        if obj.purpose == Purpose.TRANSCRIPTION:
            used, budget = obj.audio_seconds, settings.TRANSCRIBE_DAILY_SECONDS_BUDGET
        else:
            used, budget = obj.total_tokens, settings.LLM_DAILY_TOKEN_BUDGET
        return f"{100 * used / budget:.1f}%" if budget > 0 else "—"


@admin.register(ConversationTokenUsage)
class ConversationTokenUsageAdmin(_ReadOnly):
    list_display = (
        "session_id",
        "prompt_tokens",
        "completion_tokens",
        "total",
        "calls",
        "fallbacks",
        "audio_seconds",
        "updated_at",
    )
    search_fields = ("=session_id",)

    @admin.display(description="total de tokens")
    def total(self, obj: ConversationTokenUsage) -> int:
        return obj.total_tokens
