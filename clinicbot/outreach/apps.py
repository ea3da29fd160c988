from django.apps import AppConfig


class OutreachConfig(AppConfig):
    """Messages the clinic starts: reminders, waiting-list offers, notices (and their tasks)."""

    name = "clinicbot.outreach"
    label = "outreach"
    verbose_name = "Mensagens da clínica"

    def ready(self) -> None:
        # Freed slots (cancellations, moves, refused or expired offers) go to the waiting list.
        from clinicbot.scheduling.signals import slot_freed

        from .tasks import on_slot_freed

        slot_freed.connect(on_slot_freed, dispatch_uid="outreach.waitlist.slot_freed")
