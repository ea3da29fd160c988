"""manage.py restore FILE [--force] — load a backup into the (empty) configured database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from clinicbot.ops.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restaura um arquivo de `manage.py backup` no banco configurado, que precisa estar vazio."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="sobrescrever um banco que já tem tabelas (perde o conteúdo atual)",
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
