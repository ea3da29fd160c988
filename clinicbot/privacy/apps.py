from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "clinicbot.privacy"
    label = "privacy"
    verbose_name = "Privacidade (LGPD)"
