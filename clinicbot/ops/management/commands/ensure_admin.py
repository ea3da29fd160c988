"""manage.py ensure_admin — create the first admin user with a generated password."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Create an admin user (default 'admin') with a generated password if none exists, and print it; "
        "--reset gives an existing one a new generated password (the first output was lost)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--reset", action="store_true", help="set and print a new password for an existing user"
        )

    def handle(self, *args: object, **options: Any) -> None:
        user_model = get_user_model()
        username = options["username"]
        password = secrets.token_urlsafe(12)
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user_model.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(self.style.SUCCESS(f"Admin user created: {username} / {password}"))
        elif options["reset"]:
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(self.style.SUCCESS(f"New password for {username}: {password}"))
        else:
            self.stdout.write(
                f"Admin user '{username}' already exists (password unchanged; `make admin-password` sets a new one)."
            )
