from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "clinicbot.ops"
    label = "ops"
    verbose_name = "Operação"
