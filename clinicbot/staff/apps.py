from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "clinicbot.staff"
    label = "staff"
    verbose_name = "Atendimento"
