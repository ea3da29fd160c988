from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "clinicbot.scheduling"
    label = "scheduling"
    verbose_name = "Agenda"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system check
