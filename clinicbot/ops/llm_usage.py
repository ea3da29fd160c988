"""LLM token use as ops sees it, read through one seam.

The ``clinicbot.llm`` app (providers, token budget) records each day's use in
``llm.TokenUsage`` (``day``, ``prompt_tokens``, ``completion_tokens``). Ops only reads
it, and must keep working on a deployment without that app: then every figure is 0 and
the budget unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Sum


@dataclass(frozen=True)
class TokenUse:
    prompt: int = 0
    completion: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion


def llm_tokens_for_day(*, day: dt.date) -> TokenUse:
    """Tokens the LLM consumed on ``day`` (zero when the llm app is not installed)."""
    if not apps.is_installed("clinicbot.llm"):
        return TokenUse()
    try:
        model = apps.get_model("llm", "TokenUsage")
    except LookupError:
        return TokenUse()
    sums = model.objects.filter(day=day).aggregate(p=Sum("prompt_tokens"), c=Sum("completion_tokens"))
    return TokenUse(prompt=int(sums["p"] or 0), completion=int(sums["c"] or 0))


def llm_daily_budget() -> int | None:
    """The daily token budget (``LLM_DAILY_TOKEN_BUDGET``), or None when none is set."""
    budget = getattr(settings, "LLM_DAILY_TOKEN_BUDGET", None)
    return int(budget) if budget else None
