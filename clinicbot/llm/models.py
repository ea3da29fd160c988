"""Token usage of the LLM providers, persisted so a restart loses no count."""

from __future__ import annotations

from django.db import models


class ProviderName(models.TextChoices):
    OFFLINE = "offline", "Offline (modelos de resposta)"
    GEMINI = "gemini", "Google Gemini"
    OPENAI = "openai", "OpenAI-compatível"


class BudgetMode(models.TextChoices):
    NORMAL = "normal", "Normal"
    ECONOMY = "economy", "Economia (acima de 80% do orçamento)"
    OFFLINE = "offline", "Sem IA (orçamento do dia esgotado)"


class TokenUsage(models.Model):
    """Tokens one provider consumed on one day (the clinic's timezone).

    Updated with ``F()`` increments after each turn commits, so concurrent workers never
    lose a count.
    """

    day = models.DateField("dia")
    provider = models.CharField("provedor", max_length=16, choices=ProviderName.choices)
    prompt_tokens = models.PositiveBigIntegerField("tokens de entrada", default=0)
    completion_tokens = models.PositiveBigIntegerField("tokens de saída", default=0)
    calls = models.PositiveIntegerField("chamadas", default=0)
    fallbacks = models.PositiveIntegerField("respostas offline", default=0)

    class Meta:
        verbose_name = "uso de tokens por dia"
        verbose_name_plural = "uso de tokens por dia"
        ordering = ["-day", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["day", "provider"], name="llm_tokenusage_day_provider")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ConversationTokenUsage(models.Model):
    """Tokens spent on one conversation.

    ``session_id`` is the conversation's id, not a foreign key: the conversations app
    calls this one, so this one must not depend on it.
    """

    session_id = models.BigIntegerField("conversa", unique=True)
    prompt_tokens = models.PositiveBigIntegerField("tokens de entrada", default=0)
    completion_tokens = models.PositiveBigIntegerField("tokens de saída", default=0)
    calls = models.PositiveIntegerField("chamadas", default=0)
    fallbacks = models.PositiveIntegerField("respostas offline", default=0)
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        verbose_name = "uso de tokens por conversa"
        verbose_name_plural = "uso de tokens por conversa"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"conversa {self.session_id}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
