"""The outbox of events pushed to the clinic-management system."""

from __future__ import annotations

from django.db import models


class SyncStatus(models.TextChoices):
    PENDING = "pending", "a enviar"
    DELIVERED = "delivered", "entregue"
    FAILED = "failed", "falhou"


class SyncEvent(models.Model):
    """One booking event for the clinic system, stored in the booking's own transaction.

    Storing it with the booking (not only enqueueing a task after commit) means a crash
    between the commit and the enqueue loses nothing: the sweeper sends what is pending.
    The body is frozen at the event's time, so a booking cancelled a second later still
    produces a correct "confirmed" and then a "cancelled".
    """

    event = models.CharField("evento", max_length=40)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="consulta",
    )
    body = models.JSONField("conteúdo")
    status = models.CharField(
        "situação", max_length=12, choices=SyncStatus.choices, default=SyncStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("tentativas", default=0)
    last_status_code = models.PositiveSmallIntegerField("último HTTP", null=True, blank=True)
    error = models.TextField("erro", blank=True)
    # When the scheduled retry is due: the sweeper resends only events whose retry is overdue
    # (a lost task), never one a worker is still waiting to retry.
    next_attempt_at = models.DateTimeField("próxima tentativa", null=True, blank=True)
    created_at = models.DateTimeField("criado em", auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField("entregue em", null=True, blank=True)

    class Meta:
        verbose_name = "evento para o sistema da clínica"
        verbose_name_plural = "eventos para o sistema da clínica"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.event} ({self.get_status_display()})"
