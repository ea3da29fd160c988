"""Messages the clinic starts: reminders, waiting-list offers and notices, one row each."""

from __future__ import annotations

from django.db import models


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "pendente"
    SENT = "sent", "enviada"
    FAILED = "failed", "falhou"
    CANCELLED = "cancelled", "cancelada"


class NotificationType(models.TextChoices):
    REMINDER = "reminder", "lembrete"
    CANCELLATION = "cancellation", "cancelamento"
    WAITLIST_OFFER = "waitlist_offer", "vaga da lista de espera"
    STAFF = "staff", "aviso à equipe"


class OutboundNotification(models.Model):
    """A message the clinic sends on its own initiative (reminders, notices)."""

    type = models.CharField("tipo", max_length=20, choices=NotificationType.choices)
    phone = models.CharField("telefone", max_length=32, db_index=True)
    text = models.TextField("texto")
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    scheduled_for = models.DateTimeField("enviar em", db_index=True)
    sent_at = models.DateTimeField("enviada em", null=True, blank=True)
    status = models.CharField(
        "situação", max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentativas", default=0)
    error = models.TextField("erro", blank=True)
    # What makes this notification unique ("reminder:<appointment>:<lead>h"): inserting it
    # is the claim, so two beat processes can never send it twice.
    dedup_key = models.CharField("chave", max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ops_outboundnotification"  # moved from ops: same table
        verbose_name = "notificação"
        verbose_name_plural = "notificações"
        ordering = ["scheduled_for"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.phone} {self.scheduled_for:%d/%m %H:%M}"
