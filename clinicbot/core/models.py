"""Shared tables: the log of every outbound HTTP call (gateways and integrations)."""

from __future__ import annotations

import datetime as dt

from django.db import models


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
        db_table = "ops_gatewaycalllog"  # moved from ops: same table
        verbose_name = "chamada a gateway"
        verbose_name_plural = "chamadas a gateways"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.operation} {self.status_code}"
