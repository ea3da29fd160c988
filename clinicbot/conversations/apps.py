from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "clinicbot.conversations"
    label = "conversations"
    verbose_name = "Conversas"
