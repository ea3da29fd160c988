"""manage.py backup [--dir D] [--keep N] — a consistent copy of the database, rotated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinicbot.core.wording import counted
from clinicbot.ops.backups import BackupError, backup_create, backup_list


class Command(BaseCommand):
    help = (
        "Faz backup do banco (SQLite: API de backup online; PostgreSQL: pg_dump) e mantém só os N mais novos."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="pasta dos backups (padrão: BACKUP_DIR)")
        parser.add_argument("--keep", type=int, default=None, help="quantos manter (padrão: BACKUP_KEEP)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or Path(settings.BACKUP_DIR)
        keep = options["keep"] if options["keep"] is not None else settings.BACKUP_KEEP
        if keep < 1:
            raise CommandError("--keep precisa ser 1 ou mais")
        try:
            path = backup_create(directory=directory, keep=keep, now=timezone.now())
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size_kib = path.stat().st_size / 1024
        kept = len(backup_list(directory=directory))
        self.stdout.write(
            self.style.SUCCESS(
                f"{path} ({size_kib:.0f} KiB); "
                + counted(kept, "%(n)d backup na pasta", "%(n)d backups na pasta")
            )
        )
