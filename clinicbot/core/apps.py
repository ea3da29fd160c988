from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clinicbot.core"
    label = "core"
