"""``manage.py rollup_metrics [--date YYYY-MM-DD] [--days N]``: fill DailyMetrics by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinicbot.core.wording import counted
from clinicbot.ops.rollup import daily_metrics_rollup


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = "Calcula as métricas diárias (conversas, agendamentos, funil, tokens) de um dia ou de vários."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="último dia a calcular (AAAA-MM-DD); padrão: hoje no fuso da clínica"
        )
        parser.add_argument("--days", type=int, default=1, help="quantos dias até --date (padrão 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        last = _date(options["date"]) if options["date"] else timezone.localdate()
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        for offset in range(options["days"] - 1, -1, -1):
            row = daily_metrics_rollup(day=last - dt.timedelta(days=offset))
            figures = (
                counted(row.conversations, "%(n)d conversa", "%(n)d conversas"),
                counted(row.bookings, "%(n)d agendamento", "%(n)d agendamentos"),
                f"conversão {row.conversion_rate:.0%}",
                counted(row.handoffs, "%(n)d transferência", "%(n)d transferências"),
                counted(row.llm_tokens, "%(n)d token", "%(n)d tokens"),
            )
            self.stdout.write(f"{row.date.isoformat()}: {', '.join(figures)}")
