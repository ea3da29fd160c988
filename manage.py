#!/usr/bin/env python
"""Django's command-line utility for clinicbot."""

import os
import sys

# Commands that need the database: check it first so a bad DATABASE_URL is one clear line.
SERVICE_COMMANDS = {"runserver", "migrate", "import_clinic", "chat", "ensure_admin", "shell"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
    from django.core.management import execute_from_command_line

    if len(sys.argv) > 1 and sys.argv[1] in SERVICE_COMMANDS:
        import django

        django.setup()
        from clinicbot.core.startup import verify_services

        verify_services()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
