"""manage.py chat [--phone N] [--verbose] — talk to the assistant in a terminal.

Interactive on a terminal; with standard input from a pipe or file it reads one patient
message per line and prints each reply, so conversations can be scripted. The log lines
of each turn (JSON) would land in the middle of the conversation: they go to
``var/chat.log`` instead, or to the terminal with ``--verbose``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicbot.clinics.models import Clinic
from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.core.logs import logs_to_file
from clinicbot.core.phones import InvalidPhone, normalize_phone

DEMO_CLINIC = Path(settings.BASE_DIR) / "demo" / "clinic.yaml"


def chat_log_path() -> Path:
    """Where the chat's log lines go unless ``--verbose``."""
    return Path(settings.VAR_DIR) / "chat.log"


class Command(BaseCommand):
    help = "Chat with the assistant in the terminal (one message per line when piped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", default="5511900000001", help="the patient's phone number")
        parser.add_argument(
            "--verbose", action="store_true", help="print the log lines here (default: var/chat.log)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["verbose"]:
            self._chat(opts)
            return
        with logs_to_file(chat_log_path()):
            self._chat(opts)

    def _chat(self, opts: dict[str, Any]) -> None:
        try:
            phone = normalize_phone(opts["phone"])
        except InvalidPhone as exc:
            raise CommandError(str(exc)) from None
        if not Clinic.objects.exists():
            if not DEMO_CLINIC.exists():
                raise CommandError("No clinic loaded: run `manage.py import_clinic FILE` first.")
            call_command("import_clinic", str(DEMO_CLINIC), stdout=self.stderr)
        interactive = sys.stdin.isatty()
        if interactive:
            clinic = Clinic.objects.first()
            self.stdout.write(
                f"Conversa com o assistente da {clinic} (telefone {phone}). Ctrl-D para sair.\n"
                + (
                    ""
                    if opts["verbose"]
                    else f"(registro técnico em {chat_log_path()}; --verbose mostra aqui)\n"
                )
            )
        while True:
            try:
                line = input("você> " if interactive else "")
            except EOFError:
                break
            except KeyboardInterrupt:
                self.stdout.write("")
                break
            text = line.strip()
            if not text:
                continue
            outcome = handle_inbound(InboundText(phone=phone, text=text))
            if not interactive:
                self.stdout.write(f"> {text}")
            for reply in outcome.replies:
                prefix = "bot> " if interactive else "< "
                self.stdout.write(prefix + reply.text.replace("\n", "\n" + " " * len(prefix)))
            if not outcome.replies and outcome.result.state.handed_off:
                self.stdout.write("(conversa com a equipe: o assistente não responde)")
