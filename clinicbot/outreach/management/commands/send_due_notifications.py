"""manage.py send_due_notifications — send the reminders that are due now, each exactly once."""

from django.core.management.base import BaseCommand

from clinicbot.outreach.tasks import send_due_notifications


class Command(BaseCommand):
    help = "Send due appointment reminders (the Celery beat task does the same every minute)."

    def handle(self, *args: object, **options: object) -> None:
        count = send_due_notifications.apply().get()
        self.stdout.write(self.style.SUCCESS(f"{count} {'reminder' if count == 1 else 'reminders'} sent."))
