from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "clinicbot.clinics"
    label = "clinics"
    verbose_name = "Clínica"

    def ready(self) -> None:
        # Staff edits invalidate the cached clinic snapshot at once.
        from . import signals  # noqa: F401
