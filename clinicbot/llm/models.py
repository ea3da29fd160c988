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


class Purpose(models.TextChoices):
    """What a call was for: wording a reply, reading a message the offline NLU was unsure of, or
    transcribing a voice note (counted in seconds of audio, not tokens)."""

    PHRASING = "phrasing", "Redação de respostas"
    UNDERSTANDING = "understanding", "Leitura de mensagens"
    TRANSCRIPTION = "transcription", "Transcrição de áudios"


class TokenUsage(models.Model):
    """Tokens one provider consumed on one day (the clinic's timezone) for one purpose.

    Updated with ``F()`` increments after each turn commits, so concurrent workers never
    lose a count. ``fallbacks`` counts the replies sent, or readings kept, offline because
    the LLM could not be used (budget, breaker, error, rejected or unreadable answer), and
    for transcriptions the voice notes that got the polite "please write" instead.
    """

    day = models.DateField("dia")
    provider = models.CharField("provedor", max_length=16, choices=ProviderName.choices)
    purpose = models.CharField("finalidade", max_length=16, choices=Purpose.choices, default=Purpose.PHRASING)
    prompt_tokens = models.PositiveBigIntegerField("tokens de entrada", default=0)
    completion_tokens = models.PositiveBigIntegerField("tokens de saída", default=0)
    calls = models.PositiveIntegerField("chamadas", default=0)
    fallbacks = models.PositiveIntegerField("respostas ou leituras offline", default=0)
    # Transcriptions are paid by the second of audio: their budget (TRANSCRIBE_DAILY_SECONDS_BUDGET).
    audio_seconds = models.FloatField("segundos de áudio", default=0)

    class Meta:
        verbose_name = "uso de tokens por dia"
        verbose_name_plural = "uso de tokens por dia"
        ordering = ["-day", "provider", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider", "purpose"], name="llm_tokenusage_day_provider_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider} {self.purpose}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ConversationTokenUsage(models.Model):
    """Tokens spent on one conversation, whatever the purpose (its ``fallbacks``: replies sent offline).

    ``session_id`` is the conversation's id, not a foreign key: the conversations app
    calls this one, so this one must not depend on it.
    """

    session_id = models.BigIntegerField("conversa", unique=True)
    prompt_tokens = models.PositiveBigIntegerField("tokens de entrada", default=0)
    completion_tokens = models.PositiveBigIntegerField("tokens de saída", default=0)
    calls = models.PositiveIntegerField("chamadas", default=0)
    fallbacks = models.PositiveIntegerField("respostas offline", default=0)
    audio_seconds = models.FloatField("segundos de áudio transcritos", default=0)
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
