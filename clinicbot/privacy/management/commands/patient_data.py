"""manage.py patient_data export|erase PHONE — a patient's LGPD requests from the terminal."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from clinicbot.privacy.services import PrivacyError, patient_data_erase, patient_data_export


class Command(BaseCommand):
    help = "Exporta (JSON) ou apaga os dados pessoais de um telefone, com registro de auditoria."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument(
            "phone", help='telefone em qualquer formato: "+55 (11) 99999-0000", 5511999990000…'
        )
        parser.add_argument("--output", "-o", help="export: arquivo de saída (padrão: a saída padrão)")
        parser.add_argument(
            "--yes", action="store_true", help="erase: não pedir confirmação (também sem terminal)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options["phone"], options.get("output"))
            else:
                self._erase(options["phone"], options["yes"])
        except PrivacyError as exc:
            raise CommandError(str(exc)) from None

    def _export(self, phone: str, output: str | None) -> None:
        data = patient_data_export(phone=phone, actor="cli")
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(f"exportado para {output}")
        else:
            self.stdout.write(text)

    def _erase(self, phone: str, yes: bool) -> None:
        # Only a person at a terminal is asked; scripts pass --yes or have no terminal.
        if not yes and sys.stdin.isatty():
            answer = input(f"Apagar DEFINITIVAMENTE os dados de {phone}? Digite 'apagar' para confirmar: ")
            if answer.strip().lower() != "apagar":
                raise CommandError("cancelado: nada foi apagado")
        result = patient_data_erase(phone=phone, actor="cli", now=timezone.now())
        for name, count in result.counts.items():
            self.stdout.write(f"{name}: {count}")
        for line in result.cancelled:
            self.stdout.write(f"cancelada: {line}")
        self.stdout.write(self.style.SUCCESS(f"dados apagados (auditoria #{result.audit_id})"))
