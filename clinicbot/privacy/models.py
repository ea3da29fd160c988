"""The audit trail of every operation on personal data (who, what, when — never the phone)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PrivacyAction(models.TextChoices):
    EXPORT = "export", "exportação"
    ERASE = "erase", "exclusão"
    PURGE = "purge", "limpeza por prazo de retenção"


class PrivacyAuditEntry(models.Model):
    """One export, erasure or retention purge, kept for accountability (LGPD art. 37)."""

    action = models.CharField("ação", max_length=12, choices=PrivacyAction.choices)
    # "cli", "beat" or the staff member's username, kept even if the user is deleted later.
    actor = models.CharField("quem", max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="usuário",
    )
    # Keyed hash of the phone: proves which request was served without storing the number.
    phone_hash = models.CharField("telefone (hash)", max_length=64, blank=True, db_index=True)
    # Which key made phone_hash (core.keys.key_id); "legacy": SECRET_KEY, before AUDIT_HASH_KEY.
    hash_key_id = models.CharField("chave do hash", max_length=16, blank=True, default="")
    counts = models.JSONField("registros", default=dict, blank=True)
    note = models.TextField("observação", blank=True)
    created_at = models.DateTimeField("quando", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "registro de auditoria LGPD"
        verbose_name_plural = "auditoria LGPD"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("export_patient_data", "Pode exportar os dados de um paciente"),
            ("erase_patient_data", "Pode apagar os dados de um paciente"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} por {self.actor} em {self.created_at:%d/%m/%Y %H:%M}"
