from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clinicbot.api"
    label = "api"
    verbose_name = "API para integrações"
