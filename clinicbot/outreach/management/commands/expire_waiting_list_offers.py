"""manage.py expire_waiting_list_offers — pass on waiting-list offers nobody answered in time."""

from django.core.management.base import BaseCommand

from clinicbot.core.wording import counted
from clinicbot.outreach.tasks import expire_waiting_list_offers


class Command(BaseCommand):
    help = (
        "Expire waiting-list offers whose hold (WAITLIST_HOLD_MINUTES) ran out and offer each slot to "
        "the next patient (the Celery beat task does the same every minute)."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = expire_waiting_list_offers.apply().get()
        self.stdout.write(
            self.style.SUCCESS(
                counted(
                    count,
                    "%(n)d vaga oferecida ao próximo da lista.",
                    "%(n)d vagas oferecidas ao próximo da lista.",
                )
            )
        )
