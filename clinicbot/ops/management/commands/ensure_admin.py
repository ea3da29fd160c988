"""manage.py ensure_admin — create the first admin user with a generated password."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create an admin user (default 'admin') with a generated password if none exists, and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: object, **options: str) -> None:
        user_model = get_user_model()
        username = options["username"]
        if user_model.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user '{username}' already exists (password unchanged).")
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin user created: {username} / {password}"))
