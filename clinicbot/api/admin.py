"""Admin for API keys: create (the key is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.wording import counted

from . import services
from .models import ApiKey, ApiScope, default_scopes


class RevokedFilter(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "situacao"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        return [("ativa", "ativas"), ("revogada", "revogadas")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() == "ativa":
            return queryset.filter(revoked_at=None)
        if self.value() == "revogada":
            return queryset.exclude(revoked_at=None)
        return queryset


class ApiKeyForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only, not at run time
    """The scopes as checkboxes; only free slots are ticked to start with (least privilege)."""

    scopes = forms.MultipleChoiceField(
        label="permissões",
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=default_scopes,
        help_text="Marque só o que a integração precisa. Conversas contêm tudo o que o paciente escreveu.",
    )

    class Meta:
        model = ApiKey
        fields = ("name", "scopes")


@admin.register(ApiKey)
class ApiKeyAdmin(PtBrModelAdmin):
    gender = "f"
    form = ApiKeyForm
    list_display = (
        "name",
        "display_prefix",
        "scope_list",
        "active",
        "last_used_at",
        "created_at",
        "revoked_at",
    )
    list_filter = (RevokedFilter,)
    search_fields = ("name", "prefix")
    fields = ("name", "scopes", "display_prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("display_prefix", "created_by", "created_at", "last_used_at", "revoked_at")

    @admin.display(description="permissões")
    def scope_list(self, obj: ApiKey) -> str:
        return obj.scope_labels

    actions = ["revoke"]

    @admin.display(description="chave")
    def display_prefix(self, obj: ApiKey) -> str:
        return f"cbk_{obj.prefix}_…" if obj.prefix else "—"

    @admin.display(description="ativa", boolean=True)
    def active(self, obj: ApiKey) -> bool:
        return obj.is_active

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        # The scopes of an issued key are fixed: more power is a new key (and the old one is revoked).
        return self.readonly_fields + (("scope_list",) if obj is not None else ())

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return self.fields
        return tuple("scope_list" if f == "scopes" else f for f in self.fields)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: object, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        issued = services.api_key_create(name=obj.name, scopes=obj.scopes, created_by_id=request.user.pk)
        obj.pk = issued.api_key.pk
        obj.refresh_from_db()
        obj._state.adding = False
        # The only time the secret exists outside the integration: only its hash is stored.
        self.message_user(
            request,
            f"Chave criada para “{obj.name}”: {issued.secret} — copie agora, ela não será mostrada de novo.",
            messages.WARNING,
        )

    @admin.action(description="Revogar as chaves selecionadas", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        ids = list(queryset.filter(revoked_at=None).values_list("id", flat=True))
        for key_id in ids:
            services.api_key_revoke(api_key_id=key_id)
        self.message_user(
            request,
            counted(
                len(ids),
                "%(n)d chave revogada: deixa de funcionar agora.",
                "%(n)d chaves revogadas: deixam de funcionar agora.",
            ),
            messages.SUCCESS,
        )
