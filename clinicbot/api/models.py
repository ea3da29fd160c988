"""API keys of the clinic's integrations (only a hash of each secret is stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiScope(models.TextChoices):
    """What a key may do, one area at a time; a key holds only the scopes it was given.

    The doctors list (public clinic data, the ids every other call takes) needs only a valid key.
    """

    SLOTS_READ = "slots:read", "horários livres (leitura)"
    APPOINTMENTS_READ = "appointments:read", "consultas (leitura)"
    APPOINTMENTS_WRITE = "appointments:write", "consultas (marcar e cancelar)"
    CONVERSATIONS_READ = "conversations:read", "conversas com pacientes (leitura)"


def default_scopes() -> list[str]:
    """Least privilege: a new key only reads free slots unless staff tick more."""
    return [ApiScope.SLOTS_READ.value]


class ApiKey(models.Model):
    """One integration's key: ``cbk_<prefix>_<secret>``; the prefix identifies it, the hash checks it."""

    name = models.CharField("integração", max_length=100, help_text="Ex.: prontuário eletrônico, site")
    prefix = models.CharField("prefixo", max_length=16, unique=True, editable=False)
    key_hash = models.CharField("hash SHA-256", max_length=64, editable=False)
    scopes = models.JSONField("permissões", default=default_scopes, help_text="lista de ApiScope")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="criada por",
    )
    created_at = models.DateTimeField("criada em", auto_now_add=True)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("revogada em", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "chave de API"
        verbose_name_plural = "chaves de API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (cbk_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """True when the key was given ``scope`` (no scope implies another)."""
        return scope in (self.scopes or [])

    @property
    def scope_labels(self) -> str:
        labels = dict(ApiScope.choices)
        return ", ".join(labels.get(s, s) for s in self.scopes or []) or "—"
