"""manage.py restore FILE [--force] — load a backup, bring it to the current schema, re-apply erasures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from clinicbot.core.wording import counted
from clinicbot.ops.backups import BackupError, backup_restore
from clinicbot.privacy.erasure_replay import erasure_log_reapply


class Command(BaseCommand):
    help = (
        "Restaura um arquivo de `manage.py backup` no banco configurado, que precisa estar vazio, "
        "e apaga de novo os pacientes do registro de exclusões (LGPD) que o backup ainda contém."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="sobrescrever um banco que já tem tabelas (perde o conteúdo atual)",
        )
        parser.add_argument(
            "--erasure-log",
            type=Path,
            default=None,
            help="registro de exclusões a reaplicar (padrão: ERASURE_LOG; use a cópia guardada fora da máquina)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = connections["default"].settings_dict
        # Our own open connection would hold locks (SQLite) or see stale tables.
        connections.close_all()
        try:
            counts = backup_restore(path=options["file"], database=database, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"restaurado: {len(counts)} tabelas, {sum(counts.values())} linhas")
        )
        # An older backup may predate migrations: erasing needs today's tables.
        call_command("migrate", interactive=False, verbosity=0)
        log = options["erasure_log"] or Path(settings.ERASURE_LOG)
        if not log.exists():
            self.stderr.write(
                f"aviso: registro de exclusões {log} não encontrado; nenhuma exclusão reaplicada"
            )
            return
        result = erasure_log_reapply(path=log, now=timezone.now())
        self.stdout.write(
            f"exclusões LGPD reaplicadas: {result.erased} (já contidas no backup: {result.already_in_backup})"
        )
        if result.other_key:
            self.stderr.write(
                "aviso: "
                + counted(
                    result.other_key,
                    "%(n)d exclusão do registro usa outra AUDIT_HASH_KEY e não pôde ser conferida",
                    "%(n)d exclusões do registro usam outra AUDIT_HASH_KEY e não puderam ser conferidas",
                )
            )
