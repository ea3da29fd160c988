from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "clinicbot.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self) -> None:
        # Freed slots (cancellations, moves, refused or expired offers) go to the waiting list.
        from clinicbot.scheduling.signals import slot_freed

        from .tasks import on_slot_freed

        slot_freed.connect(on_slot_freed, dispatch_uid="whatsapp.waitlist.slot_freed")
