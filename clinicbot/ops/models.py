"""Operations tables: outbound notifications, daily metrics, gateway call log."""

from __future__ import annotations

import datetime as dt

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
        verbose_name = "notificação"
        verbose_name_plural = "notificações"
        ordering = ["scheduled_for"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.phone} {self.scheduled_for:%d/%m %H:%M}"


class DailyMetrics(models.Model):
    """One day's roll-up of the assistant's activity."""

    date = models.DateField("dia", unique=True)
    conversations = models.PositiveIntegerField("conversas", default=0)
    messages_in = models.PositiveIntegerField("mensagens recebidas", default=0)
    messages_out = models.PositiveIntegerField("mensagens enviadas", default=0)
    bookings = models.PositiveIntegerField("agendamentos", default=0)
    cancellations = models.PositiveIntegerField("cancelamentos", default=0)
    handoffs = models.PositiveIntegerField("transferências", default=0)
    median_response_ms = models.FloatField("tempo de resposta mediano (ms)", null=True, blank=True)
    llm_tokens = models.PositiveIntegerField("tokens de LLM", default=0)
    no_shows = models.PositiveIntegerField("faltas", default=0)
    # The booking funnel: conversations of the day that got at least this far (so each
    # number is <= the one before; the difference is who dropped out at that step).
    funnel_collecting = models.PositiveIntegerField("funil: informando dados", default=0)
    funnel_choosing_slot = models.PositiveIntegerField("funil: escolhendo horário", default=0)
    funnel_confirming = models.PositiveIntegerField("funil: confirmando", default=0)
    funnel_booked = models.PositiveIntegerField("funil: agendou", default=0)
    computed_at = models.DateTimeField("calculado em", null=True, blank=True)

    class Meta:
        verbose_name = "resumo diário"
        verbose_name_plural = "resumos diários"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"

    @property
    def conversion_rate(self) -> float:
        return self.bookings / self.conversations if self.conversations else 0.0


class HandoffSource(models.TextChoices):
    ASSISTANT = "assistant", "pelo assistente"  # asked for a person, a complaint, self-harm, stuck
    STAFF = "staff", "pela equipe"  # a staff member wrote to a conversation the assistant had


class HandoffEvent(models.Model):
    """One hand-off of a conversation to a person, when it happened (counted per day).

    An event, not a state: a conversation handed off, handed back and handed off again
    on one day is two hand-offs. Nothing about the patient is stored (not even the
    conversation), so it outlives erasures and retention untouched.
    """

    at = models.DateTimeField("quando", db_index=True)
    source = models.CharField("transferida", max_length=12, choices=HandoffSource.choices)

    class Meta:
        verbose_name = "transferência para a equipe"
        verbose_name_plural = "transferências para a equipe"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} ({self.get_source_display()})"


class GatewayCallLogQuerySet(models.QuerySet["GatewayCallLog"]):
    def sends(self, gateway: str) -> GatewayCallLogQuerySet:
        """The calls that sent a message through ``gateway``."""
        return self.filter(gateway=gateway, operation="send")

    def failing_since(self, gateway: str) -> dt.datetime | None:
        """When the current run of failed sends began (None when the last send succeeded)."""
        sends = self.sends(gateway)
        last_ok = sends.filter(ok=True).order_by("-created_at").values_list("created_at", flat=True).first()
        failures = sends.filter(ok=False, **({"created_at__gt": last_ok} if last_ok else {}))
        return failures.order_by("created_at").values_list("created_at", flat=True).first()

    def outcomes_since(self, gateway: str, since: dt.datetime) -> tuple[int, int]:
        """(sends, failed sends) through ``gateway`` since ``since``."""
        counts = (
            self.sends(gateway)
            .filter(created_at__gte=since)
            .aggregate(total=models.Count("id"), failed=models.Count("id", filter=models.Q(ok=False)))
        )
        return int(counts["total"]), int(counts["failed"])


class GatewayCallLog(models.Model):
    """Every outbound HTTP call to a gateway or integration, for auditing and debugging."""

    gateway = models.CharField("gateway", max_length=40)
    operation = models.CharField("operação", max_length=60)
    status_code = models.PositiveSmallIntegerField("HTTP", null=True, blank=True)
    ok = models.BooleanField("sucesso", default=False)
    duration_ms = models.FloatField("duração (ms)", default=0)
    error = models.TextField("erro", blank=True)
    created_at = models.DateTimeField("quando", auto_now_add=True, db_index=True)

    objects = GatewayCallLogQuerySet.as_manager()

    class Meta:
        verbose_name = "chamada a gateway"
        verbose_name_plural = "chamadas a gateways"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.operation} {self.status_code}"


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the heartbeat task (``/health/detailed`` reads the newest)."""

    name = models.CharField("worker", max_length=200, unique=True)
    seen_at = models.DateTimeField("visto em")

    class Meta:
        verbose_name = "sinal de vida do worker"
        verbose_name_plural = "sinais de vida dos workers"

    def __str__(self) -> str:
        return self.name
