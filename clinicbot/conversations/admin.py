"""Admin for conversations: the history is read-only, shown in order."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.wording import counted

from .models import ConversationMessage, ConversationSession, VoiceNote
from .services import session_hand_back


def voice_label(message: ConversationMessage) -> str:
    """How staff see a voice message: transcribed, not transcribed (and why), or a spoken reply."""
    payload = message.payload or {}
    if payload.get("kind") == "voice":
        return "🔊 resposta em áudio"
    if payload.get("kind") != "audio":
        return ""
    state = payload.get("transcript")
    if state == "ok":
        return "🎤 áudio transcrito"
    if state == "failed":
        return f"🎤 áudio não transcrito ({payload.get('failure', '?')})"
    return "🎤 áudio" if state is None else "🎤 áudio a transcrever"


class MessageInline(admin.TabularInline):  # type: ignore[type-arg]  # generic in the stubs only, not at run time
    model = ConversationMessage
    fields = (
        "timestamp",
        "direction",
        "voice",
        "content",
        "intent",
        "confidence",
        "delivery_status",
        "uncertain_resends",
    )
    readonly_fields = fields
    ordering = ("timestamp", "id")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="voz")
    def voice(self, obj: ConversationMessage) -> str:
        return voice_label(obj)


class WhoAnswersFilter(admin.SimpleListFilter):
    """Who is answering the patient ("Por com atendente" read badly)."""

    title = "quem atende"
    parameter_name = "atende"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("equipe", "a equipe"), ("assistente", "o assistente")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() in ("equipe", "assistente"):
            return queryset.filter(handed_off=self.value() == "equipe")
        return queryset


@admin.register(ConversationSession)
class ConversationSessionAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = ("phone", "patient_name", "current_state", "handed_off", "last_activity")
    list_filter = ("current_state", WhoAnswersFilter, ("last_activity", admin.DateFieldListFilter))
    search_fields = ("phone", "patient_name")
    readonly_fields = ("phone", "created_at", "updated_at", "last_activity", "context")
    inlines = [MessageInline]
    actions = ["hand_back"]

    def has_reply_permission(self, request: HttpRequest) -> bool:
        """Handing back (like replying) needs ``conversations.reply_conversation``, not just view."""
        return bool(request.user.has_perm("conversations.reply_conversation"))

    @admin.action(description="Devolver ao assistente", permissions=["reply"])
    def hand_back(self, request: HttpRequest, queryset: QuerySet[ConversationSession]) -> None:
        for session in queryset:
            session_hand_back(session_id=session.id, now=timezone.now())
        self.message_user(
            request,
            counted(
                queryset.count(),
                "%(n)d conversa devolvida ao assistente.",
                "%(n)d conversas devolvidas ao assistente.",
            ),
            messages.SUCCESS,
        )


class UncertainResendFilter(admin.SimpleListFilter):
    """Replies sent again after an interrupted send nobody confirmed: they may have arrived twice."""

    title = "reenvio sem confirmação"
    parameter_name = "reenvio"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("sim", "pode ter chegado duas vezes")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(uncertain_resends__gt=0) if self.value() == "sim" else queryset


@admin.register(ConversationMessage)
class ConversationMessageAdmin(PtBrModelAdmin):
    gender = "f"
    list_display = (
        "timestamp",
        "session",
        "direction",
        "voice",
        "short_content",
        "intent",
        "delivery_status",
        "sends",
        "short_error",
    )
    list_filter = ("direction", "intent", "delivery_status", UncertainResendFilter)
    search_fields = ("session__phone", "content")
    list_select_related = ("session",)

    @admin.display(description="texto")
    def short_content(self, obj: ConversationMessage) -> str:
        return obj.content[:80]

    @admin.display(description="voz")
    def voice(self, obj: ConversationMessage) -> str:
        return voice_label(obj)

    # Short headings and values keep the list inside 1280 px (the full ones are on the page).
    @admin.display(description="envios")
    def sends(self, obj: ConversationMessage) -> str:
        if not obj.attempts:
            return "—"
        resent = f" ({obj.uncertain_resends} sem confirmação)" if obj.uncertain_resends else ""
        return f"{obj.attempts}{resent}"

    @admin.display(description="erro")
    def short_error(self, obj: ConversationMessage) -> str:
        return (obj.error[:60] + "…") if len(obj.error) > 60 else obj.error

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # history is evidence: staff read it, never edit it

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(VoiceNote)
class VoiceNoteAdmin(PtBrModelAdmin):
    """Read-only: what was received, how long it was, and what became of it (never the audio itself)."""

    gender = "f"
    list_display = ("message", "gateway", "voice", "seconds", "size_bytes", "status", "failure", "provider")
    list_filter = ("status", "failure", "gateway")
    exclude = ("audio",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
