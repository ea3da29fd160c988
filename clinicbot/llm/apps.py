from django.apps import AppConfig
from django.conf import settings


class LlmConfig(AppConfig):
    name = "clinicbot.llm"
    label = "llm"
    verbose_name = "Respostas por IA"

    def ready(self) -> None:
        # Importing an SDK and building its client takes ~1.5 s: pay it at start-up, not
        # on a patient's first question. The offline default imports nothing.
        if settings.LLM_PROVIDER != "offline":
            from .providers import get_provider

            get_provider()
