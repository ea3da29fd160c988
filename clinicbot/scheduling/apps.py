from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "clinicbot.scheduling"
    label = "scheduling"
    verbose_name = "Agenda"
