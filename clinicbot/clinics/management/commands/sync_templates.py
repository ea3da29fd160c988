"""manage.py sync_templates — list every reply wording in admin so staff can edit it."""

from django.core.management.base import BaseCommand

from clinicbot.clinics.services import message_templates_sync
from clinicbot.clinics.snapshot import invalidate_snapshot
from clinicbot.engine.replies.templates import DEFAULTS


class Command(BaseCommand):
    help = "Create the editable message templates that do not exist yet (existing wording is kept)."

    def handle(self, *args: object, **options: object) -> None:
        created = message_templates_sync(defaults=DEFAULTS)
        invalidate_snapshot()
        self.stdout.write(self.style.SUCCESS(f"{created} message templates created."))
