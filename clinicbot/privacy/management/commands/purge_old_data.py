"""manage.py purge_old_data — delete old messages and idle conversations (retention policy)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm

from clinicbot.privacy.retention import retention_plan, retention_purge


class Command(BaseCommand):
    help = (
        "Apaga mensagens mais antigas que RETENTION_MESSAGES_DAYS e conversas paradas há mais de "
        "RETENTION_SESSIONS_DAYS (sem consulta futura), em lotes. Consultas nunca são apagadas."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--messages-days", type=int, help="idade máxima das mensagens (padrão: configuração)"
        )
        parser.add_argument("--sessions-days", type=int, help="inatividade máxima das conversas")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="só mostra o que seria apagado")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        days = {"messages_days": options["messages_days"], "sessions_days": options["sessions_days"]}
        plan = retention_plan(now=now, **days)
        old_messages, idle_sessions = plan.messages.count(), plan.sessions.count()
        self.stdout.write(
            f"mensagens antes de {plan.messages_before:%d/%m/%Y}: {old_messages}; "
            f"conversas paradas desde {plan.sessions_idle_before:%d/%m/%Y}: {idle_sessions}"
        )
        if options["dry_run"]:
            return
        # A bar only for a person watching a terminal; logs and cron get the summary line.
        bars: dict[str, tqdm[Any]] = {}
        progress = None
        if self.stdout.isatty() and sys.stderr.isatty():
            bars = {
                "messages": tqdm(desc="mensagens", unit="msg", file=sys.stderr),
                "sessions": tqdm(total=idle_sessions, desc="conversas", unit="conv", file=sys.stderr),
            }

            def progress(label: str, count: int) -> None:
                bars[label].update(count)

        try:
            result = retention_purge(now=now, batch_size=options["batch_size"], progress=progress, **days)
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(f"apagadas: {result.messages} mensagens, {result.sessions} conversas")
        )
