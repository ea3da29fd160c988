from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "clinicbot.integrations"
    label = "integrations"
    verbose_name = "Integrações"

    def ready(self) -> None:
        # Listen to the booking services' events (scheduling does not import us).
        from clinicbot.scheduling.events import booking_changed

        from . import checks  # noqa: F401 - registers the system check
        from .receivers import on_booking_changed

        booking_changed.connect(on_booking_changed, dispatch_uid="integrations.clinic_system_sync")
