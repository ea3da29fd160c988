"""Operations tables: the daily roll-up and the workers' heartbeats."""

from __future__ import annotations

from django.db import models


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


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the heartbeat task (``/health/detailed`` reads the newest)."""

    name = models.CharField("worker", max_length=200, unique=True)
    seen_at = models.DateTimeField("visto em")

    class Meta:
        verbose_name = "sinal de vida do worker"
        verbose_name_plural = "sinais de vida dos workers"

    def __str__(self) -> str:
        return self.name
