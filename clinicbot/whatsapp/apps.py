from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "clinicbot.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"
